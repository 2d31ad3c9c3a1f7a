"""SpaceDock #464 (2023-03, open): "Upload speeds seem to be slow on
SpaceDock". The report gives no figures. What holds for every upload, on the
real SpaceDock of today's production (master 6517c0e, whose upload code is
2020's): Dropzone sends a zip in 2 MiB chunks, one after another
(parallelChunkUploads: false), and SpaceDock answers a chunk only after its
own work on it and after it has appended it to the zip on the storage box
(`open(path, 'ab')`, written through the mount before the close returns).
Meanwhile the uploader's link idles: each chunk's time is its time on that
link plus SpaceDock's plus the box's.

Played on beta (sd2) with production's timeouts (ATS's 60 min, gunicorn's
3600 s; none is near): the same size of zip sent twice from a client paced at
15 MB/s (an uploader as fast as production's box, #256), first with the link
to the box as the bridge is, then slowed to production's 120 Mbit/s each way.
Needs APP=spacedock."""
from __future__ import annotations

import statistics
import time
from typing import Sequence

from lab.scenarios.engine import Scenario, Seen, Stage, Variant
from lab.scenarios.steps import BETA, ZIP_BYTES
from lab.spacedock.client import Mod, RealSpaceDockClient
from lab.standin_client import CHUNK_BYTES, make_zip
from lab.storage_link import PROFILES, shaped

SERVICE = "sd2"
BOX = PROFILES["production"]
# an uploader whose link is as fast as production's box: 15 MB/s
UPLOADER_BYTES_PER_S = BOX.rate_mbit * 1_000_000 / 8
UPLOAD_BYTES = 20_000_000
# "slow": below this share of the uploader's rate with the box's link in the way
SLOW_SHARE = 0.75


def upload(stage: Stage, author: RealSpaceDockClient, mod: Mod, version: str, what: str) -> float:
    """The rate, bytes/s, of one upload of a new version, as its chunks went."""
    zipball = make_zip(UPLOAD_BYTES, f"{mod.name}-{version}")
    started = time.monotonic()
    took = author.send_version_chunks(mod, version, zipball, bytes_per_s=UPLOADER_BYTES_PER_S)
    rate = len(zipball) / (time.monotonic() - started)
    stage.out(f"  {what}: {len(zipball) / 1e6:.0f} MB in {len(took)} chunks at {rate / 1e6:.1f} MB/s; a chunk "
              f"took {describe(took)}, {CHUNK_BYTES / UPLOADER_BYTES_PER_S:.2f} s of it on the uploader's link")
    return rate


def describe(seconds: Sequence[float]) -> str:
    return f"{statistics.median(seconds):.2f} s (median; {min(seconds):.2f}-{max(seconds):.2f})"


def play(stage: Stage, variant: str) -> Seen:
    author = stage.real_author(BETA)
    name = stage.name("LabUpload").replace(" ", "")
    mod = author.create_published(name, "1.0", make_zip(ZIP_BYTES, name))
    stage.out(f"  {name}: the uploader sends at {UPLOADER_BYTES_PER_S / 1e6:.0f} MB/s, Dropzone's chunks one by one")
    alone = upload(stage, author, mod, "2.0", "the box's link as the bridge is")
    with shaped(stage.config, stage.lab, BOX, [SERVICE]):
        behind = upload(stage, author, mod, "3.0", f"the box's link at {BOX.describe()}")
    share = behind / UPLOADER_BYTES_PER_S
    return Seen(share < SLOW_SHARE,
                f"with production's link to the box the upload went at {behind / 1e6:.1f} MB/s, {share:.0%} of "
                f"the uploader's {UPLOADER_BYTES_PER_S / 1e6:.0f} MB/s (with the box on the bridge, "
                f"{alone / 1e6:.1f} MB/s)")


SCENARIO = Scenario(
    name="slow-upload",
    symptom="an upload goes far below the uploader's link: each chunk waits for SpaceDock and the box before the next",
    fix="none upstream (SpaceDock would have to answer a chunk before it reaches the box)",
    upstream="#464",
    production=Variant(refs={SERVICE: "6517c0e"}),
    fixed=None,
    play=play,
)
