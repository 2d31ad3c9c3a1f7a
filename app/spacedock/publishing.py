"""What authors do: create a mod, add a version, replace a version's zip,
delete a version (SpaceDock api.py and mods.py). The chunks of an upload are
received by uploads.py; this module decides what a finished upload becomes.

Bad input is answered with JSON {"error": true, "reason": ...} and a 4xx.
With UPLOAD_WRITES=atomic nothing of a refused upload stays behind, and a
published zip changes only when a replacement is complete and valid; with
production's in-place writes, what production would leave stays.
"""
from __future__ import annotations

from datetime import datetime
from pathlib import PurePosixPath

from flask import Blueprint, Response, abort, current_app, jsonify, redirect, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select

from spacedock import claims, database, storage
from spacedock.accounts import is_owner_or_admin
from spacedock.downloads import download_url
from spacedock.models import Mod, ModVersion, User
from spacedock.purge import purge_download
from spacedock.errors import Rejected
from spacedock.uploads import Chunk, Target, Upload, int_field, read_chunk, storage_errors, text_field

bp = Blueprint("publishing", __name__)
# The description's column size (models.py); SpaceDock's limit for changelogs.
SHORT_DESCRIPTION_LIMIT = 1000
CHANGELOG_LIMIT = 10_000


def more_chunks(chunk: Chunk) -> tuple[Response, int]:
    return jsonify(received=chunk.index, of=chunk.total), 202


def owned_mod(mod_id: int, *, lock: bool = False) -> Mod:
    """The mod, if the current user may change it; `lock` holds its row until
    the transaction ends, so two requests cannot both add the same version."""
    query = select(Mod).where(Mod.id == mod_id).execution_options(populate_existing=True)
    mod = database.session().scalars(query.with_for_update() if lock else query).first()
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
        "download_url": download_url(mod, version),
        "storage_path": version.download_path,
        "download_size": version.download_size,
    }


# --- the checks a new file must pass ---------------------------------------------------

def refuse_a_second_mod_of_that_name(name: str, *, lock: bool = False) -> None:
    """One mod per name and author; `lock` serialises the author's new mods."""
    session = database.session()
    if lock:
        session.execute(select(User.id).where(User.id == current_user.id).with_for_update())
    duplicate = session.scalars(select(Mod).where(Mod.user_id == current_user.id, Mod.name == name)).first()
    if duplicate is not None:
        raise Rejected(409, f"you already have a mod named {name!r} (mod {duplicate.id})")


def refuse_an_existing_version(mod: Mod, version: str) -> None:
    """Asked of the database, not of `mod.versions`: another request may have
    added it since this one loaded the mod."""
    found = database.session().scalar(
        select(ModVersion.id).where(ModVersion.mod_id == mod.id, ModVersion.friendly_version == version))
    if found is not None:
        raise Rejected(409, f"{mod.name} already has a version {version}")


def refuse_a_file_in_use(target: Target) -> None:
    """UPLOAD_CHECKS=fixed: SpaceDock's file names keep only letters, digits,
    '.', '_' and '-' (werkzeug's secure_filename), so "Cool Mod" and "Cool_Mod",
    "Möd" and "Mod", or versions "2.0+1" and "2.01" name the same file, and the
    second upload would overwrite the first's zip. Refuse it instead."""
    if current_app.config["UPLOAD_CHECKS"] != "fixed":
        return
    found = database.session().execute(
        # the storage box compares names without regard to case ("Cool Mod" is "cool mod")
        select(Mod, ModVersion).join(ModVersion.mod)
        .where(func.lower(ModVersion.download_path) == claims.key(target.path))
    ).first()
    if found is not None:
        other, version = found
        raise Rejected(409, f"{target.mod_name} {target.version} would be stored as "
                            f"{PurePosixPath(target.path).name}, the file of {other.name} "
                            f"{version.friendly_version} (mod {other.id}): file names keep only letters, digits, "
                            "'.', '_' and '-'; choose a name or version that differs in those")


def record(upload: Upload, version: ModVersion) -> None:
    """Put the finished zip in place and commit the version with it."""
    session = database.session()
    session.flush()
    version.download_size = upload.publish()
    session.commit()


# --- the routes -------------------------------------------------------------------------

