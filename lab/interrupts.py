"""Ctrl-C held while the lab is being put back: a restore cut short would leave
it half switched. The Ctrl-C takes effect (KeyboardInterrupt) once it is done."""
from __future__ import annotations

import signal
from contextlib import contextmanager
from types import FrameType
from typing import Callable, Iterator


@contextmanager
def ctrl_c_held(out: Callable[[str], None]) -> Iterator[None]:
    caught: list[int] = []

    def hold(signum: int, frame: FrameType | None) -> None:
        caught.append(signum)
        out("lab: Ctrl-C held until the lab is put back")

    previous = signal.signal(signal.SIGINT, hold)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if caught:
        raise KeyboardInterrupt
