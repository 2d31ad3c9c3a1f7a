"""SpaceDock #175 (2016): an author published the same mod twice and deleted
the duplicate; both entries named one zip on storage, so the deletion removed
the surviving mod's file, and its downloads answered 404. Here the duplicate's
name differs only in a character secure_filename drops, so both mods' 1.0
are one file; deleting the duplicate's 1.0 removes it."""
from __future__ import annotations

from lab.scenarios.engine import Scenario, Seen, Stage, Variant
from lab.scenarios.steps import BETA, expect, new_mod
from lab.smb import StorageBox
from lab.standin_client import make_zip


def play(stage: Stage, variant: str) -> Seen:
    spacedock = stage.author(BETA)
    name = stage.name("Duplicate")
    data = make_zip(100_000, stage.tag)
    original = new_mod(spacedock, name, data)
    duplicate_name = name.replace(" ", "_")
    box = StorageBox(stage.config, "beta")
    try:
        duplicate = spacedock.create_mod(duplicate_name, "1.0", data)
        if duplicate.status_code == 409:
            stage.out(f"  the author publishes {name!r} again as {duplicate_name!r}: 409 "
                      f"{duplicate.json()['reason']}")
        else:
            copy = expect(duplicate, 201, f"publishing {duplicate_name}").json()
            expect(spacedock.add_version(copy["id"], "2.0", make_zip(1000, stage.tag)), 201, "adding 2.0")
            deleted = expect(spacedock.delete_version(copy["id"], copy["version_id"]), 302, "deleting its 1.0")
            stage.out(f"  the author publishes {name!r} again as {duplicate_name!r} "
                      f"(one file: {copy['storage_path'] == original['storage_path']}), then deletes its 1.0: "
                      f"{deleted.status_code}")
        download = stage.client.get(f"/mod/{original['id']}/download/1.0", host=BETA)
        stage.out(f"  a user downloads {name!r} 1.0: {download.status_code}, {len(download.content)} bytes")
    finally:
        # the surviving mod gets its zip back: the play leaves no mod without its file
        if original["storage_path"] not in box.files(original["storage_path"].rsplit("/", 1)[0]):
            box.write(original["storage_path"], data)
    return Seen(download.status_code == 404, f"the surviving mod's 1.0 answered {download.status_code}")


SCENARIO = Scenario(
    name="shared-zip-deleted",
    symptom="deleting a duplicate mod removes the zip the surviving mod shares, which then answers 404",
    fix="refusing a file another mod uses (409), so no two mods share one",
    upstream="#175",
    production=Variant({"BETA_UPLOAD_CHECKS": "production"}, ("sd2",)),
    fixed=Variant({"BETA_UPLOAD_CHECKS": "fixed"}, ("sd2",)),
    play=play,
)
