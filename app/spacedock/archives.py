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

LOCAL_FILE_HEADER = b"PK\x03\x04"


class NotAZip(Exception):
    """The reason a file is not a usable zip archive."""


def check_like_spacedock(path: Path) -> None:
    """production: zipfile.is_zipfile, as SpaceDock's api.py."""
    if not zipfile.is_zipfile(path):
        raise NotAZip("the file is not a zip archive")


def check_thoroughly(path: Path, test_max_bytes: int) -> None:
    """fixed: the central directory reads and lists at least one file, the
    archive starts with its first file (no junk in front), and (up to
    `test_max_bytes`) every file's CRC is right."""
    check_like_spacedock(path)
    try:
        with zipfile.ZipFile(path) as archive:
            if not archive.infolist():
                raise NotAZip("the zip archive holds no files")
            with path.open("rb") as handle:
                if handle.read(len(LOCAL_FILE_HEADER)) != LOCAL_FILE_HEADER:
                    raise NotAZip("the file is not a zip archive (it does not start with a zip entry)")
            if path.stat().st_size <= test_max_bytes:
                broken = archive.testzip()
                if broken is not None:
                    raise NotAZip(f"the zip archive is damaged: {broken} does not match its checksum")
    # What zipfile raises for a damaged or unusable archive; an OSError (the
    # storage failing) is not the uploader's fault and is left to the caller.
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError, RuntimeError, ValueError,
            zlib.error, lzma.LZMAError) as error:
        raise NotAZip(f"the file is not a readable zip archive: {error}") from None
    except OSError as error:
        # offsets in a damaged directory can point before the file's start
        if error.errno != errno.EINVAL:
            raise
        raise NotAZip(f"the file is not a readable zip archive: an offset points outside it ({error})") from None
