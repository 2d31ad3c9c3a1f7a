"""A swap that fails half-way leaves one live container, the one
.lab/state.json names, and says so; and a container whose in-flight requests
cannot be counted is never taken for drained. Against a stand-in for the
Docker API that keeps aliases in a dict and can be told to fail (fake_lab.py)."""
from __future__ import annotations

import pytest

from lab import live_alias
from lab.swap import SwapRefused, drained, move_aliases
from tests.unit.lab.fake_lab import STATUS_PAGE, FakeLab

def test_a_move_that_works_leaves_the_new_container_alone_live() -> None:
    lab = FakeLab()

    busy = move_aliases(lab, "sd1a", "sd1b")

    assert live_alias.holders(lab) == ["sd1b"]
    assert busy == 0


@pytest.mark.parametrize("failing", ["exec sd1a", "set_aliases sd1a"], ids=["in-flight count", "revoke"])
def test_a_move_that_fails_after_the_grant_rolls_back_to_the_old_container_alone(failing: str) -> None:
    lab = FakeLab({failing: 0})

    with pytest.raises(SwapRefused, match="rolled back: sd1a alone holds the live aliases"):
        move_aliases(lab, "sd1a", "sd1b")

    assert live_alias.holders(lab) == ["sd1a"]


def test_a_roll_back_that_fails_too_names_who_holds_the_aliases_and_the_repair() -> None:
    lab = FakeLab({"exec sd1a": 0, "set_aliases sd1b": 1})

    with pytest.raises(SwapRefused, match=r"the live aliases are on sd1a, sd1b; `make up` gives them to sd1a alone"):
        move_aliases(lab, "sd1a", "sd1b")


def test_a_container_that_cannot_count_its_requests_is_not_drained() -> None:
    assert not drained(FakeLab(status_page="curl: (7) Failed to connect\n--- sockets\n"), "sd1a")


def test_a_container_with_nothing_in_flight_is_drained() -> None:
    assert drained(FakeLab(), "sd1a")


def test_a_container_still_sending_a_download_is_not_drained() -> None:
    busy = FakeLab(status_page=STATUS_PAGE + "0 131072 172.31.252.11:80 172.31.252.130:41234\n")

    assert not drained(busy, "sd1a")
