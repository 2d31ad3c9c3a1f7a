"""The lab's state file (.lab/state.json): written whole or not at all, and a
file that is not the lab's state is one clear error with the way out, never a
traceback."""
from __future__ import annotations

import io
import json
import threading
from pathlib import Path

import pytest

from lab import cli
from lab import config as lab_config
from lab import state as lab_state
from lab import status
from lab.config import LabConfig
from lab.errors import ExitStatus, StackNotRunning
from lab.state import LabState, StateUnreadable


@pytest.fixture
def config(tmp_path: Path) -> LabConfig:
    return LabConfig(root=tmp_path, settings={})


@pytest.mark.parametrize("text", ["{", "", "[]", '{"live": "sd1b", "images": [1]}', "\x00\x01"],
                         ids=["cut short", "empty", "a list", "images not a mapping", "binary"])
def test_a_state_file_that_is_not_the_lab_s_is_one_clear_error(config: LabConfig, text: str) -> None:
    lab_state.path_of(config).parent.mkdir(parents=True)
    lab_state.path_of(config).write_text(text)

    with pytest.raises(StateUnreadable, match=r"state.json is not the lab's state") as raised:
        lab_state.load(config)

    assert "make status" in raised.value.hint


def test_make_swap_on_a_broken_state_file_says_so_in_one_line(config: LabConfig,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    lab_state.path_of(config).parent.mkdir(parents=True)
    lab_state.path_of(config).write_text("{")
    monkeypatch.setattr(lab_config, "load", lambda: config)
    err = io.StringIO()

    status = cli.main(["swap"], out=io.StringIO(), err=err)

    assert status == ExitStatus.ERROR
    assert err.getvalue().count("\n") == 1
    assert err.getvalue().startswith(f"lab: error: {lab_state.path_of(config)} is not the lab's state")
    assert "try: make status (it rebuilds the file from the running lab), or rm .lab/state.json" in err.getvalue()


def test_what_is_saved_is_loaded_back(config: LabConfig) -> None:
    lab_state.save(config, LabState(live="sd1b", images={"sd2": "sdlab/web:abc"}))

    assert lab_state.load(config) == LabState(live="sd1b", images={"sd2": "sdlab/web:abc"})


def test_saves_at_once_from_many_writers_always_leave_a_whole_file_and_no_temporary_one(config: LabConfig) -> None:
    states = [LabState(live="sd1a" if n % 2 else "sd1b", images={"sd2": f"sdlab/web:{n:04d}" * 50})
              for n in range(40)]
    broken: list[str] = []

    def read_while_written() -> None:
        for _ in range(200):
            path = lab_state.path_of(config)
            if path.exists():
                try:
                    json.loads(path.read_text())
                except ValueError as error:
                    broken.append(str(error))

    reader = threading.Thread(target=read_while_written)
    writers = [threading.Thread(target=lab_state.save, args=(config, state)) for state in states]
    reader.start()
    for writer in writers:
        writer.start()
    for thread in (*writers, reader):
        thread.join()

    assert broken == []
    assert lab_state.load(config) in states
    assert [path.name for path in lab_state.path_of(config).parent.iterdir()] == ["state.json"]


class NoLab:
    """Docker with no container of the lab."""

    def containers(self) -> dict:
        return {}

    def aliases(self, service: str, network: str) -> list[str]:
        raise StackNotRunning(f"service {service} has no container")


def test_make_status_rebuilds_a_broken_state_file_afresh_when_the_lab_is_down() -> None:
    assert status.rebuilt_state(NoLab()) == LabState()
