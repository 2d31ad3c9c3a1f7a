"""The lab's one error family and its exit statuses.

Adapters turn their library's exceptions (docker, requests, smbprotocol) into
these, naming the service and address involved; `lab.cli.main` prints them as
one line and returns the matching exit status.
"""
from __future__ import annotations

from enum import IntEnum


class ExitStatus(IntEnum):
    OK = 0
    ERROR = 1
    TIMEOUT = 2
    STACK_DOWN = 3
    PREREQUISITE_MISSING = 4
    CTRL_C = 130


class LabError(Exception):
    """Something the operator can act on; the message says what and where."""

    exit_status = ExitStatus.ERROR
    hint = ""

    def __init__(self, message: str, *, hint: str = "") -> None:
        super().__init__(message)
        if hint:
            self.hint = hint


class PrerequisiteMissing(LabError):
    """Docker, Compose or another tool the lab needs is not there."""

    exit_status = ExitStatus.PREREQUISITE_MISSING


class StackNotRunning(LabError):
    exit_status = ExitStatus.STACK_DOWN
    hint = "make up"


class ServiceUnhealthy(LabError):
    hint = "make logs service=<name>, or make status"


class LabTimeout(LabError):
    exit_status = ExitStatus.TIMEOUT


class LabBusy(LabError):
    """Another command holds the lab's lock (lab.lock)."""
