"""/healthz (is this container able to serve?) and /version (what does it run?).

SpaceDock itself has no health endpoint; its `/version` prints `git log -1`.
"""
from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from spacedock import database

bp = Blueprint("health", __name__)

STORAGE_MODE_FILE = Path("/run/sdlab/storage")
# A check that takes longer than this counts as failed; a frozen storage box
# must turn into a clear 503, not a hung request.
CHECK_TIMEOUT_S = 3.0


@dataclass(frozen=True)
class Check:
    ok: bool
    detail: str


def check_database() -> Check:
    try:
        with database.engine().connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        # the driver's own error where there is one; a pool timeout has none
        cause = getattr(error, "orig", None) or error
        return Check(False, f"database: {type(cause).__name__}: {str(cause).strip()}")
    return Check(True, "database: answers")


class _StorageProbe:
    """Lists the storage root in a background thread, one probe at a time, so a
    frozen network mount costs one stuck thread, not one per request."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running_since: float | None = None
        self._result: Check | None = None

    def check(self, root: Path) -> Check:
        with self._lock:
            if self._running_since is not None:
                stuck = time.monotonic() - self._running_since
                return Check(False, f"storage: {root} has not answered for {stuck:.0f} s")
            self._running_since = time.monotonic()
            self._result = None
        done = threading.Event()
        threading.Thread(target=self._probe, args=(root, done), daemon=True).start()
        if not done.wait(CHECK_TIMEOUT_S):
            return Check(False, f"storage: {root} did not answer within {CHECK_TIMEOUT_S:.0f} s")
        assert self._result is not None
        return self._result

    def _probe(self, root: Path, done: threading.Event) -> None:
        try:
            os.listdir(root)
            # a mount that is gone leaves an empty folder, which lists well
            result = (Check(True, f"storage: {root} answers ({storage_mode()})") if os.path.ismount(root)
                      else Check(False, f"storage: {root} is not a mount point (the share's mount is gone)"))
        except OSError as error:
            result = Check(False, f"storage: {root}: {error.strerror or error}")
        with self._lock:
            self._result = result
            self._running_since = None
        done.set()


_storage_probe = _StorageProbe()


def storage_mode() -> str:
    """`mode=...` as the container's mount-storage script recorded it."""
    try:
        lines = STORAGE_MODE_FILE.read_text().splitlines()
    except OSError:
        return "mode unknown"
    return next((line for line in lines if line.startswith("mode=")), "mode unknown")


@bp.get("/healthz")
def healthz():
    checks = [check_database(), _storage_probe.check(Path(current_app.config["STORAGE"]))]
    healthy = all(check.ok for check in checks)
    body = {
        "status": "ok" if healthy else "failing",
        "container": current_app.config["SD_CONTAINER"],
        "checks": [check.detail for check in checks],
        "failing": [check.detail.split(":")[0] for check in checks if not check.ok],
    }
    return jsonify(body), 200 if healthy else 503


@bp.get("/version")
def version():
    config = current_app.config
    text_body = (
        f"branch: {config['SD_BRANCH']}\n"
        f"version: {config['APP_VERSION']}\n"
        f"container: {config['SD_CONTAINER']}\n"
    )
    return text_body, 200, {"Content-Type": "text/plain; charset=utf-8"}
