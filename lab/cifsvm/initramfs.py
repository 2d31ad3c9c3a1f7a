"""The guest's initramfs: the kernel's "newc" cpio format, gzipped, written
here so that the host needs no cpio."""
from __future__ import annotations

import gzip
import io
import stat
from dataclasses import dataclass

TRAILER = "TRAILER!!!"


@dataclass(frozen=True)
class Entry:
    """One file, directory or symbolic link; `data` is a link's target."""
    path: str
    mode: int
    data: bytes = b""


def directory(path: str) -> Entry:
    return Entry(path, stat.S_IFDIR | 0o755)


def file(path: str, data: bytes, executable: bool = False) -> Entry:
    return Entry(path, stat.S_IFREG | (0o755 if executable else 0o644), data)


def symlink(path: str, target: str) -> Entry:
    return Entry(path, stat.S_IFLNK | 0o777, target.encode())


def _pad(length: int) -> bytes:
    return b"\x00" * (-length % 4)


def _record(inode: int, entry: Entry) -> bytes:
    name = entry.path.strip("/").encode() + b"\x00"
    fields = (inode, entry.mode, 0, 0, 1, 0, len(entry.data), 0, 0, 0, 0, len(name), 0)
    header = b"070701" + b"".join(f"{value:08X}".encode() for value in fields)
    return header + name + _pad(len(header) + len(name)) + entry.data + _pad(len(entry.data))


def archive(entries: list[Entry]) -> bytes:
    """A gzipped newc archive of `entries` (parents listed before children)."""
    raw = io.BytesIO()
    for inode, entry in enumerate(entries, start=1):
        raw.write(_record(inode, entry))
    raw.write(_record(0, Entry(TRAILER, 0)))
    raw.write(b"\x00" * (-raw.tell() % 512))
    return gzip.compress(raw.getvalue(), compresslevel=1, mtime=0)

