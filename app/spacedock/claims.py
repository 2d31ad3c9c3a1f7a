"""One upload per file at a time (models.UploadClaim).

An upload claims its file when its first chunk arrives and holds it until it is
published or refused. The claim is committed at once, so every gunicorn worker
of every container sharing the database sees it. An upload that sends no chunk
for ABANDONED_UPLOAD_SECONDS is abandoned: its claim may be taken over.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from spacedock.models import UploadClaim, utcnow


class Busy(Exception):
    """Another upload holds the file."""

    def __init__(self, claim: UploadClaim | None) -> None:
        super().__init__(describe(claim))
        self.claim = claim


def describe(claim: UploadClaim | None) -> str:
    if claim is None:
        return "another upload of this file has just started"
    return (f"{claim.mod_name} {claim.friendly_version} is being uploaded to this file by {claim.user.username} "
            f"(started {claim.started:%Y-%m-%d %H:%M:%S} UTC)")


def take(session: Session, path: str, upload_id: str, *, user_id: int, mod_name: str, version: str,
         abandoned_after: timedelta) -> None:
    """Claim `path` for `upload_id` and commit; raises Busy if another upload
    that is still alive holds it. The same upload starting again keeps its claim."""
    now = utcnow()
    existing = session.get(UploadClaim, path, populate_existing=True)
    if existing is not None:
        if existing.upload_id != upload_id and existing.touched > now - abandoned_after:
            raise Busy(existing)
        session.delete(existing)
        session.flush()
    session.add(UploadClaim(storage_path=path, upload_id=upload_id, user_id=user_id, mod_name=mod_name,
                            friendly_version=version, started=now, touched=now))
    try:
        session.commit()
    except IntegrityError:
        # another worker claimed it between our look and our insert
        session.rollback()
        raise Busy(session.get(UploadClaim, path, populate_existing=True)) from None


def held(session: Session, path: str, upload_id: str) -> UploadClaim | None:
    """This upload's claim on `path`, marked as alive now (committed), or None."""
    claim = session.get(UploadClaim, path, populate_existing=True)
    if claim is None or claim.upload_id != upload_id:
        return None
    claim.touched = utcnow()
    session.commit()
    return claim


def holder(session: Session, path: str) -> UploadClaim | None:
    return session.get(UploadClaim, path, populate_existing=True)


def release(session: Session, path: str, upload_id: str) -> None:
    """Give the file up, in the caller's transaction."""
    session.execute(delete(UploadClaim).where(UploadClaim.storage_path == path,
                                              UploadClaim.upload_id == upload_id))


def abandoned(session: Session, abandoned_after: timedelta) -> list[UploadClaim]:
    cutoff: datetime = utcnow() - abandoned_after
    return list(session.scalars(select(UploadClaim).where(UploadClaim.touched < cutoff)))
