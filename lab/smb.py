"""The storage box over SMB3 with encryption (smbprotocol), as an operator
reaches production's storage box with its own credentials: list, read, write
and remove files on a share, bypassing the web containers.

Every smbprotocol error becomes a LabError naming the share and path.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import PurePosixPath
from typing import Iterator

import smbclient
from smbprotocol.connection import Connection
from smbprotocol.exceptions import SMBAuthenticationError, SMBException, SMBOSError
from smbprotocol.header import NtStatus
from smbprotocol.session import Session
from smbprotocol.tree import TreeConnect

from lab.config import LabConfig
from lab.errors import LabError
from lab.waiting import poll_until

CONNECT_TIMEOUT_S = 10
# how long a file another client holds open may take to be let go
SHARING_TIMEOUT_S = 15


@dataclass(frozen=True)
class Entry:
    path: str
    size: int
    modified: datetime
    is_dir: bool


class StorageBox:
    """One share of the storage box, reached on 127.0.0.1:$SMB_PORT."""

    def __init__(self, config: LabConfig, share: str = "backup") -> None:
        self.server = "127.0.0.1"
        self.share = share
        self.credentials = {
            "username": config.get("SMB_USER"),
            "password": config.get("SMB_PASSWORD"),
            "port": config.smb_port,
            "encrypt": True,
            "connection_timeout": CONNECT_TIMEOUT_S,
        }

    def unc(self, path: str = "") -> str:
        parts = [part for part in PurePosixPath(path.strip("/")).parts if part not in ("", ".")]
        if ".." in parts:
            raise LabError(f"{path!r}: '..' is not allowed in a storage path")
        return "\\".join([f"\\\\{self.server}", self.share, *parts])

    def _call(self, what: str, path: str, action):
        try:
            return action()
        except (SMBException, SMBOSError, OSError, ValueError) as error:
            raise LabError(f"storage box //{self.server}:{self.credentials['port']}/{self.share}: "
                           f"{what} {path or '/'} failed: {error}") from error

    def walk(self, path: str = "", recursive: bool = False) -> Iterator[Entry]:
        """Entries under `path`, directories before their contents."""
        def entries() -> list[Entry]:
            found = []
            for item in smbclient.scandir(self.unc(path), **self.credentials):
                info = item.smb_info  # from the directory listing itself, no extra round trip
                found.append(Entry(
                    path=f"{path.strip('/')}/{item.name}".lstrip("/"),
                    size=info.end_of_file,
                    modified=info.last_write_time.replace(tzinfo=timezone.utc),
                    is_dir=item.is_dir(),
                ))
            return sorted(found, key=lambda entry: entry.path)

        for entry in self._call("listing", path, entries):
            yield entry
            if recursive and entry.is_dir:
                yield from self.walk(entry.path, recursive=True)

    def files(self, path: str = "") -> dict[str, int]:
        """Every file under `path` with its size."""
        return {entry.path: entry.size for entry in self.walk(path, recursive=True) if not entry.is_dir}

    def read(self, path: str) -> bytes:
        """The file's bytes; others may keep it open meanwhile (a web container's
        smbnetfs keeps handles a moment after writing), as a reader on a host would."""
        def read_all() -> bytes:
            with smbclient.open_file(self.unc(path), mode="rb", share_access="rwd", **self.credentials) as handle:
                return handle.read()
        return self._call("reading", path, read_all)

    def write(self, path: str, data: bytes) -> None:
        def write_all() -> None:
            parent = str(PurePosixPath(path.strip("/")).parent)
            if parent != ".":
                smbclient.makedirs(self.unc(parent), exist_ok=True, **self.credentials)
            with smbclient.open_file(self.unc(path), mode="wb", **self.credentials) as handle:
                handle.write(data)
        self._call("writing", path, write_all)

    def replace(self, path: str, data: bytes) -> None:
        """Overwrite an existing file in place while other clients may hold it
        open, sharing it with them as a CIFS client's own write does."""
        def overwrite() -> None:
            with smbclient.open_file(self.unc(path), mode="r+b", share_access="rwd", **self.credentials) as handle:
                handle.write(data)
                handle.truncate(len(data))
        self._call("replacing", path, overwrite)

    def remove(self, path: str) -> None:
        """Remove a file, and return once its name is gone. A client that holds
        it open without sharing delete makes the box refuse (a sharing
        violation); one that shares delete, as the web containers' mounts do,
        leaves it delete-pending, listed until that client closes it (a web
        container may hold a file a moment after serving it). Both are waited
        for, up to SHARING_TIMEOUT_S."""
        def attempt() -> bool:
            try:
                smbclient.remove(self.unc(path), **self.credentials)
            except SMBOSError as error:
                if error.ntstatus != NtStatus.STATUS_SHARING_VIOLATION:
                    raise
                return False
            return True

        def gone() -> bool:
            try:
                smbclient.stat(self.unc(path), **self.credentials)
            except SMBOSError as error:
                if error.ntstatus == NtStatus.STATUS_DELETE_PENDING:
                    return False
                if error.ntstatus in (NtStatus.STATUS_OBJECT_NAME_NOT_FOUND, NtStatus.STATUS_OBJECT_PATH_NOT_FOUND):
                    return True
                raise
            return False

        awaited = f"the other clients of //{self.share}/{path} to close it"
        self._call("removing", path, lambda: poll_until(
            attempt, timeout_s=SHARING_TIMEOUT_S, interval_s=0.2, awaited=awaited))
        self._call("waiting for the removal of", path, lambda: poll_until(
            gone, timeout_s=SHARING_TIMEOUT_S, interval_s=0.2, awaited=awaited))

    def remove_folder(self, path: str) -> None:
        """Remove an empty folder."""
        self._call("removing the folder", path, lambda: smbclient.rmdir(self.unc(path), **self.credentials))


@dataclass(frozen=True)
class SessionProbe:
    """What the storage box granted one login attempt."""
    encrypted: bool


def probe_session(config: LabConfig, *, username: str, password: str, share: str = "backup",
                  dialect: int | None = None, require_encryption: bool = True) -> SessionProbe:
    """Log in to a share with these settings and disconnect; raises LabError
    with the server's refusal. dialect: an smbprotocol Dialects value, e.g.
    Dialects.SMB_2_1_0 for a client that cannot encrypt."""
    connection = Connection(uuid.uuid4(), "127.0.0.1", config.smb_port, require_signing=False)
    try:
        connection.connect(dialect=dialect, timeout=CONNECT_TIMEOUT_S)
        session = Session(connection, username=username, password=password,
                          require_encryption=require_encryption)
        session.connect()
        tree = TreeConnect(session, f"\\\\127.0.0.1\\{share}")
        tree.connect()
        return SessionProbe(encrypted=bool(session.encrypt_data or tree.encrypt_data))
    except (SMBException, SMBAuthenticationError) as error:
        raise LabError(f"storage box refused {username or 'an anonymous user'}: {error}") from error
    finally:
        connection.disconnect()
