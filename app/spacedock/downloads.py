"""Mod downloads (SpaceDock mods.py `download()`), their counting, and the
/content/ fallback.

Every request that reaches the app is counted, unless it comes from a bot or
asks for a Range: one DownloadEvent row per version and hour, plus the mod's
and the version's counters and the mod's score. A download that ATS answers
from its cache never gets here and is not counted, as in production.

DOWNLOAD_COUNTS chooses between SpaceDock's counting and its fix:
    production  counted before anyone looks for the file, so a download that
                ends in 404 counts; the hourly row is looked up, then inserted
                and committed at once, so two downloads at the same moment can
                each insert one
    fixed       a missing file is a 404 that counts nothing; the mod's and the
                version's rows are locked first, so one download at a time
                finds or makes the hour's row
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path, PurePosixPath

from flask import Blueprint, Response, abort, current_app, redirect, request, url_for
from sqlalchemy import func, select, update

from spacedock import database, storage
from spacedock.accounts import is_owner_or_admin
from spacedock.models import DownloadEvent, Mod, ModVersion
from spacedock.sendfile import sendfile

bp = Blueprint("downloads", __name__)

# What user_agents' is_bot catches in practice (SpaceDock PR #436).
BOT_AGENT = re.compile(r"bot|crawl|spider|slurp|bingpreview|facebookexternalhit|archiver", re.IGNORECASE)


def can_download(mod: Mod) -> bool:
    """Unpublished mods only for their owner and admins (`_allow_download`)."""
    return mod.published or is_owner_or_admin(mod.user_id)


def find_version(mod: Mod, version: str | None) -> ModVersion:
    """No version, or the literal `download`, means the default version."""
    if version in (None, "download"):
        if mod.default_version is None:
            abort(404)
        return mod.default_version
    match = next((v for v in mod.versions if v.friendly_version == version), None)
    if match is None:
        abort(404)
    return match


def mod_score(session, mod_id: int) -> float:
    """SpaceDock's search.get_mod_score, from what the stand-in keeps of a mod:
    its downloads, versions, description and age (SpaceDock also weighs
    followers, mod lists, media, a source link and game versions)."""
    mod = session.execute(select(Mod.download_count, Mod.default_version_id, Mod.short_description, Mod.updated,
                                 Mod.created).where(Mod.id == mod_id)).one_or_none()
    if mod is None or mod.default_version_id is None:
        return 0
    versions = session.scalar(select(func.count(ModVersion.id)).where(ModVersion.mod_id == mod_id)) or 0
    now = datetime.utcnow()
    score = mod.download_count + versions // 5
    if len(mod.short_description) < 100:
        score -= 10
    # a point off for every 5 days without an update, at most 20
    score -= min((now - mod.updated).days, 100) / 5
    # SpaceDock's bonus for new mods; created - now is never 30 days or more,
    # so every mod gets it, there as here
    if (mod.created - now).days < 30:
        score += 100
    return score


def count_download(mod: Mod, version: ModVersion) -> None:
    session = database.session()
    # Increments in SQL, so concurrent downloads are not lost.
    bump_mod = update(Mod).where(Mod.id == mod.id).values(download_count=Mod.download_count + 1)
    bump_version = (update(ModVersion).where(ModVersion.id == version.id)
                    .values(download_count=ModVersion.download_count + 1))
    fixed = current_app.config["DOWNLOAD_COUNTS"] == "fixed"
    if fixed:
        # The counters first, the mod's before the version's (the order in
        # which deleting a version locks them): their rows stay locked until
        # the commit, so the next download of the mod waits here, then finds
        # this one's hourly row.
        session.execute(bump_mod)
        session.execute(bump_version)
    hour_ago = datetime.utcnow() - timedelta(hours=1)
    event = session.scalars(
        select(DownloadEvent)
        .where(DownloadEvent.version_id == version.id, DownloadEvent.created > hour_ago)
        .order_by(DownloadEvent.created.desc())
        .limit(1)
    ).first()
    if event is None:
        session.add(DownloadEvent(mod_id=mod.id, version_id=version.id, downloads=1))
        if not fixed:
            session.commit()  # SpaceDock commits the new row at once
    else:
        session.execute(update(DownloadEvent).where(DownloadEvent.id == event.id)
                        .values(downloads=DownloadEvent.downloads + 1))
    if not fixed:
        session.execute(bump_mod)
        session.execute(bump_version)
    session.execute(update(Mod).where(Mod.id == mod.id).values(score=mod_score(session, mod.id)))
    session.commit()


def refuse_while_storage_is_down() -> None:
    """503 at once while the storage watch says the mount does not answer,
    rather than a request hanging on the network filesystem."""
    if Path(current_app.config["STORAGE_STATUS_FILE"]).exists():
        abort(Response("The storage box does not answer; files cannot be served right now.\n", 503,
                       {"Retry-After": "10", "Content-Type": "text/plain; charset=utf-8"}))


def file_exists(relative: str) -> bool:
    try:
        return storage.absolute(current_app.config["STORAGE"], relative).is_file()
    except storage.UnsafeName:
        return False


@bp.app_template_global()
def download_url(mod: Mod, version: ModVersion) -> str:
    """/mod/<id>/<name>/download/<version>, escaped: a name like "What? #1"
    must not turn into a query string or a fragment."""
    return url_for("downloads.download", mod_id=mod.id, name=mod.name, version=version.friendly_version)


def counted(user_agent: str) -> bool:
    return not BOT_AGENT.search(user_agent) and "Range" not in request.headers


@bp.get("/mod/<id:mod_id>/download", defaults={"name": None, "version": None})
@bp.get("/mod/<id:mod_id>/download/<version>", defaults={"name": None})
@bp.get("/mod/<id:mod_id>/<path:name>/download", defaults={"version": None})
@bp.get("/mod/<id:mod_id>/<path:name>/download/<version>")
def download(mod_id: int, name: str | None, version: str | None) -> Response:
    """The name segment is ignored, as in SpaceDock: any name works."""
    refuse_while_storage_is_down()
    mod = database.session().get(Mod, mod_id)
    if mod is None:
        abort(404)
    if not can_download(mod):
        abort(403)
    found = find_version(mod, version)
    user_agent = request.headers.get("User-Agent", "")
    if "Discordbot" in user_agent:
        return redirect(url_for("pages.mod_page", mod_id=mod.id))
    config = current_app.config
    if config["DOWNLOAD_COUNTS"] == "fixed" and not file_exists(found.download_path):
        abort(404)
    if counted(user_agent):
        count_download(mod, found)
    if config["PROTOCOL"] and config["CDN_DOMAIN"]:
        return redirect(f"{config['PROTOCOL']}://{config['CDN_DOMAIN']}/{found.download_path}")
    # changes when the version's zip is replaced (its `created` is renewed)
    etag = f"{found.id}-{found.created:%Y%m%d%H%M%S%f}-{found.download_size}"
    return sendfile(found.download_path, attachment=True, etag=etag)


@bp.get("/content/<path:path>")
def content(path: str) -> Response:
    """SpaceDock's /content/ route: no checks, no counting. With Apache's
    Alias (CONTENT_SERVED_BY=alias) a request never gets here. Hidden files
    are uploads still being written aside (UPLOAD_WRITES=atomic): never served."""
    refuse_while_storage_is_down()
    if PurePosixPath(path).name.startswith("."):
        abort(404)
    return sendfile(path, attachment=True)
