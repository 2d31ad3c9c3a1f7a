"""The link to the storage box shaped both ways: what a web container writes
to the share (an upload) and what it reads from it (a download) each go at
the rate asked for, and at the bridge's speed again once it is lifted."""
from __future__ import annotations

import os
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

# Copies one file to another through the mount and prints how long it took (s).
TIMED_COPY = """
import shutil, sys, time
started = time.monotonic()
with open(sys.argv[1], "rb") as source, open(sys.argv[2], "wb") as target:
    shutil.copyfileobj(source, target, 1024 * 1024)
print(time.monotonic() - started)
"""


@pytest.fixture
def files(config: LabConfig, unique: str) -> Iterator[dict[str, str]]:
    storagebox = StorageBox(config, SHARE)
    names = {"on_share": f"lab-tests/link-{unique}.bin", "written": f"lab-tests/link-{unique}-written.bin"}
    storagebox.write(names["on_share"], os.urandom(SIZE))
    yield names
    for name in names.values():
        storagebox.remove(name)


def timed_copy(docker_lab: DockerLab, source: str, target: str) -> float:
    result = docker_lab.exec(SERVICE, ["python3", "-c", TIMED_COPY, source, target], user="www-data")
    assert result.exit_code == 0, result.output
    return float(result.output.split()[-1])


@pytest.fixture
def local_file(docker_lab: DockerLab) -> Iterator[str]:
    """SIZE random bytes on the web container's own disk, to upload."""
    path = "/tmp/storage-link-test.bin"
    created = docker_lab.exec(SERVICE, ["sh", "-c", f"head -c {SIZE} /dev/urandom > {path}"], user="www-data")
    assert created.exit_code == 0, created.output
    yield path
    docker_lab.exec(SERVICE, ["rm", "-f", path])


def test_uploads_and_downloads_each_go_at_the_shaped_rate_and_at_full_speed_after(
        config: LabConfig, docker_lab: DockerLab, files: dict[str, str], local_file: str) -> None:
    with storage_link.shaped(config, docker_lab, Link(rate_mbit=RATE_MBIT), [SERVICE]):
        shaped_upload = timed_copy(docker_lab, local_file, f"/storage/sdmods/{files['written']}")
        shaped_download = timed_copy(docker_lab, f"/storage/sdmods/{files['on_share']}", "/dev/null")
    upload = timed_copy(docker_lab, local_file, f"/storage/sdmods/{files['written']}")

    assert shaped_upload >= 0.9 * AT_RATE_S, f"an upload took {shaped_upload:.2f} s at {RATE_MBIT} Mbit/s"
    assert shaped_download >= 0.9 * AT_RATE_S, f"a download took {shaped_download:.2f} s at {RATE_MBIT} Mbit/s"
    assert shaped_upload <= 3 * AT_RATE_S and shaped_download <= 3 * AT_RATE_S
    assert upload < shaped_upload / 2, f"unshaped again, an upload took {upload:.2f} s"
