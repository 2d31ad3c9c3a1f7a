"""Polling with a deadline: the lab's only way to wait for something."""
from __future__ import annotations

import time
from typing import Callable, TypeVar

from lab.errors import LabTimeout

T = TypeVar("T")


def poll_until(
    check: Callable[[], T | None],
    *,
    timeout_s: float,
    awaited: str,
    interval_s: float = 0.25,
    last_state: Callable[[], str] | None = None,
) -> T:
    """Call `check` until it returns something truthy and return that.

    Raises LabTimeout naming what was awaited (and, if given, the last state
    seen) when `timeout_s` passes first.
    """
    deadline = time.monotonic() + timeout_s
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() >= deadline:
            seen = f"; last seen: {last_state()}" if last_state else ""
            raise LabTimeout(f"timed out after {timeout_s:g} s waiting for {awaited}{seen}")
        time.sleep(interval_s)
