"""The link to the storage box shaped both ways: what a web container writes
to the share (an upload) and what it reads from it (a download) each go at
the rate asked for, its other traffic is not held up, and both go at the
bridge's speed again once the shaping is lifted."""
from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from typing import Iterator

import pytest

from lab import storage_link
from lab.config import LabConfig
from lab.docker_ops import DockerLab
from lab.smb import StorageBox
from lab.storage_link import Link

SERVICE = "sd2"
SHARE = "beta"
SIZE = 8 * 1024 * 1024
RATE_MBIT = 40
# the rate's time for SIZE bytes; SMB's headers and encryption only add to it
AT_RATE_S = SIZE * 8 / (RATE_MBIT * 1_000_000)

# Copies one file to another and prints how long it took (s).
TIMED_COPY = """
import shutil, sys, time
started = time.monotonic()
with open(sys.argv[1], "rb") as source, open(sys.argv[2], "wb") as target:
    shutil.copyfileobj(source, target, 1024 * 1024)
print(time.monotonic() - started)
"""


@dataclass(frozen=True)
class Timings:
    """Seconds for SIZE bytes each way, shaped and not, and /healthz's status
    (the database and the mount) while shaped."""
    shaped_upload: float
    shaped_download: float
    healthz_while_shaped: str
    upload: float
    download: float


def timed_copy(docker_lab: DockerLab, source: str, target: str) -> float:
    result = docker_lab.exec(SERVICE, ["python3", "-c", TIMED_COPY, source, target], user="www-data")
    assert result.exit_code == 0, result.output
    return float(result.output.split()[-1])


@pytest.fixture(scope="module")
def timings(config: LabConfig, docker_lab: DockerLab) -> Iterator[Timings]:
    box = StorageBox(config, SHARE)
    tag = uuid.uuid4().hex[:8]
    # two files to download, each read once (a second read would come from the page cache)
    downloads = [f"lab-tests/link-{tag}-{which}.bin" for which in ("shaped", "unshaped")]
    upload = f"lab-tests/link-{tag}-uploaded.bin"
    local = f"/tmp/storage-link-{tag}.bin"
    for name in downloads:
        box.write(name, os.urandom(SIZE))
    made = docker_lab.exec(SERVICE, ["sh", "-c", f"head -c {SIZE} /dev/urandom > {local}"], user="www-data")
    assert made.exit_code == 0, made.output
    try:
        with storage_link.shaped(config, docker_lab, Link(rate_mbit=RATE_MBIT), [SERVICE]):
            shaped_upload = timed_copy(docker_lab, local, f"/storage/sdmods/{upload}")
            shaped_download = timed_copy(docker_lab, f"/storage/sdmods/{downloads[0]}", "/dev/null")
            healthz = docker_lab.exec(SERVICE, ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time",
                                                "5", "http://127.0.0.1/healthz"]).output
        yield Timings(shaped_upload, shaped_download, healthz,
                      timed_copy(docker_lab, local, f"/storage/sdmods/{upload}"),
                      timed_copy(docker_lab, f"/storage/sdmods/{downloads[1]}", "/dev/null"))
    finally:
        docker_lab.exec(SERVICE, ["rm", "-f", local])
        for name in [*downloads, upload]:
            if name in box.files("lab-tests"):
                box.remove(name)


def test_an_upload_goes_at_the_shaped_rate(timings: Timings) -> None:
    assert 0.9 * AT_RATE_S <= timings.shaped_upload <= 3 * AT_RATE_S, \
        f"an upload of {SIZE} bytes took {timings.shaped_upload:.2f} s at {RATE_MBIT} Mbit/s"


def test_a_download_goes_at_the_shaped_rate(timings: Timings) -> None:
    assert 0.9 * AT_RATE_S <= timings.shaped_download <= 3 * AT_RATE_S, \
        f"a download of {SIZE} bytes took {timings.shaped_download:.2f} s at {RATE_MBIT} Mbit/s"


def test_the_database_and_the_mount_answer_while_the_link_is_shaped(timings: Timings) -> None:
    assert timings.healthz_while_shaped == "200"


def test_both_directions_go_at_the_bridge_s_speed_once_lifted(timings: Timings) -> None:
    assert timings.upload < timings.shaped_upload / 2, f"unshaped, an upload took {timings.upload:.2f} s"
    assert timings.download < timings.shaped_download / 2, f"unshaped, a download took {timings.download:.2f} s"
