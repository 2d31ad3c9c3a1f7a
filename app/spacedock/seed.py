"""Demo data: the users, mods, versions, zips and backgrounds a fresh lab
starts with, written to the database and to storage the way uploads are.

Everything is generated (deterministic bytes), so nothing binary lives in
the repository; each zip is a real zip, each background a real PNG.
"""
from __future__ import annotations

import io
import random
import struct
import zipfile
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.utils import secure_filename

from spacedock import storage, thumbnails
from spacedock.models import Mod, ModVersion, User


@dataclass(frozen=True)
class DemoMod:
    name: str
    author: str
    description: str
    versions: tuple[str, ...]
    published: bool = True


DEMO_USERS = (("admin", True), ("user", False))
DEMO_MODS = (
    DemoMod("Near Future Electrical", "user", "Reactors, capacitors and batteries.", ("1.0.0", "1.1.0", "1.2.0")),
    DemoMod("Kerbal Engineer Redux", "admin", "Flight and construction readouts.", ("1.1.8", "1.1.9")),
    DemoMod("Hidden Workshop", "user", "Not published yet: only its author may download it.", ("0.1",),
            published=False),
)
ZIP_PAYLOAD_BYTES = 256 * 1024


def demo_zip(mod_name: str, version: str) -> bytes:
    """A small KSP-style mod: GameData/<mod>/ with a config and a payload."""
    rng = random.Random(f"{mod_name}-{version}")
    folder = secure_filename(mod_name)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr(f"GameData/{folder}/{folder}.version",
                         f'{{"NAME": "{mod_name}", "VERSION": "{version}"}}\n')
        archive.writestr(f"GameData/{folder}/Plugins/{folder}.dll", rng.randbytes(ZIP_PAYLOAD_BYTES))
    return buffer.getvalue()


def demo_png(width: int, height: int, colour: tuple[int, int, int]) -> bytes:
    """A solid-colour PNG, 8-bit RGB."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" + bytes(colour) * width
    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(row * height))
            + chunk(b"IEND", b""))


def seed(session: Session, storage_root: str, password: str) -> bool:
    """Fill an empty database and its storage; returns False if there was data already."""
    if session.scalars(select(User).limit(1)).first() is not None:
        return False
    users = {}
    for username, admin in DEMO_USERS:
        user = User(username=username, email=f"{username}@spacedock.localhost", admin=admin)
        user.set_password(password)
        session.add(user)
        users[username] = user
    session.flush()
    started = datetime.utcnow() - timedelta(days=30)
    for number, demo in enumerate(DEMO_MODS):
        author = users[demo.author]
        mod = Mod(user=author, name=demo.name, short_description=demo.description, published=demo.published,
                  created=started)
        background = storage.background_path(author.username, author.id, demo.name, int(started.timestamp()), "png")
        _write(storage_root, background, demo_png(320, 195, (40 + 60 * number, 90, 160)))
        mod.background = background
        thumbnails.make(storage_root, background)
        for day, friendly in enumerate(demo.versions):
            relative = storage.zip_path(author.username, author.id, demo.name, friendly)
            data = demo_zip(demo.name, friendly)
            _write(storage_root, relative, data)
            version = ModVersion(mod=mod, friendly_version=friendly, download_path=relative,
                                 download_size=len(data), created=started + timedelta(days=day))
            session.add(version)
            mod.default_version = version
        session.add(mod)
    session.flush()
    return True


def _write(root: str, relative: str, data: bytes) -> None:
    target = storage.absolute(root, relative)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
