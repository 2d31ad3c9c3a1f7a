"""Files opened for appending on the web containers' storage mount, as SpaceDock
writes every upload chunk (`open(path, 'ab')`): the bytes land at the end of
the file on the share, and the mount goes on serving. On the smbfuse mount
this needs apache/smbnetfs-append.c; without it the open fails with EIO and
the share stops answering for seconds."""
from __future__ import annotations

from typing import Iterator

import pytest

from lab.config import LabConfig
from lab.docker_ops import DockerLab
from lab.smb import StorageBox

SERVICE = "sd2"  # beta: its own share, away from production's tests
SHARE = "beta"
CHUNK = 256 * 1024

# Three chunks written as SpaceDock writes them: each opens the file for
# appending and seeks to its start first (the seek has no effect on an append).
APPEND_CHUNKS = """
import sys
path = sys.argv[1]
for index in range(3):
    with open(path, "ab") as handle:
        handle.seek(0)
        handle.write(bytes([65 + index]) * {chunk})
""".format(chunk=CHUNK)


@pytest.fixture
def path_on_share(config: LabConfig, unique: str) -> Iterator[str]:
    storagebox = StorageBox(config, SHARE)
    relative = f"lab-tests/appends-{unique}.bin"
    storagebox.write(relative, b"")
    yield relative
    storagebox.remove(relative)


def test_chunks_appended_through_the_mount_land_in_order_on_the_share(
        config: LabConfig, docker_lab: DockerLab, path_on_share: str) -> None:
    result = docker_lab.exec(SERVICE, ["python3", "-c", APPEND_CHUNKS, f"/storage/sdmods/{path_on_share}"],
                             user="www-data")

    assert result.exit_code == 0, result.output
    assert StorageBox(config, SHARE).read(path_on_share) == b"A" * CHUNK + b"B" * CHUNK + b"C" * CHUNK


def test_the_mount_answers_at_once_after_an_append(docker_lab: DockerLab, path_on_share: str) -> None:
    appended = docker_lab.exec(SERVICE, ["python3", "-c", APPEND_CHUNKS, f"/storage/sdmods/{path_on_share}"],
                               user="www-data")
    assert appended.exit_code == 0, appended.output

    # within 2 s, in the container: an EIO'd smbnetfs fails or hangs its next requests for longer
    listing = docker_lab.exec(SERVICE, ["timeout", "2", "ls", "/storage/sdmods/lab-tests"])

    assert listing.exit_code == 0, listing.output
    assert path_on_share.rsplit("/", 1)[1] in listing.output.split()
