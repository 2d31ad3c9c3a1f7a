"""SpaceDock's tables, as far as the lab needs them: users, mods, versions,
and download events aggregated per hour (KerbalStuff/objects.py)."""
from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import (BigInteger, Boolean, Column, DateTime, Float, ForeignKey, Index, Integer, String,
                        Text, UniqueConstraint)
from sqlalchemy.orm import declarative_base, relationship
from werkzeug.security import check_password_hash, generate_password_hash

Base = declarative_base()


def utcnow() -> datetime:
    return datetime.utcnow()


class User(Base, UserMixin):
    __tablename__ = "user"
    id = Column(Integer, primary_key=True)
    username = Column(String(128), nullable=False, unique=True)
    email = Column(String(256), nullable=False)
    password = Column(String(256), nullable=False)
    admin = Column(Boolean, nullable=False, default=False)
    created = Column(DateTime, nullable=False, default=utcnow)

    mods = relationship("Mod", back_populates="user", foreign_keys="Mod.user_id")

    def set_password(self, password: str) -> None:
        self.password = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password, password)


class Mod(Base):
    __tablename__ = "mod"
    id = Column(Integer, primary_key=True)
    user_id = Column(Integer, ForeignKey("user.id"), nullable=False)
    name = Column(String(100), nullable=False)
    short_description = Column(String(1000), nullable=False, default="")
    published = Column(Boolean, nullable=False, default=True)
    created = Column(DateTime, nullable=False, default=utcnow)
    updated = Column(DateTime, nullable=False, default=utcnow)
    default_version_id = Column(Integer, ForeignKey("modversion.id", use_alter=True, name="fk_mod_default_version"))
    download_count = Column(BigInteger, nullable=False, default=0)
    score = Column(Float, nullable=False, default=0)
    # background image, relative to storage (None: none)
    background = Column(String(512))

    user = relationship("User", back_populates="mods", foreign_keys=[user_id])
    versions = relationship("ModVersion", back_populates="mod", foreign_keys="ModVersion.mod_id",
                            order_by="ModVersion.created.desc()", cascade="all, delete-orphan")
    default_version = relationship("ModVersion", foreign_keys=[default_version_id], post_update=True)


class ModVersion(Base):
    __tablename__ = "modversion"
    __table_args__ = (UniqueConstraint("mod_id", "friendly_version"),)
    id = Column(Integer, primary_key=True)
    mod_id = Column(Integer, ForeignKey("mod.id"), nullable=False)
    friendly_version = Column(String(64), nullable=False)
    # the zip, relative to storage, e.g. user_2/Some_Mod/Some_Mod-1.0.zip
    download_path = Column(String(512), nullable=False)
    # BigInteger since SpaceDock PR #372 (zips over 2 GiB)
    download_size = Column(BigInteger)
    changelog = Column(Text, nullable=False, default="")
    created = Column(DateTime, nullable=False, default=utcnow)
    download_count = Column(BigInteger, nullable=False, default=0)

    mod = relationship("Mod", back_populates="versions", foreign_keys=[mod_id])


class DownloadEvent(Base):
    """Downloads of one version within one hour (one row per version and hour)."""
    __tablename__ = "downloadevent"
    # SpaceDock PR #416: the per-download lookup needs (version_id, created DESC).
    __table_args__ = (Index("ix_downloadevent_version_id_created", "version_id", "created"),)
    id = Column(Integer, primary_key=True)
    mod_id = Column(Integer, ForeignKey("mod.id", ondelete="CASCADE"), nullable=False)
    version_id = Column(Integer, ForeignKey("modversion.id", ondelete="CASCADE"), nullable=False)
    downloads = Column(Integer, nullable=False, default=0)
    created = Column(DateTime, nullable=False, default=utcnow)


class UploadClaim(Base):
    """An upload in progress, one per file on storage: a second upload of the
    same file (a double click, a second tab, or a name that maps to the same
    file) is refused while the first runs, so two never write one file at once.
    Not SpaceDock's: its browser client cannot send one file twice."""
    __tablename__ = "uploadclaim"
    # the file's name as the storage box compares names: lower-cased
    key = Column(String(512), primary_key=True)
    # the zip being written, relative to storage
    storage_path = Column(String(512), nullable=False)
    upload_id = Column(String(128), nullable=False)
    user_id = Column(Integer, ForeignKey("user.id", ondelete="CASCADE"), nullable=False)
    # what the upload will be, for the message the other upload gets
    mod_name = Column(String(100), nullable=False)
    friendly_version = Column(String(64), nullable=False)
    started = Column(DateTime, nullable=False, default=utcnow)
    # the last chunk received; an upload quiet for ABANDONED_UPLOAD_SECONDS is abandoned
    touched = Column(DateTime, nullable=False, default=utcnow)

    user = relationship("User")
