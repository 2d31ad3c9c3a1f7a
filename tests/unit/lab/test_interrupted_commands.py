"""A command interrupted (Ctrl-C, SIGTERM) or failing at a step that must not
stop half-way finishes that step first and says what it left: the live
aliases moved and recorded, a frozen container thawed, the error that
mattered reported. Signals are real, sent to this process mid-step; the lab is
a stand-in for the Docker API (fake_lab.py)."""
from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
import requests

from lab import live_alias
from lab import state as lab_state
from lab.config import LabConfig
from lab.errors import LabError, ServiceUnhealthy
from lab.faults import paused
from lab.interrupts import ctrl_c_held
from lab.stack import with_evidence
from lab.state import LabState
from lab.swap import SwapRefused, move_and_record
from tests.unit.lab.fake_lab import FakeLab

@pytest.fixture
def config(tmp_path: Path) -> LabConfig:
    return LabConfig(root=tmp_path, settings={})


@pytest.fixture(autouse=True)
def sigterm_like_ctrl_c() -> None:
    """As `python -m lab` has it (lab.interrupts.terminate_like_ctrl_c)."""
    def interrupt(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    yield
    signal.signal(signal.SIGTERM, previous)


STEPS = ["set_aliases sd1b", "exec sd1a", "set_aliases sd1a"]


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
@pytest.mark.parametrize("step", STEPS, ids=["grant", "in-flight count", "revoke"])
def test_a_swap_interrupted_at_any_step_ends_with_the_new_container_alone_live_and_recorded(
        config: LabConfig, step: str, signum: int) -> None:
    lab = FakeLab(signal_at={step: signum})
    said: list[str] = []

    with pytest.raises(KeyboardInterrupt):
        move_and_record(config, lab, LabState(live="sd1a"), "sd1b", said.append)

    assert live_alias.holders(lab) == ["sd1b"]
    assert lab_state.load(config).live == "sd1b"
    assert said[-1].startswith("lab: interrupted once the aliases had moved: sd1b alone holds them")


def test_a_swap_that_fails_and_is_interrupted_rolls_back_and_keeps_the_old_container_recorded(
        config: LabConfig) -> None:
    lab = FakeLab(signal_at={"set_aliases sd1b": signal.SIGINT}, failing={"exec sd1a": 0})

    with pytest.raises(SwapRefused, match="rolled back: sd1a alone holds the live aliases"):
        move_and_record(config, lab, LabState(live="sd1a"), "sd1b", lambda line: None)

    assert live_alias.holders(lab) == ["sd1a"]
    assert lab_state.load(config).live == "sd1a"


def test_settle_gives_the_live_container_the_aliases_before_it_takes_them_from_the_other() -> None:
    lab = FakeLab(failing={"set_aliases sd1a": 0})

    with pytest.raises(LabError):
        live_alias.settle(lab, "sd1b")

    # the revoke failed; production still has a holder
    assert "sd1b" in live_alias.holders(lab)


def test_a_frozen_container_is_thawed_even_through_a_second_ctrl_c() -> None:
    lab = FakeLab(signal_at={"unpause storagebox": signal.SIGINT})

    with pytest.raises(KeyboardInterrupt):
        with paused(lab, "storagebox", lambda line: None):
            raise KeyboardInterrupt  # the first Ctrl-C, while frozen

    assert lab.frozen == set()


def test_an_up_whose_evidence_cannot_be_saved_still_reports_its_own_error() -> None:
    def collect() -> Path:
        raise OSError(28, "No space left on device")

    error = with_evidence(ServiceUnhealthy("sd2 stayed broken after being recreated"), collect)

    assert isinstance(error, ServiceUnhealthy)
    assert str(error) == "sd2 stayed broken after being recreated (no evidence saved: [Errno 28] No space left on device)"


def test_a_move_that_fails_other_than_with_a_lab_error_rolls_back_too(config: LabConfig,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    lab = FakeLab()

    def times_out(*args, **kwargs):
        raise requests.ReadTimeout("the Docker API did not answer in 60 s")

    monkeypatch.setattr(lab, "exec", times_out)

    with pytest.raises(SwapRefused, match="rolled back: sd1a alone holds the live aliases"):
        move_and_record(config, lab, LabState(live="sd1a"), "sd1b", lambda line: None)

    assert live_alias.holders(lab) == ["sd1a"]


def test_a_move_whose_state_file_cannot_be_written_rolls_back(config: LabConfig,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    lab = FakeLab()
    lab_state.save(config, LabState(live="sd1a"))

    def disk_full(config, state):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(lab_state, "save", disk_full)

    with pytest.raises(SwapRefused, match="could not say so .*rolled back: sd1a alone holds the live aliases"):
        move_and_record(config, lab, LabState(live="sd1a"), "sd1b", lambda line: None)

    assert live_alias.holders(lab) == ["sd1a"]
    assert lab_state.load(config).live == "sd1a"


def test_a_hold_inside_another_leaves_the_signal_to_the_outer_one() -> None:
    finished: list[str] = []

    with pytest.raises(KeyboardInterrupt):
        with ctrl_c_held(lambda line: None, "the outer work is done"):
            with ctrl_c_held(lambda line: None, "the inner work is done"):
                os.kill(os.getpid(), signal.SIGINT)
            finished.append("after the inner hold")

    assert finished == ["after the inner hold"]
