"""Where files go on the storage mount, exactly as SpaceDock lays them out, and
how an upload's chunks are written there.

    <secure(username)>_<user id>/<secure(mod name)>/<secure("<mod name>-<version>.zip")>
    <secure(username)>_<user id>/<secure(mod name)>/<secure(mod name)>-<unix time>.<ext>   (background)
"""
from __future__ import annotations

import errno
import os
import re
import time
from pathlib import Path
from typing import BinaryIO, Protocol, Union

from werkzeug.utils import secure_filename

VERSION_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$")
# A chunk given as a stream is copied to storage this much at a time.
COPY_BLOCK_BYTES = 64 * 1024
# What a chunk's bytes may come as: in memory, or a stream at their start.
ChunkData = Union[bytes, BinaryIO]


class UnsafeName(ValueError):
    """A name that could reach outside the storage root, or is empty once made safe."""


def check_name(value: str, what: str) -> str:
    """A mod or user name that stays one folder name: no separators, no `..`."""
    value = value.strip()
    if not value:
        raise UnsafeName(f"{what} is empty")
    if len(value) > 100:
        raise UnsafeName(f"{what} is longer than 100 characters")
    if "/" in value or "\\" in value or ".." in value or value.startswith(".") or "\0" in value:
        raise UnsafeName(f"{what} {value!r} may not contain '/', '\\', '..' or start with '.'")
    if not secure_filename(value):
        raise UnsafeName(f"{what} {value!r} has no characters that can be used in a file name")
    return value


def check_version(value: str) -> str:
    value = value.strip()
    if not VERSION_PATTERN.match(value) or ".." in value:
        raise UnsafeName(f"version {value!r} must be 1-64 letters, digits, '.', '_', '+' or '-', "
                         "starting with a letter or digit")
    return value


def user_dir(username: str, user_id: int) -> str:
    return f"{secure_filename(username)}_{user_id}"


def mod_dir(username: str, user_id: int, mod_name: str) -> str:
    return f"{user_dir(username, user_id)}/{secure_filename(mod_name)}"


def zip_path(username: str, user_id: int, mod_name: str, version: str) -> str:
    return f"{mod_dir(username, user_id, mod_name)}/{secure_filename(f'{mod_name}-{version}.zip')}"


def background_path(username: str, user_id: int, mod_name: str, unix_time: int, extension: str) -> str:
    return f"{mod_dir(username, user_id, mod_name)}/{secure_filename(mod_name)}-{unix_time}.{extension}"


def absolute(root: str | Path, relative: str) -> Path:
    """`relative` under the storage root; anything that would leave it, or
    that no file system can name (a NUL byte), is refused."""
    if "\0" in relative:
        raise UnsafeName(f"path {relative!r} contains a NUL byte")
    base = Path(root).resolve()
    target = (base / relative).resolve()
    if target != base and base not in target.parents:
        raise UnsafeName(f"path {relative!r} leaves the storage root")
    return target


# --- writing an upload's chunks ---------------------------------------------------

class ChunkOrderError(ValueError):
    """A chunk that does not continue the bytes written so far."""


class ChunkWriter(Protocol):
    """Writes the chunks of one upload whose zip belongs at `final`."""

    def start(self, final: Path, upload_id: str) -> None: ...
    def append(self, final: Path, upload_id: str, offset: int, data: ChunkData) -> int: ...
    def written(self, final: Path, upload_id: str) -> Path: ...
    def commit(self, final: Path, upload_id: str) -> None: ...
    def discard(self, final: Path, upload_id: str) -> None: ...


def copy_in_blocks(source: BinaryIO, target: BinaryIO) -> int:
    """Copy `source` from where it is to its end, COPY_BLOCK_BYTES at a time
    (never the whole of it in memory); returns how many bytes were copied."""
    copied = 0
    while block := source.read(COPY_BLOCK_BYTES):
        target.write(block)
        copied += len(block)
    return copied


