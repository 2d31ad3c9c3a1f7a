"""The pages a person clicks through: the mod list, a mod's page with its
versions, counters and download buttons, and the upload forms (which use the
chunked upload API). Like SpaceDock, no page sets Cache-Control itself."""
from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, render_template, request, session
from flask_login import current_user, login_required
from sqlalchemy import select

from spacedock import database, thumbnails
from spacedock.accounts import is_owner_or_admin
from spacedock.downloads import can_download
from spacedock.models import Mod

bp = Blueprint("pages", __name__)
bp.add_app_template_global(thumbnails.thumbnail_of, "thumbnail")


@bp.before_request
def remember_the_game() -> None:
    """Before PR #354 SpaceDock stored the game a visitor browses in the
    session on every page (common.py set_game_info), logged in or not."""
    if current_app.config["ANONYMOUS_SESSIONS"] == "before-354":
        session["gameshort"] = "kerbal-space-program"


@bp.after_request
def cache_headers(response: Response) -> Response:
    """With PAGE_CACHE_SECONDS (see config.py) anonymous pages may be cached
    by ATS and logged-in ones may not; without it, no header, as production."""
    seconds = current_app.config["PAGE_CACHE_SECONDS"]
    if seconds and request.method == "GET" and response.status_code == 200:
        # one cached copy per Cookie header: a logged-in visitor never gets the anonymous one
        response.vary.add("Cookie")
        if current_user.is_authenticated:
            response.headers["Cache-Control"] = "private"
        else:
            response.headers["Cache-Control"] = f"public, max-age={seconds}"
    return response


@bp.get("/")
def browse() -> str:
    mods = database.session().scalars(select(Mod).where(Mod.published.is_(True)).order_by(Mod.score.desc(), Mod.id))
    return render_template("browse.html", mods=list(mods))


@bp.get("/mod/<id:mod_id>", defaults={"name": None})
@bp.get("/mod/<id:mod_id>/<path:name>")
def mod_page(mod_id: int, name: str | None) -> str:
    mod = database.session().get(Mod, mod_id)
    if mod is None or not can_download(mod):
        abort(404)
    return render_template("mod.html", mod=mod, editable=is_owner_or_admin(mod.user_id))


@bp.get("/create/mod")
@login_required
def create_form() -> str:
    return render_template("upload.html", mod=None)


@bp.get("/mod/<id:mod_id>/<path:name>/update")
@login_required
def update_form(mod_id: int, name: str) -> str:
    mod = database.session().get(Mod, mod_id)
    if mod is None or not is_owner_or_admin(mod.user_id):
        abort(404)
    return render_template("upload.html", mod=mod)
