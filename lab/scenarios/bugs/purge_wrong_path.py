"""SpaceDock PR #428: replacing a version's zip purges the file's path on the
storage mount (`…/content//storage/…`) instead of its URL, so ATS keeps
serving the old zip under the URL everyone downloads."""
from __future__ import annotations

from lab.scenarios.engine import Scenario, Seen, Stage, Variant, short_sha
from lab.scenarios.steps import BETA, ZIP_BYTES, expect, mod_with_cached_zip, served_against_stored
from lab.standin_client import make_zip


def play(stage: Stage, variant: str) -> Seen:
    published = mod_with_cached_zip(stage, BETA, "Replace")
    mod = published.mod
    new = make_zip(ZIP_BYTES, f"{stage.tag}-new")
    expect(published.spacedock.replace_version(mod["id"], mod["version_id"], new), 200, "replacing 1.0's zip")
    stage.out(f"  1.0's zip replaced, sha256 {short_sha(new)}")
    return served_against_stored(stage, published, BETA, "beta")


SCENARIO = Scenario(
    name="purge-wrong-path",
    symptom="a replaced zip keeps being served from ATS",
    fix="a PURGE of the file's /content/ URL",
    upstream="PR #428",
    production=Variant({"BETA_PURGE_PATHS": "production"}, ("sd2",)),
    fixed=Variant({"BETA_PURGE_PATHS": "fixed"}, ("sd2",)),
    play=play,
)