def _append_checked(path: Path, offset: int, data: ChunkData) -> int:
    size = path.stat().st_size if path.exists() else None
    if size is None:
        raise ChunkOrderError("no upload in progress (the first chunk, index 0, was not received)")
    if size != offset:
        raise ChunkOrderError(f"chunk starts at byte {offset}, but {size} bytes have been received; "
                              "chunks must be sent in order, each exactly once")
    # As SpaceDock: open for appending, so the bytes go at the end of the file
    # as the mount knows it (SMB has no atomic append; apache/smbnetfs-append.c).
    with path.open("ab") as handle:
        if isinstance(data, (bytes, bytearray, memoryview)):
            handle.write(data)
            written = len(data)
        else:
            written = copy_in_blocks(data, handle)
    return size + written


class InPlaceWriter:
    """Production's way (SpaceDock api.py): chunk 0 deletes whatever is at the
    final path, every chunk is appended there. During the upload the partial zip
    is what the download URL serves; a failed upload leaves it (only a file that
    is not a zip at the end is deleted)."""

    def start(self, final: Path, upload_id: str) -> None:
        final.parent.mkdir(parents=True, exist_ok=True)
        final.unlink(missing_ok=True)
        final.touch()

    def append(self, final: Path, upload_id: str, offset: int, data: ChunkData) -> int:
        return _append_checked(final, offset, data)

    def written(self, final: Path, upload_id: str) -> Path:
        return final

    def commit(self, final: Path, upload_id: str) -> None:
        """Nothing to do: the bytes are already at the final path."""

    def discard(self, final: Path, upload_id: str) -> None:
        final.unlink(missing_ok=True)


class AtomicWriter:
    """The safe way: chunks go to a hidden file beside the final one
    (`.<name>.<upload id>.part`, refused by Apache), which replaces the final
    file only once it is complete and a valid zip. Readers see the old file or
    the new one, never a part."""

    PART_SUFFIX = ".part"

    def written(self, final: Path, upload_id: str) -> Path:
        return final.with_name(f".{final.name}.{secure_filename(upload_id) or 'upload'}{self.PART_SUFFIX}")

    def start(self, final: Path, upload_id: str) -> None:
        final.parent.mkdir(parents=True, exist_ok=True)
        self.written(final, upload_id).write_bytes(b"")

    def append(self, final: Path, upload_id: str, offset: int, data: ChunkData) -> int:
        return _append_checked(self.written(final, upload_id), offset, data)

    def commit(self, final: Path, upload_id: str) -> None:
        part = self.written(final, upload_id)
        try:
            os.replace(part, final)
            return
        except OSError as error:
            # Some SMB clients (smbnetfs) cannot rename over an existing file.
            if error.errno not in (errno.EEXIST, errno.EACCES, errno.EPERM):
                raise
        # Then: the old file aside, the new one in, the old one gone; if the
        # new one cannot go in, the old one comes back. (For a moment there is
        # no file at `final`: a download then gets a 404, never a wrong file.)
        aside = final.with_name(f".{final.name}.{secure_filename(upload_id) or 'upload'}.old")
        os.replace(final, aside)
        try:
            os.replace(part, final)
        except OSError:
            os.replace(aside, final)
            raise
        aside.unlink(missing_ok=True)

    def discard(self, final: Path, upload_id: str) -> None:
        self.written(final, upload_id).unlink(missing_ok=True)

    def remove_stale_parts(self, folder: Path, older_than_s: float) -> int:
        """Remove the parts in `folder` no chunk was written to for
        `older_than_s`: uploads abandoned whose clean-up failed. Returns how many."""
        if not folder.is_dir():
            return 0
        cutoff = time.time() - older_than_s
        removed = 0
        for part in folder.glob(f".*{self.PART_SUFFIX}"):
            try:
                if part.stat().st_mtime < cutoff:
                    part.unlink()
                    removed += 1
            except FileNotFoundError:
                continue  # removed by another worker meanwhile
        return removed


def writer(mode: str) -> ChunkWriter:
    return AtomicWriter() if mode == "atomic" else InPlaceWriter()
