"""One command at a time changes a lab: an exclusive lock (flock) on a file of
the lab's state folder, which names the command holding it. A second command
waits a bounded time for it, then refuses in one line naming the holder. The
lock goes with the process that holds it (a kill -9 releases it too); the
commands that holder runs as children (bench's `lab up`) are let through."""
from __future__ import annotations

import fcntl
import os
import time
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Callable, Iterator

from lab.errors import LabBusy, LabError

# set for a holder's children: the lock files their parents hold (os.pathsep between)
HELD = "SDLAB_LOCK_HELD"
POLL_S = 0.2


def holder(descriptor: int) -> str:
    return os.pread(descriptor, 4096, 0).decode(errors="replace").strip() or "another command"


@contextmanager
def held(path: Path, command: str, *, wait_s: float,
         waiting: Callable[[str], None] = lambda holder: None) -> Iterator[None]:
    """The lock on `path` for `command`, waited for up to `wait_s` (told to
    `waiting` once, with the holder); LabBusy naming the holder after that."""
    outer = os.environ.get(HELD)
    if str(path) in (outer or "").split(os.pathsep):
        yield
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as error:
        raise LabError(f"cannot open the lock {path}: {error.strerror or error}",
                       hint=f"sudo chown -R $(id -un): {path.parent} (Docker makes a missing folder root's)") from error
    try:
        deadline = time.monotonic() + wait_s
        told = False
        while True:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise LabBusy(f"the lab is busy: {holder(descriptor)} holds it (lock {path}); nothing was done",
                                  hint="wait for it to end, then run this again") from None
                if not told:
                    waiting(holder(descriptor))
                    told = True
                time.sleep(POLL_S)
        os.ftruncate(descriptor, 0)
        os.pwrite(descriptor, f"{command} (pid {os.getpid()}, since {datetime.now():%H:%M:%S})\n".encode(), 0)
        os.environ[HELD] = os.pathsep.join(filter(None, (outer, str(path))))
        try:
            yield
        finally:
            if outer is None:
                del os.environ[HELD]
            else:
                os.environ[HELD] = outer
            os.ftruncate(descriptor, 0)
    finally:
        # closing the file releases the lock
        os.close(descriptor)
