"""SpaceDock PR #428 on the real SpaceDock (master, and every branch since):
replacing a version's zip (/api/mod/<id>/edit_version) purges
`https://spacedock.info/content//storage/sdmods/<path>`, the file's path on
the storage mount, instead of its URL, so ATS keeps serving the old zip. No
branch has a fix yet. Played on production; needs APP=spacedock."""
from __future__ import annotations

from lab.ats import TrafficServer
from lab.http import cache_result
from lab.scenarios.engine import Scenario, Seen, Stage, Variant, short_sha
from lab.scenarios.steps import ZIP_BYTES
from lab.standin_client import make_zip
from lab.waiting import poll_until

SITE = "spacedock.info"
# ATS writes its log in batches
LOGGED_WITHIN_S = 30


def play(stage: Stage, variant: str) -> Seen:
    author = stage.real_author(SITE)
    name = stage.name("LabReplace").replace(" ", "")
    old = make_zip(ZIP_BYTES, f"{name}-old")
    mod = author.create_published(name, "1.0", old)
    path = mod.zip_path("1.0")
    stage.client.get(f"/content/{path}", host=SITE)
    stage.fetch(SITE, f"/content/{path}", "1.0's zip, cached")
    new = make_zip(ZIP_BYTES, f"{name}-new")
    replaced = author.replace_zip(mod, author.version_id(mod, "1.0"), new)
    stage.out(f"  1.0's zip replaced through the API ({replaced.status_code}), sha256 {short_sha(new)}")
    purged = f"https://spacedock.info/content//storage/sdmods/{path}"
    poll_until(lambda: purged in TrafficServer(stage.lab).purges_asked(), timeout_s=LOGGED_WITHIN_S,
               awaited=f"ATS to log SpaceDock's PURGE of {purged}")
    stage.out(f"  ATS was asked to PURGE {purged}")
    served = stage.fetch(SITE, f"/content/{path}", "1.0's zip after the replacement")
    stale = served.content == old
    return Seen(stale, f"ATS serves the {'old' if stale else 'new'} zip ({cache_result(served)}) after the "
                       f"replacement, the purge named a path on the storage mount")


SCENARIO = Scenario(
    name="purge-wrong-path",
    symptom="a replaced zip keeps being served from ATS",
    fix="none yet",
    upstream="PR #428",
    production=Variant(),
    fixed=None,
    play=play,
)
