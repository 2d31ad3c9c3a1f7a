"""The read-only JSON API the lab's tests and tools use (SpaceDock api.py):
mod details with download counters, and the batch counter read."""
from __future__ import annotations

from flask import Blueprint, Response, abort, jsonify, request
from sqlalchemy import select

from spacedock import database
from spacedock.downloads import can_download, download_url
from spacedock.models import Mod, ModVersion
from spacedock.routing import LARGEST_ID

bp = Blueprint("api", __name__, url_prefix="/api")


def version_info(mod: Mod, version: ModVersion) -> dict:
    return {
        "id": version.id,
        "friendly_version": version.friendly_version,
        "download_path": download_url(mod, version),
        "storage_path": version.download_path,
        "download_size": version.download_size,
        "downloads": version.download_count,
        "created": version.created.isoformat(),
    }


@bp.get("/mod/<id:mod_id>")
def mod_info(mod_id: int) -> Response:
    mod = database.session().get(Mod, mod_id)
    if mod is None or not can_download(mod):
        abort(404, description=f"there is no mod {mod_id}")
    return jsonify(
        id=mod.id,
        name=mod.name,
        author=mod.user.username,
        short_description=mod.short_description,
        published=mod.published,
        downloads=mod.download_count,
        default_version_id=mod.default_version_id,
        background=mod.background,
        versions=[version_info(mod, version) for version in mod.versions],
    )


@bp.post("/download_counts")
def download_counts() -> Response:
    """`mod_id` repeated in the form; answers {mod_id: downloads} (SpaceDock PR #401)."""
    values = request.form.getlist("mod_id")
    bad = [value for value in values if not (value.isascii() and value.isdigit() and int(value) <= LARGEST_ID)]
    if bad:
        abort(400, description=f"mod_id must be a mod's number, not {bad[0]!r}")
    ids = [int(value) for value in values]
    rows = database.session().execute(select(Mod.id, Mod.download_count).where(Mod.id.in_(ids))).all()
    return jsonify({str(mod_id): count for mod_id, count in rows})
