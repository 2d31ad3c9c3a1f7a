"""SpaceDock PR #373 (2021): with the download redirect to /content/ turned
on, /content/ fell through to SpaceDock's own route in gunicorn, which (with
`use-x-accel` off) streamed each file itself. Every sync worker streaming a
big zip is a worker no page gets: pages wait in gunicorn's queue behind the
downloads, and at production's scale past its proxies' timeouts ("unexplained
timeouts and 502 statuses"). The fix answers /content/ with X-Sendfile, so
Apache sends the file and the worker is free at once."""
from __future__ import annotations

import os
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from lab.errors import LabError
from lab.scenarios.engine import Scenario, Seen, Stage, Variant
from lab.scenarios.steps import BETA, expect
from lab.smb import StorageBox
from lab.waiting import poll_until

# big enough that a worker streams it for seconds, small enough for memory
ZIP_BYTES = 100 * 1024 * 1024
PAGE = "/mod/1"
# a download or the page may wait this long (the production play's page waits ~7 s)
TIMEOUT_S = 120.0


@dataclass(frozen=True)
class Download:
    status: int
    size: int
    finished_at: float


class Downloads:
    """Parallel downloads of one file through ATS, each read to its end."""

    def __init__(self, stage: Stage, path: str) -> None:
        self.stage = stage
        self.path = path
        self.started = 0
        self._lock = threading.Lock()

    def one(self) -> Download:
        with self.stage.visitor(TIMEOUT_S).get(self.path, host=BETA, stream=True) as response:
            with self._lock:
                self.started += 1
            size = sum(len(chunk) for chunk in response.iter_content(1024 * 1024))
        return Download(response.status_code, size, time.monotonic())


def play(stage: Stage, variant: str) -> Seen:
    return play_opening(PAGE, stage)


def play_opening(page_path: str, stage: Stage) -> Seen:
    """The play, with `page_path` the page a visitor opens meanwhile."""
    workers = int(stage.config.get("GUNICORN_WORKERS")) * int(stage.config.get("BETA_GUNICORN_INSTANCES"))
    users = 2 * workers  # half of them wait for a worker
    box = StorageBox(stage.config, "beta")
    stored = f"scenario-{stage.tag}-big-mod.zip"
    try:
        box.write(stored, os.urandom(ZIP_BYTES))
        downloads = Downloads(stage, f"/content/{stored}")
        with ThreadPoolExecutor(users) as pool:
            running: list[Future[Download]] = [pool.submit(downloads.one) for _ in range(users)]
            poll_until(lambda: downloads.started >= workers or any(future.done() for future in running),
                       timeout_s=TIMEOUT_S, interval_s=0.02, awaited="the first downloads' answers to begin")
            if any(future.done() for future in running):
                raise LabError("a download was over before the page was asked for; the play cannot tell "
                               "whether the page waited for one")
            stage.out(f"  {users} users download a {ZIP_BYTES // 2**20} MiB zip from /content/; "
                      f"{downloads.started} answers have begun")
            asked = time.monotonic()
            page = expect(stage.visitor(TIMEOUT_S).get(page_path, host=BETA), 200, f"opening {page_path}")
            answered = time.monotonic()
            finished = [future.result() for future in running]
    finally:
        if any(entry.path == stored for entry in box.walk()):
            box.remove(stored)
    failed = [download for download in finished if download.status != 200 or download.size != ZIP_BYTES]
    if failed:
        raise LabError(f"{len(failed)} of {users} downloads failed: {failed}")
    before_page = sum(download.finished_at < answered for download in finished)
    stage.out(f"  meanwhile a visitor opens {page_path}: {page.status_code} after {answered - asked:.2f} s, "
              f"when {before_page} of {users} downloads had finished; the last took "
              f"{max(download.finished_at for download in finished) - asked:.1f} s")
    return Seen(before_page > 0, f"the page took {answered - asked:.2f} s: "
                                 + ("it waited for a worker until downloads finished" if before_page else
                                    "answered while every download was still running"))


SCENARIO = Scenario(
    name="content-through-gunicorn",
    symptom="/content/ downloads streamed by gunicorn hold every worker, and pages wait behind them",
    fix="/content/ answered with X-Sendfile",
    upstream="PR #373",
    production=Variant({"CONTENT_SERVED_BY": "xsendfile", "BETA_USE_X_ACCEL": "false"}, ("sd2",)),
    fixed=Variant({"CONTENT_SERVED_BY": "xsendfile", "BETA_USE_X_ACCEL": "apache"}, ("sd2",)),
    play=play,
)
