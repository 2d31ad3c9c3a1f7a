"""A stand-in for the part of DockerLab a swap, the live aliases and a frozen
container use: aliases on the front network kept in a dict, commands inside a
container answered with Apache's status page, pause and unpause. It can be
told to fail a call, or to send this process a signal in the middle of one."""
from __future__ import annotations

import os
from typing import Sequence

from lab.docker_ops import ExecResult
from lab.errors import LabError
from lab.topology import LIVE_ALIASES

STATUS_PAGE = "BusyWorkers: 1\nConnsAsyncWriting: 0\n--- sockets\n"


class FakeLab:
    """`failing` maps a call ("set_aliases sd1b", "exec sd1a") to how many times
    it works before it starts to raise; `signal_at` to a signal this process
    gets in the middle of it (once)."""

    def __init__(self, failing: dict[str, int] | None = None, signal_at: dict[str, int] | None = None,
                 status_page: str = STATUS_PAGE) -> None:
        self.book = {"sd1a": ["sd1a.52k", *LIVE_ALIASES], "sd1b": ["sd1b.52k"]}
        self.failing = dict(failing or {})
        self.signal_at = dict(signal_at or {})
        self.status_page = status_page
        self.frozen: set[str] = set()

    def _step(self, call: str) -> None:
        if call in self.signal_at:
            os.kill(os.getpid(), self.signal_at.pop(call))
        if call in self.failing:
            if self.failing[call] == 0:
                raise LabError(f"could not {call}: the container is restarting")
            self.failing[call] -= 1

    def aliases(self, service: str, network: str) -> list[str]:
        return list(self.book[service])

    def set_aliases(self, service: str, network: str, aliases: Sequence[str]) -> None:
        self._step(f"set_aliases {service}")
        self.book[service] = list(aliases)

    def exec(self, service: str, command: Sequence[str], *, user: str = "") -> ExecResult:
        self._step(f"exec {service}")
        return ExecResult(0, self.status_page)

    def pause(self, service: str) -> None:
        self.frozen.add(service)

    def unpause(self, service: str) -> None:
        self._step(f"unpause {service}")
        self.frozen.discard(service)
