"""A swap that fails half-way leaves one live container, the one
.lab/state.json names, and says so; and a container whose in-flight requests
cannot be counted is never taken for drained. Against a stand-in for the
Docker API that keeps aliases in a dict and can be told to fail."""
from __future__ import annotations

from typing import Sequence

import pytest

from lab import live_alias
from lab.docker_ops import ExecResult
from lab.errors import LabError
from lab.swap import SwapRefused, drained, move_aliases
from lab.topology import LIVE_ALIASES

STATUS_PAGE = "BusyWorkers: 1\nConnsAsyncWriting: 0\n--- sockets\n"


class AliasBook:
    """The part of DockerLab a swap uses: aliases on the front network and
    commands inside a container. `failing` maps a call ("set_aliases sd1b",
    "exec sd1a") to how many times it works before it starts to raise."""

    def __init__(self, failing: dict[str, int] | None = None, status_page: str = STATUS_PAGE) -> None:
        self.book = {"sd1a": ["sd1a.52k", *LIVE_ALIASES], "sd1b": ["sd1b.52k"]}
        self.failing = dict(failing or {})
        self.status_page = status_page

    def _may(self, call: str) -> None:
        if call in self.failing:
            if self.failing[call] == 0:
                raise LabError(f"could not {call}: the container is restarting")
            self.failing[call] -= 1

    def aliases(self, service: str, network: str) -> list[str]:
        return list(self.book[service])

    def set_aliases(self, service: str, network: str, aliases: Sequence[str]) -> None:
        self._may(f"set_aliases {service}")
        self.book[service] = list(aliases)

    def exec(self, service: str, command: Sequence[str], *, user: str = "") -> ExecResult:
        self._may(f"exec {service}")
        return ExecResult(0, self.status_page)


def test_a_move_that_works_leaves_the_new_container_alone_live() -> None:
    lab = AliasBook()

    busy = move_aliases(lab, "sd1a", "sd1b")

    assert live_alias.holders(lab) == ["sd1b"]
    assert busy == 0


@pytest.mark.parametrize("failing", ["exec sd1a", "set_aliases sd1a"], ids=["in-flight count", "revoke"])
def test_a_move_that_fails_after_the_grant_rolls_back_to_the_old_container_alone(failing: str) -> None:
    lab = AliasBook({failing: 0})

    with pytest.raises(SwapRefused, match="rolled back: sd1a alone holds the live aliases"):
        move_aliases(lab, "sd1a", "sd1b")

    assert live_alias.holders(lab) == ["sd1a"]


def test_a_roll_back_that_fails_too_names_who_holds_the_aliases_and_the_repair() -> None:
    lab = AliasBook({"exec sd1a": 0, "set_aliases sd1b": 1})

    with pytest.raises(SwapRefused, match=r"the live aliases are on sd1a, sd1b; `make up` gives them to sd1a alone"):
        move_aliases(lab, "sd1a", "sd1b")


def test_a_container_that_cannot_count_its_requests_is_not_drained() -> None:
    assert not drained(AliasBook(status_page="curl: (7) Failed to connect\n--- sockets\n"), "sd1a")


def test_a_container_with_nothing_in_flight_is_drained() -> None:
    assert drained(AliasBook(), "sd1a")


def test_a_container_still_sending_a_download_is_not_drained() -> None:
    busy = AliasBook(status_page=STATUS_PAGE + "0 131072 172.31.252.11:80 172.31.252.130:41234\n")

    assert not drained(busy, "sd1a")
