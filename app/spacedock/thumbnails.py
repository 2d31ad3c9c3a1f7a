"""Mod thumbnails: the small picture of a mod's background that mod lists
show, a JPEG of at most THUMBNAIL_SIZE (SpaceDock's thumbnail_size 320x195)
kept next to the background as thumb_<name>.jpg.

THUMBNAILS chooses when it is made:
  stored          as SpaceDock since PR #374 (2021): when the background is
                  set (SpaceDock keeps the thumbnail's path with the mod; the
                  stand-in, whose only backgrounds are the seed's, derives it);
                  a page only names it and never reads storage (a missing file
                  is a broken image). From 2016 to 2021 pages made it but
                  skipped a missing background (39d4f94), which stopped the crash
  before-39d4f94  as SpaceDock in March 2016 (KerbalStuff #135): the first page
                  that lists the mod makes it from the background on storage, so
                  a background gone from storage raises, and the page is a 500
"""
from __future__ import annotations

import logging
import os
import uuid
from pathlib import PurePosixPath

from flask import current_app
from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from spacedock import storage
from spacedock.models import Mod

THUMBNAIL_SIZE = (320, 195)
QUALITY = 80  # SpaceDock's thumbnail_quality

log = logging.getLogger(__name__)


def thumbnail_path(background: str) -> str:
    path = PurePosixPath(background)
    return str(path.with_name(f"thumb_{path.stem}.jpg"))


def make(root: str, background: str) -> str:
    """Make the background's thumbnail on storage, written aside and renamed
    into place (two pages may make it at once); its path. Raises
    FileNotFoundError if the background is not there."""
    thumbnail = thumbnail_path(background)
    target = storage.absolute(root, thumbnail)
    part = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}")
    try:
        with Image.open(storage.absolute(root, background)) as image:
            image.thumbnail(THUMBNAIL_SIZE)
            image.convert("RGB").save(part, "JPEG", quality=QUALITY)
        os.replace(part, target)
    finally:
        part.unlink(missing_ok=True)
    return thumbnail


def make_missing(session: Session, root: str) -> int:
    """Make the thumbnail of every background on storage that has none yet
    (data seeded before the lab had thumbnails); how many were made. A
    background that cannot be read as a picture is logged and passed over."""
    made = 0
    for background in session.scalars(select(Mod.background).where(Mod.background.is_not(None))):
        try:
            if storage.absolute(root, background).is_file() and \
                    not storage.absolute(root, thumbnail_path(background)).is_file():
                make(root, background)
                made += 1
        except (OSError, ValueError, Image.DecompressionBombError) as error:  # UnsafeName is a ValueError
            log.warning("no thumbnail for %s: %s", background, error)
    return made


def thumbnail_of(mod: Mod) -> str | None:
    """The path under /content/ of the mod's thumbnail (None: no background)."""
    if not mod.background or not PurePosixPath(mod.background).name:
        return None
    config = current_app.config
    thumbnail = thumbnail_path(mod.background)
    if config["THUMBNAILS"] == "before-39d4f94" and not storage.absolute(config["STORAGE"], thumbnail).is_file():
        return make(config["STORAGE"], mod.background)
    return thumbnail
