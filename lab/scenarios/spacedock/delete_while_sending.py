"""A version's zip replaced while a download of it streams, on the real
SpaceDock of today's production (master 6517c0e). Since PR #428 (2023-03) an
author can replace a version's zip: its first chunk removes the file and
appends the new one at the same path. Production's kernel CIFS mount lets the
removal through while Apache still sends the file: the box makes it
delete-pending, so the download gets the whole old zip, but the new file
cannot be made at that name (ENOENT) until Apache lets go. The replace
answers 500, and once the download ends the old zip is gone too: the version
has no zip until the author tries again. (Deleting a version and uploading the
same number again meets the same wall, but master's delete answers 500 before
it removes anything: delete-version-500.)

Played on beta (sd2) with the link to the storage box slowed to RATE_MBIT, so
that Apache reads the zip for seconds, as production's box at 10-20 MB/s does
for a large mod; no fix upstream. Needs APP=spacedock."""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone
from posixpath import dirname

import requests

from lab.errors import LabError
from lab.scenarios.engine import Scenario, Seen, Stage, Variant, short_sha
from lab.scenarios.steps import BETA
from lab.smb import StorageBox
from lab.spacedock.client import BROWSER
from lab.standin_client import make_zip
from lab.storage_link import Link, shaped
from lab.waiting import poll_until

SERVICE = "sd2"
# 4 MB at 8 Mbit/s: Apache reads the zip from the box for about 4 s
ZIP_BYTES = 4_000_000
RATE_MBIT = 8
DOWNLOAD_TIMEOUT_S = 60.0


@dataclass
class Download:
    """A download that streams in a thread of its own, as a user's would:
    `streaming` once its first bytes of a 200 have come, `ended` when it ends."""
    streaming: threading.Event = field(default_factory=threading.Event)
    ended: threading.Event = field(default_factory=threading.Event)
    body: bytearray = field(default_factory=bytearray)
    status: int = 0
    error: str = ""

    def run(self, stage: Stage, path: str) -> None:
        client = stage.visitor(DOWNLOAD_TIMEOUT_S)
        try:
            with client.get(path, host=BETA, stream=True) as response:
                self.status = response.status_code
                for piece in response.iter_content(64 * 1024):
                    self.body += piece
                    if response.status_code == 200:
                        self.streaming.set()
        except (requests.RequestException, LabError) as error:
            self.error = f"{type(error).__name__}: {error}"
        finally:
            client.session.close()
            self.ended.set()

    def outcome(self) -> str:
        return self.error or str(self.status)


def on_the_box(stage: Stage, zip_path: str) -> bool:
    return zip_path in StorageBox(stage.config, "beta").files(dirname(zip_path))


def what_the_app_raised(stage: Stage, since: datetime) -> str:
    """The last exception in the app's log since `since` (a traceback's last line)."""
    raised = [line.split(" ", 1)[-1] for line in stage.lab.logs(SERVICE, since=since).splitlines()
              if "Error: " in line and not line.split(" ", 1)[-1].startswith(" ")]
    return raised[-1] if raised else "nothing"


def play(stage: Stage, variant: str) -> Seen:
    author = stage.real_author(BETA)
    name = stage.name("LabReplace").replace(" ", "")
    old = make_zip(ZIP_BYTES, f"{name}-old")
    new = make_zip(ZIP_BYTES, f"{name}-new")
    mod = author.create_published(name, "1.0", old)
    version_id = author.version_id(mod, "1.0")
    path = f"/content/{mod.zip_path('1.0')}"
    stage.out(f"  {name} 1.0 published (sha256 {short_sha(old)}); the link to the box slowed to {RATE_MBIT} Mbit/s")
    with shaped(stage.config, stage.lab, Link(rate_mbit=RATE_MBIT), [SERVICE]):
        download = Download()
        downloading = threading.Thread(target=download.run, args=(stage, path), daemon=True)
        downloading.start()
        poll_until(lambda: download.streaming.is_set() or download.ended.is_set() or None,
                   timeout_s=DOWNLOAD_TIMEOUT_S, awaited=f"the first bytes of {path}")
        if not download.streaming.is_set() or download.ended.is_set():
            raise LabError(f"the download of {path} ended before the replace could meet it: {download.outcome()}")
        asked = datetime.now(timezone.utc)
        replaced = author.replace_zip(mod, version_id, new)
        listed = on_the_box(stage, mod.zip_path("1.0"))
        stage.out(f"  a user downloads {path}; meanwhile the author replaces 1.0's zip (sha256 {short_sha(new)}): "
                  f"POST …/edit_version → {replaced.status_code}; the name "
                  f"{'is still' if listed else 'is no longer'} listed on the box")
        stage.out(f"    SpaceDock raised: {what_the_app_raised(stage, asked)}")
        downloading.join(DOWNLOAD_TIMEOUT_S)
        if downloading.is_alive():
            raise LabError(f"the download of {path} still runs {DOWNLOAD_TIMEOUT_S:.0f} s after the replace")
        got = bytes(download.body)
        stage.out(f"  the download: {download.outcome()}, {len(got)} bytes, "
                  f"sha256 {short_sha(got)} ({'the old zip, whole' if got == old else 'not the old zip'})")
    left = on_the_box(stage, mod.zip_path("1.0"))
    route = stage.client.get(mod.download_route("1.0"), host=BETA, headers=BROWSER).status_code
    again = author.replace_zip(mod, version_id, new)
    stored = stage.stored("beta", mod.zip_path("1.0"))
    stage.out(f"  after the download the box holds {'the zip' if left else 'no zip'} for 1.0 (its download → "
              f"{route}); the author tries again: "
              f"→ {again.status_code}, the box holds sha256 {short_sha(stored)} "
              f"({'the new zip' if stored == new else 'not the new zip'})")
    lost = replaced.status_code == 500 and not left
    return Seen(lost, f"the replace during the download answered {replaced.status_code}, and once the download "
                      f"ended the box held {'no zip' if not left else 'a zip'} for 1.0")


SCENARIO = Scenario(
    name="delete-while-sending",
    symptom="a zip replaced while it is downloaded: the replace answers 500 and the version is left with no zip",
    fix="none upstream: the download gets the whole old zip, and the author's next try works",
    upstream="PR #428 (replacing a version's zip), on production's kernel CIFS mount",
    production=Variant(refs={SERVICE: "6517c0e"}),
    fixed=None,
    play=play,
)
