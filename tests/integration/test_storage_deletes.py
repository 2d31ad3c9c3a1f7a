"""A file deleted through a web container's storage mount while it is being
read there, as a version's zip is deleted while Apache sends it: as on
production's kernel CIFS mount (measured on the CIFS VM, docs/storage.md), the
box makes it delete-pending, the reader reads it to its end, and its name
stays listed but cannot be made again until the reader closes it. On the
smbfuse mount this needs apache/smbnetfs-delete-pending.c; without it the
delete fails with EBUSY."""
from __future__ import annotations

import json
import uuid
from typing import Any, Iterator

import pytest

from lab.config import LabConfig
from lab.docker_ops import DockerLab
from lab.smb import StorageBox

SERVICE = "sd2"  # beta: its own share, away from production's tests
SHARE = "beta"
SIZE = 4_000_000

# Holds the file open as Apache does while it sends it, deletes it, and says
# what each step got; after the reader closes, waits (up to 10 s) for the name
# to go, as the reader's close reaches the box a moment after close() returns.
DELETE_WHILE_READ = """
import errno, json, os, sys, time
path = sys.argv[1]
folder, name = os.path.split(path)
seen = {}
def attempt(what, step):
    try:
        seen[what] = step()
    except OSError as error:
        seen[what] = errno.errorcode[error.errno]
reader = open(path, "rb")
first = reader.read(65536)
attempt("delete", lambda: os.remove(path) or "done")
attempt("listed while read", lambda: name in os.listdir(folder))
attempt("made again while read", lambda: open(path, "ab").close() or "done")
seen["bytes read"] = len(first) + len(reader.read())
reader.close()
deadline = time.monotonic() + 10
while name in os.listdir(folder) and time.monotonic() < deadline:
    time.sleep(0.1)
seen["listed after the reader closed"] = name in os.listdir(folder)
attempt("made again after", lambda: open(path, "ab").close() or "done")
print(json.dumps(seen))
"""


def smbnetfs_processes(docker_lab: DockerLab) -> set[str]:
    """The pids of smbnetfs and its workers in SERVICE (none on a kernel CIFS mount)."""
    rows = docker_lab.processes(SERVICE).splitlines()[1:]
    return {row.split()[0] for row in rows if " smbnetfs " in f" {row} "}


@pytest.fixture(scope="module")
def seen(config: LabConfig, docker_lab: DockerLab) -> Iterator[dict[str, Any]]:
    """What the steps got, for a file written to the box by another client (not
    through the mount's cache), and smbnetfs's processes before and after."""
    storagebox = StorageBox(config, SHARE)
    relative = f"lab-tests/deleted-while-read-{uuid.uuid4().hex[:8]}.bin"
    storagebox.write(relative, b"z" * SIZE)
    try:
        # smbnetfs starts its worker for the box at the first use of the mount
        docker_lab.exec(SERVICE, ["ls", "/storage/sdmods/lab-tests"])
        before = smbnetfs_processes(docker_lab)
        result = docker_lab.exec(SERVICE, ["python3", "-c", DELETE_WHILE_READ, f"/storage/sdmods/{relative}"],
                                 user="www-data")
        assert result.exit_code == 0, result.output
        yield {**json.loads(result.output.strip().splitlines()[-1]),
               "smbnetfs before": before, "smbnetfs after": smbnetfs_processes(docker_lab)}
    finally:
        if relative in storagebox.files("lab-tests"):
            storagebox.remove(relative)


def test_a_file_being_read_can_be_deleted(seen: dict[str, Any]) -> None:
    assert seen["delete"] == "done"


def test_its_reader_reads_it_to_the_end(seen: dict[str, Any]) -> None:
    assert seen["bytes read"] == SIZE


def test_its_name_stays_listed_while_it_is_read(seen: dict[str, Any]) -> None:
    assert seen["listed while read"] is True


def test_its_name_cannot_be_made_again_while_it_is_read(seen: dict[str, Any]) -> None:
    assert seen["made again while read"] == "ENOENT"


def test_its_name_goes_once_the_reader_closes(seen: dict[str, Any]) -> None:
    assert seen["listed after the reader closed"] is False


def test_its_name_can_be_made_again_once_the_reader_closes(seen: dict[str, Any]) -> None:
    assert seen["made again after"] == "done"


def test_no_smbnetfs_process_was_restarted_on_the_way(seen: dict[str, Any]) -> None:
    # smbnetfs restarts a worker on an error it takes for a lost connection,
    # closing every handle the worker held
    if not seen["smbnetfs before"]:
        pytest.skip("no smbnetfs: this host mounts the box with the kernel's CIFS client")
    assert len(seen["smbnetfs before"]) >= 2, "smbnetfs and its worker for the box"
    assert seen["smbnetfs before"] <= seen["smbnetfs after"]
