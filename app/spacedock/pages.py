"""The pages a person clicks through: the mod list, a mod's page with its
versions, counters and download buttons, and the upload forms (which use the
chunked upload API). Like SpaceDock, no page sets Cache-Control itself."""
from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_login import login_required
from sqlalchemy import select

from spacedock import database
from spacedock.accounts import is_owner_or_admin
from spacedock.downloads import can_download
from spacedock.models import Mod

bp = Blueprint("pages", __name__)


@bp.get("/")
def browse() -> str:
    mods = database.session().scalars(select(Mod).where(Mod.published.is_(True)).order_by(Mod.score.desc(), Mod.id))
    return render_template("browse.html", mods=list(mods))


@bp.get("/mod/<int:mod_id>", defaults={"name": None})
@bp.get("/mod/<int:mod_id>/<path:name>")
def mod_page(mod_id: int, name: str | None) -> str:
    mod = database.session().get(Mod, mod_id)
    if mod is None or not can_download(mod):
        abort(404)
    return render_template("mod.html", mod=mod, editable=is_owner_or_admin(mod.user_id))


@bp.get("/create/mod")
@login_required
def create_form() -> str:
    return render_template("upload.html", mod=None)


@bp.get("/mod/<int:mod_id>/<path:name>/update")
@login_required
def update_form(mod_id: int, name: str) -> str:
    mod = database.session().get(Mod, mod_id)
    if mod is None or not is_owner_or_admin(mod.user_id):
        abort(404)
    return render_template("upload.html", mod=mod)
