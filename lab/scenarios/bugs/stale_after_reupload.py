"""SpaceDock #312 (2020): a version deleted and uploaded again with the same
number kept serving the old zip from ATS, and CKAN indexed stale files.
SpaceDock sent no PURGE then; PR #313 purges the file's URL on delete."""
from __future__ import annotations

from lab.scenarios.engine import Scenario, Seen, Stage, Variant, short_sha
from lab.scenarios.steps import BETA, ZIP_BYTES, expect, mod_with_cached_zip, served_against_stored
from lab.standin_client import make_zip


def play(stage: Stage, variant: str) -> Seen:
    published = mod_with_cached_zip(stage, BETA, "Reupload")
    mod = published.mod
    expect(published.spacedock.delete_version(mod["id"], mod["version_id"]), 302, "deleting 1.0")
    new = make_zip(ZIP_BYTES, f"{stage.tag}-new")
    expect(published.spacedock.add_version(mod["id"], "1.0", new), 201, "uploading 1.0 again")
    stage.out(f"  1.0 deleted and uploaded again, sha256 {short_sha(new)}")
    return served_against_stored(stage, published, BETA, "beta")


SCENARIO = Scenario(
    name="stale-after-reupload",
    symptom="a version deleted and uploaded again keeps serving the old zip from ATS",
    fix="a PURGE of the file's URL on delete",
    upstream="#312, PR #313",
    production=Variant({"BETA_PURGE_PATHS": "before-313"}, ("sd2",)),
    fixed=Variant({"BETA_PURGE_PATHS": "production"}, ("sd2",)),
    play=play,
)
