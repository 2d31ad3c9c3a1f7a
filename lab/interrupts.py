"""Ctrl-C (SIGINT) and SIGTERM held while the lab is changed in a way that must
not stop half-way (put back after a scenario, live aliases moved): a change
cut short would leave it half switched. The signal takes effect
(KeyboardInterrupt) once it is done. `lab.cli` turns SIGTERM into a
KeyboardInterrupt like Ctrl-C (`terminate_like_ctrl_c`), so both end a command
the same way."""
from __future__ import annotations

import signal
from contextlib import contextmanager
from types import FrameType
from typing import Callable, Iterator

HELD_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@contextmanager
def ctrl_c_held(out: Callable[[str], None], what: str = "the lab is put back") -> Iterator[None]:
    caught: list[int] = []

    def hold(signum: int, frame: FrameType | None) -> None:
        caught.append(signum)
        out(f"lab: {signal.Signals(signum).name} held until {what}")

    previous = {signum: signal.signal(signum, hold) for signum in HELD_SIGNALS}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    if caught:
        raise KeyboardInterrupt


def terminate_like_ctrl_c() -> None:
    """SIGTERM raises KeyboardInterrupt, as Ctrl-C does (Python's default
    would end the process at once, in the middle of whatever it was doing)."""
    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)
