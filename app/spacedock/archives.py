"""Is an uploaded file a zip? SpaceDock asks `zipfile.is_zipfile`, which only
looks for an end-of-archive record in the last bytes: junk followed by the 22
bytes of an empty zip passes, and so does a zip whose files are corrupt. The
fixed check opens the archive as an unzipper would.
"""
from __future__ import annotations

import errno
import lzma
import zipfile
import zlib
from pathlib import Path

class NotAZip(Exception):
    """The reason a file is not a usable zip archive."""


def check_like_spacedock(path: Path) -> None:
    """production: zipfile.is_zipfile, as SpaceDock's api.py."""
    if not zipfile.is_zipfile(path):
        raise NotAZip("the file is not a zip archive")


def check_thoroughly(path: Path, test_max_bytes: int) -> None:
    """fixed: the central directory reads and lists at least one file, the
    first file starts at the archive's first byte (no junk in front), and,
    when its files unpack to at most `test_max_bytes`, every file's CRC is right."""
    check_like_spacedock(path)
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
            if not entries:
                raise NotAZip("the zip archive holds no files")
            # zipfile shifts every offset by whatever comes before the archive
            if min(entry.header_offset for entry in entries) != 0:
                raise NotAZip("the file is not a zip archive (something comes before its first entry)")
            if sum(entry.file_size for entry in entries) <= test_max_bytes:
                broken = archive.testzip()
                if broken is not None:
                    raise NotAZip(f"the zip archive is damaged: {broken} does not match its checksum")
    # What zipfile and its decompressors raise for a damaged or unusable
    # archive. An OSError with an errno is the storage failing, not the
    # uploader's fault, and is left to the caller; bz2 reports a damaged
    # stream as an OSError without one, and a damaged directory's offsets can
    # point before the file's start (EINVAL).
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError, RuntimeError, ValueError,
            zlib.error, lzma.LZMAError) as error:
        raise NotAZip(f"the file is not a readable zip archive: {error}") from None
    except OSError as error:
        if error.errno not in (None, errno.EINVAL):
            raise
        raise NotAZip(f"the file is not a readable zip archive: {error}") from None