@bp.post("/api/mod/create")
@login_required
def create_mod() -> tuple[Response, int]:
    name = storage.check_name(request.form.get("name", ""), "mod name")
    version = storage.check_version(request.form.get("version", ""))
    description = text_field("short_description", SHORT_DESCRIPTION_LIMIT)
    changelog = text_field("changelog", CHANGELOG_LIMIT)
    refuse_a_second_mod_of_that_name(name)
    chunk = read_chunk()
    target = Target(storage.zip_path(current_user.username, current_user.id, name, version), name, version)
    upload = Upload(target, chunk)

    def checks() -> None:
        # again, now that the file is claimed: a mod finished since the first look
        refuse_a_second_mod_of_that_name(name)
        refuse_a_file_in_use(target)

    with upload.guarded():
        if not upload.receive(before_writing=checks):
            return more_chunks(chunk)
        upload.finish_only_if(lambda: refuse_a_second_mod_of_that_name(name, lock=True))
        mod = Mod(user_id=current_user.id, name=name, short_description=description)
        new = ModVersion(mod=mod, friendly_version=version, download_path=target.path, changelog=changelog)
        mod.default_version = new
        database.session().add_all([mod, new])
        record(upload, new)
    return jsonify(version_json(mod, new)), 201


@bp.post("/api/mod/<id:mod_id>/update")
@login_required
def add_version(mod_id: int) -> tuple[Response, int]:
    mod = owned_mod(mod_id)
    version = storage.check_version(request.form.get("version", ""))
    changelog = text_field("changelog", CHANGELOG_LIMIT)
    refuse_an_existing_version(mod, version)
    chunk = read_chunk()
    target = Target(storage.zip_path(current_user.username, current_user.id, mod.name, version), mod.name, version)
    upload = Upload(target, chunk)

    def checks() -> None:
        refuse_an_existing_version(mod, version)
        refuse_a_file_in_use(target)

    with upload.guarded():
        if not upload.receive(before_writing=checks):
            return more_chunks(chunk)
        mod = upload.finish_only_if(lambda: owned_mod(mod_id, lock=True))
        upload.finish_only_if(lambda: refuse_an_existing_version(mod, version))
        new = ModVersion(mod=mod, friendly_version=version, download_path=target.path, changelog=changelog)
        mod.default_version = new
        mod.updated = datetime.utcnow()
        database.session().add(new)
        record(upload, new)
    return jsonify(version_json(mod, new)), 201


def purge(path: str) -> None:
    """PURGE a changed file from the front cache; SpaceDock before PR #313
    (PURGE_PATHS=before-313) sent none, so ATS kept the old bytes (#312)."""
    if current_app.config["PURGE_PATHS"] != "before-313":
        purge_download(path)


def _replace_purge_path(version: ModVersion) -> str:
    """SpaceDock PR #428 purges the absolute filesystem path, so the PURGE
    names `.../content//storage/...` and the stale zip stays cached; the fix
    purges the path under /content/."""
    if current_app.config["PURGE_PATHS"] == "production":
        return str(storage.absolute(current_app.config["STORAGE"], version.download_path))
    return version.download_path


@bp.post("/api/mod/<id:mod_id>/edit_version")
@login_required
def replace_version_zip(mod_id: int) -> tuple[Response, int]:
    """Replace the zip of an existing version, at the same path (SpaceDock PR #428)."""
    mod = owned_mod(mod_id)
    version_id = int_field("version_id")
    version = next((v for v in mod.versions if v.id == version_id), None)
    if version is None:
        raise Rejected(404, f"{mod.name} has no version with id {version_id}")
    chunk = read_chunk()
    upload = Upload(Target(version.download_path, mod.name, version.friendly_version), chunk)

    def purge_old() -> None:
        purge(_replace_purge_path(version))

    with upload.guarded():
        # Production purges when the first chunk arrives (the old file is deleted
        # then); writing aside, the file changes only when the new one is complete.
        if not upload.receive(on_first_chunk=None if upload.atomic else purge_old):
            return more_chunks(chunk)
        version.created = datetime.utcnow()
        record(upload, version)
    if upload.atomic:
        purge_old()
    return jsonify(version_json(mod, version)), 200


@bp.post("/mod/<id:mod_id>/version/<id:version_id>/delete")
@login_required
def delete_version(mod_id: int, version_id: int) -> Response:
    """Purge the zip from the front cache, remove it, forget the version;
    while the file is held, so no upload starts writing it meanwhile."""
    mod = owned_mod(mod_id)
    version = next((v for v in mod.versions if v.id == version_id), None)
    if version is None:
        abort(404)
    session = database.session()
    try:
        with claims.held_for_deleting(session, version.download_path, user_id=current_user.id,
                                      mod_name=mod.name, version=version.friendly_version):
            mod = owned_mod(mod_id, lock=True)
            others = [v for v in mod.versions if v.id != version.id]
            if not others:
                raise Rejected(400, f"{version.friendly_version} is the only version of {mod.name}; "
                                    "delete the mod instead")
            if mod.default_version_id == version.id:
                mod.default_version = others[0]
            purge(version.download_path)
            with storage_errors("remove the zip"):
                storage.absolute(current_app.config["STORAGE"], version.download_path).unlink(missing_ok=True)
            session.delete(version)
    except claims.Busy as busy:
        raise Rejected(409, f"{busy}; delete it once that upload has finished") from None
    return redirect(url_for("pages.mod_page", mod_id=mod.id, name=mod.name))
