"""A scenario's production and fix are switched one straight after the other,
and the lab is put back as configured once, at the end, also when a play
fails; a container switched to a setting it may never be healthy with is
killed, not given its grace period to stop (lab.switches.Switchboard, with
Compose and Docker left out)."""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

import pytest

from lab import switches
from lab.config import LabConfig
from lab.switches import Switchboard, switched

CONFIG = LabConfig(Path("/nowhere"), {"BETA_UPLOAD_CHECKS": "production", "ATS_DNS_CACHE": "fast"})


@pytest.fixture
def recreated(monkeypatch: pytest.MonkeyPatch) -> list[tuple]:
    """Each recreate: the services, then BETA_UPLOAD_CHECKS and ATS_DNS_CACHE
    they get, and whether it waited for health; each kill: ("killed", services)."""
    calls: list[tuple] = []

    def record(config: LabConfig, services: Sequence[str], out: object, *, healthy: bool = True) -> None:
        calls.append((tuple(services), config.get("BETA_UPLOAD_CHECKS"), config.get("ATS_DNS_CACHE"), healthy))

    monkeypatch.setattr(switches, "recreate", record)
    monkeypatch.setattr(switches, "kill", lambda config, services, out: calls.append(("killed", tuple(services))))
    return calls


def test_a_second_setting_goes_straight_from_the_first_and_the_lab_is_put_back_once(recreated: list) -> None:
    board = Switchboard(CONFIG)

    board.switch(["sd2"], {"BETA_UPLOAD_CHECKS": "production"}, healthy=False)
    board.switch(["sd2"], {"BETA_UPLOAD_CHECKS": "fixed"})
    board.put_back()

    assert recreated == [(("sd2",), "production", "fast", False), ("killed", ("sd2",)),
                         (("sd2",), "fixed", "fast", True), (("sd2",), "production", "fast", True)]


def test_a_service_switched_to_a_setting_it_may_never_be_healthy_with_is_killed_before_it_is_put_back(
        recreated: list) -> None:
    with switched(CONFIG, ["sd2"], {"BETA_UPLOAD_CHECKS": "fixed"}, healthy=False):
        pass

    assert recreated == [(("sd2",), "fixed", "fast", False), ("killed", ("sd2",)),
                         (("sd2",), "production", "fast", True)]


def test_a_service_the_next_setting_does_not_concern_is_put_back_before_it(recreated: list) -> None:
    board = Switchboard(CONFIG)

    board.switch(["ats"], {"ATS_DNS_CACHE": "production"})
    board.switch(["sd2"], {"BETA_UPLOAD_CHECKS": "fixed"})
    board.put_back()

    assert recreated == [(("ats",), "production", "production", True), (("ats",), "production", "fast", True),
                         (("sd2",), "fixed", "fast", True), (("ats", "sd2"), "production", "fast", True)]


def test_a_switch_that_fails_is_put_back(recreated: list) -> None:
    with pytest.raises(RuntimeError):
        with switched(CONFIG, ["sd2"], {"BETA_UPLOAD_CHECKS": "fixed"}):
            raise RuntimeError("the play failed")

    assert recreated[-1] == (("sd2",), "production", "fast", True)


def test_an_unknown_setting_is_refused_before_anything_is_switched(recreated: list) -> None:
    with pytest.raises(KeyError):
        Switchboard(CONFIG).switch(["sd2"], {"NO_SUCH_SETTING": "1"})

    assert recreated == []
