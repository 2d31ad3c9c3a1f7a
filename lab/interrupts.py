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


# the signals caught by the outermost hold in force (None: no hold)
_held: list[int] | None = None


@contextmanager
def ctrl_c_held(out: Callable[[str], None], what: str = "the lab is put back") -> Iterator[None]:
    """Hold SIGINT and SIGTERM until the block ends, then raise KeyboardInterrupt
    if one came. Inside another hold, a signal is the outer hold's to raise."""
    global _held
    if _held is not None:
        yield
        return
    caught: list[int] = []

    def hold(signum: int, frame: FrameType | None) -> None:
        caught.append(signum)
        out(f"lab: {signal.Signals(signum).name} held until {what}")

    previous: dict[int, object] = {}
    _held = caught
    try:
        for signum in HELD_SIGNALS:
            previous[signum] = signal.signal(signum, hold)
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        _held = None
    if caught:
        raise KeyboardInterrupt


def terminate_like_ctrl_c() -> None:
    """SIGTERM raises KeyboardInterrupt, as Ctrl-C does (Python's default
    would end the process at once, in the middle of whatever it was doing)."""
    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)
