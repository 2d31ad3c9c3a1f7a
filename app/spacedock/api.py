"""The read-only JSON API the lab's tests and tools use (SpaceDock api.py):
mod details with download counters, and the batch counter read."""
from __future__ import annotations

from flask import Blueprint, Flask, Response, abort, jsonify, request
from sqlalchemy import select
from werkzeug.exceptions import HTTPException

from spacedock import database
from spacedock.downloads import can_download
from spacedock.models import Mod

bp = Blueprint("api", __name__, url_prefix="/api")


def init_app(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def json_errors_for_the_api(error: HTTPException):
        """Errors under /api/ are JSON with a reason, as the upload client expects."""
        if request.path.startswith("/api/"):
            return jsonify(error=True, reason=error.description), error.code
        return error


def version_info(mod: Mod, version) -> dict:
    return {
        "id": version.id,
        "friendly_version": version.friendly_version,
        "download_path": f"/mod/{mod.id}/{mod.name}/download/{version.friendly_version}",
        "storage_path": version.download_path,
        "download_size": version.download_size,
        "downloads": version.download_count,
        "created": version.created.isoformat(),
    }


@bp.get("/mod/<int:mod_id>")
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
    ids = [int(value) for value in request.form.getlist("mod_id") if value.isdigit()]
    rows = database.session().execute(select(Mod.id, Mod.download_count).where(Mod.id.in_(ids))).all()
    return jsonify({str(mod_id): count for mod_id, count in rows})
