"""What gunicorn runs in the lab for the real SpaceDock: SpaceDock's own app
(KerbalStuff.app:app, as production's `gunicorn KerbalStuff.app:app`), with
one path in front of it that SpaceDock lacks, the lab's probe /healthz
(Docker's healthcheck and `make up` ask it): 200 when the database answers and
the storage mount lists, 503 naming what failed. Every other request is
SpaceDock's."""
from __future__ import annotations

import json
import os
import threading
from contextlib import closing
from typing import Any, Callable, Iterable

import psycopg2

from KerbalStuff.app import app as spacedock

CHECK_TIMEOUT_S = 3.0
StartResponse = Callable[..., Any]


def check_database() -> str | None:
    try:
        with closing(psycopg2.connect(os.environ["CONNECTION_STRING"],
                                      connect_timeout=int(CHECK_TIMEOUT_S))) as connection:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
    except psycopg2.Error as error:
        return f"database: {type(error).__name__}: {str(error).strip()}"
    return None


def check_storage() -> str | None:
    """Lists the storage root in a thread, so a frozen mount fails the probe
    after CHECK_TIMEOUT_S instead of hanging it."""
    root = os.environ["STORAGE"]
    outcome: list[str | None] = []

    def list_root() -> None:
        try:
            os.listdir(root)
            # a mount that is gone leaves an empty folder, which lists well
            outcome.append(None if os.path.ismount(root)
                           else f"storage: {root} is not a mount point (the share's mount is gone)")
        except OSError as error:
            outcome.append(f"storage: {root}: {error.strerror}")

    worker = threading.Thread(target=list_root, daemon=True)
    worker.start()
    worker.join(CHECK_TIMEOUT_S)
    return outcome[0] if outcome else f"storage: {root} did not answer in {CHECK_TIMEOUT_S:g} s"


def healthz(start_response: StartResponse) -> Iterable[bytes]:
    failing = [problem for problem in (check_database(), check_storage()) if problem]
    body = json.dumps({"app": "spacedock", "container": os.environ.get("SD_CONTAINER", ""),
                       "failing": failing, "status": "failing" if failing else "ok"}).encode()
    start_response("503 Service Unavailable" if failing else "200 OK",
                   [("Content-Type", "application/json"), ("Content-Length", str(len(body))),
                    ("Cache-Control", "no-store")])
    return [body]


def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
    if environ.get("PATH_INFO") == "/healthz":
        return healthz(start_response)
    return spacedock(environ, start_response)
