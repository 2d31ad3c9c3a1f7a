"""etag-zero on SpaceDock's own download route: beta hands each zip to
Apache by X-Sendfile (use-x-accel apache), SpaceDock sets no ETag of its
own, and mod_xsendfile behind mod_proxy gives every file the ETag "0", so a
client that asks for another version with `If-None-Match: "0"` is told 304
and keeps the zip it has. No branch has a fix: played on beta as
configured, production's play only (the stand-in's etag-zero plays the
lab's proposed fix, an ETag of the app's own)."""
from __future__ import annotations

from lab.scenarios.bugs import etag_zero
from lab.scenarios.engine import Scenario, Seen, Stage, Variant
from lab.scenarios.steps import BETA
from lab.spacedock.client import BROWSER
from lab.standin_client import make_zip


def play(stage: Stage, variant: str) -> Seen:
    author = stage.real_author(BETA)
    name = stage.name("LabEtag").replace(" ", "")
    mod = author.create_mod(name, "1.0", make_zip(10_000, f"{name}-1.0"))
    author.add_version(mod, "2.0", make_zip(10_000, f"{name}-2.0"))
    author.publish(mod)
    return etag_zero.two_versions_asked(stage, name, mod.download_route("1.0"), mod.download_route("2.0"), BROWSER)


SCENARIO = Scenario(
    name="etag-zero",
    symptom=etag_zero.SCENARIO.symptom,
    fix="none yet",
    upstream="mod_xsendfile behind mod_proxy",
    production=Variant(),
    fixed=None,
    play=play,
)
