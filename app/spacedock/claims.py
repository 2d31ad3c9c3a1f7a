"""One upload per file at a time (models.UploadClaim).

An upload claims its file when its first chunk arrives and holds it until it is
published or refused. The claim is committed at once, so every gunicorn worker
of every container sharing the database sees it. The storage box compares
names without regard to case (SMB), so a claim is keyed by the lower-cased
path: "Cool Mod" and "cool mod" are one file there. An upload that sends no
chunk for ABANDONED_UPLOAD_SECONDS is abandoned, and uploads.sweep_abandoned
forgets it before the next upload claims anything.
"""
from __future__ import annotations

import uuid
from contextlib import contextmanager
from datetime import timedelta
from typing import Iterator

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from spacedock.models import UploadClaim, utcnow


class Busy(Exception):
    """Another upload holds the file."""

    def __init__(self, claim: UploadClaim | None) -> None:
        super().__init__(describe(claim))
        self.claim = claim


DELETING = "delete-"


def describe(claim: UploadClaim | None) -> str:
    if claim is None:
        return "another upload of this file has just started"
    doing = "deleted" if claim.upload_id.startswith(DELETING) else "uploaded to this file"
    return (f"{claim.mod_name} {claim.friendly_version} is being {doing} by {claim.user.username} "
            f"(started {claim.started:%Y-%m-%d %H:%M:%S} UTC)")


def key(path: str) -> str:
    """The name the storage box knows the file by: case does not count."""
    return path.lower()


def holder(session: Session, path: str) -> UploadClaim | None:
    return session.get(UploadClaim, key(path), populate_existing=True)


def take(session: Session, path: str, upload_id: str, *, user_id: int, mod_name: str, version: str) -> None:
    """Claim the file at `path` for this upload and commit; raises Busy if any
    other upload holds it (abandoned ones are swept before). The same upload of
    the same user starting again keeps its claim."""
    now = utcnow()
    existing = holder(session, path)
    if existing is not None:
        if (existing.upload_id, existing.user_id) != (upload_id, user_id):
            raise Busy(existing)
        existing.touched = now
        session.commit()
        return
    session.add(UploadClaim(key=key(path), storage_path=path, upload_id=upload_id, user_id=user_id,
                            mod_name=mod_name, friendly_version=version, started=now, touched=now))
    try:
        session.commit()
    except IntegrityError:
        # another worker claimed it between our look and our insert
        session.rollback()
        raise Busy(holder(session, path)) from None


@contextmanager
def held_for_deleting(session: Session, path: str, *, user_id: int, mod_name: str, version: str) -> Iterator[None]:
    """Hold the file while the block deletes it, so that no upload starts
    writing it meanwhile; the block's changes are committed with the release,
    or rolled back if it fails. Raises Busy if an upload holds it."""
    holder_id = f"{DELETING}{uuid.uuid4()}"
    take(session, path, holder_id, user_id=user_id, mod_name=mod_name, version=version)
    try:
        yield
    except BaseException:
        session.rollback()
        release(session, path, holder_id)
        session.commit()
        raise
    release(session, path, holder_id)
    session.commit()


def held(session: Session, path: str, upload_id: str) -> UploadClaim | None:
    """This upload's claim on `path`, marked as alive now (committed), or None."""
    claim = holder(session, path)
    if claim is None or claim.upload_id != upload_id:
        return None
    claim.touched = utcnow()
    session.commit()
    return claim


def release(session: Session, path: str, upload_id: str) -> None:
    """Give the file up, in the caller's transaction."""
    session.execute(delete(UploadClaim).where(UploadClaim.key == key(path), UploadClaim.upload_id == upload_id))


def abandoned(session: Session, abandoned_after: timedelta) -> list[UploadClaim]:
    return list(session.scalars(select(UploadClaim).where(UploadClaim.touched < utcnow() - abandoned_after)))


def forget(session: Session, claim: UploadClaim) -> bool:
    """Delete `claim` only if it is still as it was read (its upload has sent
    no chunk since and nobody took it over); commits. Whether it was deleted."""
    result = session.execute(delete(UploadClaim).where(
        UploadClaim.key == claim.key, UploadClaim.upload_id == claim.upload_id,
        UploadClaim.touched == claim.touched))
    session.commit()
    return result.rowcount == 1
