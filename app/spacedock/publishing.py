"""What authors do: create a mod, add a version, replace a version's zip,
delete a version (SpaceDock api.py and mods.py).

Uploads use the chunked protocol of SpaceDock's browser client (Dropzone):
2 MiB chunks sent one after another to the same URL with the form fields
`dzuuid`, `dzchunkindex`, `dztotalchunkcount`, `dzchunkbyteoffset`,
`dztotalfilesize` and the file field `zipball`. A request without the dz
fields is a whole upload in one chunk. Until the last chunk the answer is
202; the last one is checked (it must complete a zip) and recorded.

Bad input is answered with JSON {"error": true, "reason": ...} and a 4xx.
With UPLOAD_WRITES=atomic nothing of a rejected upload stays behind; with
production's in-place writes, what production would leave stays.
"""
from __future__ import annotations

import os
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Callable

from flask import Blueprint, Response, abort, current_app, jsonify, redirect, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from spacedock import database, storage
from spacedock.accounts import is_owner_or_admin
from spacedock.models import Mod, ModVersion
from spacedock.purge import purge_download

bp = Blueprint("publishing", __name__)


class Rejected(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@bp.errorhandler(Rejected)
def rejected(error: Rejected) -> tuple[Response, int]:
    return jsonify(error=True, reason=error.reason), error.status


@bp.errorhandler(storage.UnsafeName)
def unsafe_name(error: storage.UnsafeName) -> tuple[Response, int]:
    return jsonify(error=True, reason=str(error)), 400


@dataclass(frozen=True)
class Chunk:
    upload_id: str
    index: int
    total: int
    offset: int
    declared_size: int | None
    data: bytes

    @property
    def last(self) -> bool:
        return self.index == self.total - 1


def _int_field(name: str, default: int | None = None) -> int | None:
    value = request.form.get(name)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise Rejected(400, f"{name} must be a whole number, not {value!r}") from None
    if number < 0:
        raise Rejected(400, f"{name} may not be negative")
    return number


def read_chunk() -> Chunk:
    upload = request.files.get("zipball")
    if upload is None:
        raise Rejected(400, "no file: send the zip in the form field 'zipball'")
    total = _int_field("dztotalchunkcount", 1)
    index = _int_field("dzchunkindex", 0)
    if total == 0 or index >= total:
        raise Rejected(400, f"chunk index {index} is outside the {total} chunks announced")
    chunk = Chunk(
        upload_id=request.form.get("dzuuid") or "upload",
        index=index,
        total=total,
        offset=_int_field("dzchunkbyteoffset", 0),
        declared_size=_int_field("dztotalfilesize"),
        data=upload.read(),
    )
    limit = current_app.config["MAX_UPLOAD_BYTES"]
    if chunk.declared_size is not None and chunk.declared_size > limit:
        raise Rejected(413, f"the file is {chunk.declared_size} bytes; uploads may be at most {limit} bytes")
    return chunk


def receive(relative: str, chunk: Chunk, on_first_chunk: Callable[[], None] = lambda: None) -> Path | None:
    """Write one chunk of the zip that belongs at `relative` (under storage).

    Returns the final path once the last chunk has completed a valid zip,
    None while more chunks are expected; raises Rejected for bad input.
    """
    config = current_app.config
    atomic = config["UPLOAD_WRITES"] == "atomic"
    writer = storage.writer(config["UPLOAD_WRITES"])
    final = storage.absolute(config["STORAGE"], relative)
    if chunk.index == 0:
        writer.start(final, chunk.upload_id)
        on_first_chunk()
    try:
        size = writer.append(final, chunk.upload_id, chunk.offset, chunk.data)
    except storage.ChunkOrderError as error:
        if atomic:
            writer.discard(final, chunk.upload_id)
        raise Rejected(400, f"chunk {chunk.index} of {chunk.total}: {error}") from None
    if size > config["MAX_UPLOAD_BYTES"]:
        writer.discard(final, chunk.upload_id)
        raise Rejected(413, f"the upload passed {config['MAX_UPLOAD_BYTES']} bytes, the most allowed")
    if not chunk.last:
        return None
    if chunk.declared_size is not None and size != chunk.declared_size:
        if atomic:
            writer.discard(final, chunk.upload_id)
        raise Rejected(400, f"the last chunk arrived after {size} of the {chunk.declared_size} bytes announced")
    if not zipfile.is_zipfile(writer.written(final, chunk.upload_id)):
        writer.discard(final, chunk.upload_id)
        raise Rejected(400, "the file is not a zip archive")
    writer.commit(final, chunk.upload_id)
    return final


def more_chunks(chunk: Chunk) -> tuple[Response, int]:
    return jsonify(received=chunk.index, of=chunk.total), 202


def owned_mod(mod_id: int) -> Mod:
    mod = database.session().get(Mod, mod_id)
    if mod is None:
        raise Rejected(404, f"there is no mod {mod_id}")
    if not is_owner_or_admin(mod.user_id):
        raise Rejected(403, f"mod {mod_id} is not yours")
    return mod


def version_json(mod: Mod, version: ModVersion) -> dict:
    return {
        "id": mod.id,
        "name": mod.name,
        "url": url_for("pages.mod_page", mod_id=mod.id, name=mod.name),
        "version": version.friendly_version,
        "version_id": version.id,
        "download_url": f"/mod/{mod.id}/{mod.name}/download/{version.friendly_version}",
        "storage_path": version.download_path,
        "download_size": version.download_size,
    }


@bp.post("/api/mod/create")
@login_required
def create_mod() -> tuple[Response, int]:
    name = storage.check_name(request.form.get("name", ""), "mod name")
    version = storage.check_version(request.form.get("version", ""))
    session = database.session()
    duplicate = session.scalars(select(Mod).where(Mod.user_id == current_user.id, Mod.name == name)).first()
    if duplicate is not None:
        raise Rejected(409, f"you already have a mod named {name!r} (mod {duplicate.id})")
    chunk = read_chunk()
    relative = storage.zip_path(current_user.username, current_user.id, name, version)
    final = receive(relative, chunk)
    if final is None:
        return more_chunks(chunk)
    mod = Mod(user_id=current_user.id, name=name, short_description=request.form.get("short_description", ""))
    new = ModVersion(mod=mod, friendly_version=version, download_path=relative,
                     download_size=os.path.getsize(final), changelog=request.form.get("changelog", ""))
    session.add_all([mod, new])
    session.flush()
    mod.default_version = new
    session.commit()
    return jsonify(version_json(mod, new)), 201


@bp.post("/api/mod/<int:mod_id>/update")
@login_required
def add_version(mod_id: int) -> tuple[Response, int]:
    mod = owned_mod(mod_id)
    version = storage.check_version(request.form.get("version", ""))
    if any(existing.friendly_version == version for existing in mod.versions):
        raise Rejected(409, f"{mod.name} already has a version {version}")
    chunk = read_chunk()
    relative = storage.zip_path(current_user.username, current_user.id, mod.name, version)
    final = receive(relative, chunk)
    if final is None:
        return more_chunks(chunk)
    new = ModVersion(mod=mod, friendly_version=version, download_path=relative,
                     download_size=os.path.getsize(final), changelog=request.form.get("changelog", ""))
    session = database.session()
    session.add(new)
    session.flush()
    mod.default_version = new
    mod.updated = datetime.utcnow()
    session.commit()
    return jsonify(version_json(mod, new)), 201


def _replace_purge_path(version: ModVersion, final: Path) -> str:
    """SpaceDock PR #428 purges the absolute filesystem path, so the PURGE
    names `.../content//storage/...` and the stale zip stays cached; the fix
    purges the path under /content/."""
    return str(final) if current_app.config["PURGE_PATHS"] == "production" else version.download_path


@bp.post("/api/mod/<int:mod_id>/edit_version")
@login_required
def replace_version_zip(mod_id: int) -> tuple[Response, int]:
    """Replace the zip of an existing version, at the same path (SpaceDock PR #428)."""
    mod = owned_mod(mod_id)
    version_id = _int_field("version_id")
    version = next((v for v in mod.versions if v.id == version_id), None)
    if version is None:
        raise Rejected(404, f"{mod.name} has no version with id {version_id}")
    chunk = read_chunk()
    final_path = storage.absolute(current_app.config["STORAGE"], version.download_path)
    in_place = current_app.config["UPLOAD_WRITES"] == "in-place"
    # Production purges when the first chunk arrives (the old file is deleted
    # then); writing aside, the file changes only when the new one is complete.
    final = receive(version.download_path, chunk,
                    on_first_chunk=(lambda: purge_download(_replace_purge_path(version, final_path)))
                    if in_place else (lambda: None))
    if final is None:
        return more_chunks(chunk)
    version.download_size = os.path.getsize(final)
    version.created = datetime.utcnow()
    database.session().commit()
    if not in_place:
        purge_download(_replace_purge_path(version, final))
    return jsonify(version_json(mod, version)), 200


@bp.post("/mod/<int:mod_id>/version/<int:version_id>/delete")
@login_required
def delete_version(mod_id: int, version_id: int) -> Response:
    """Purge the zip from the front cache, remove it, forget the version."""
    mod = owned_mod(mod_id)
    version = next((v for v in mod.versions if v.id == version_id), None)
    if version is None:
        abort(404)
    others = [v for v in mod.versions if v.id != version.id]
    if not others:
        raise Rejected(400, f"{version.friendly_version} is the only version of {mod.name}; delete the mod instead")
    if mod.default_version_id == version.id:
        mod.default_version = others[0]
    purge_download(version.download_path)
    storage.absolute(current_app.config["STORAGE"], version.download_path).unlink(missing_ok=True)
    session = database.session()
    session.delete(version)
    session.commit()
    return redirect(url_for("pages.mod_page", mod_id=mod.id, name=mod.name))
