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
from lab.scenarios.steps import BETA, expect
from lab.spacedock.client import BROWSER
from lab.standin_client import make_zip


def play(stage: Stage, variant: str) -> Seen:
    author = stage.real_author(BETA)
    name = stage.name("LabEtag").replace(" ", "")
    mod = author.create_mod(name, "1.0", make_zip(10_000, f"{name}-1.0"))
    author.add_version(mod, "2.0", make_zip(10_000, f"{name}-2.0"))
    author.publish(mod)
    first = expect(stage.client.get(mod.download_route("1.0"), host=BETA, headers=BROWSER), 200, "downloading 1.0")
    etag = first.headers.get("ETag", "")
    stage.out(f"  a client downloads {name} 1.0: 200, ETag {etag or '(none)'}")
    again = stage.client.get(mod.download_route("2.0"), host=BETA, headers={**BROWSER, "If-None-Match": etag})
    stage.out(f"  it asks for 2.0 with If-None-Match {etag}: {again.status_code}, {len(again.content)} bytes")
    wrong = again.status_code == 304
    return Seen(wrong, f"2.0 asked with 1.0's ETag {etag}: {again.status_code}"
                       f"{' Not Modified, so the client keeps 1.0 as 2.0' if wrong else ', 2.0 sent'}")


SCENARIO = Scenario(
    name="etag-zero",
    symptom=etag_zero.SCENARIO.symptom,
    fix="none yet",
    upstream="mod_xsendfile behind mod_proxy",
    production=Variant(),
    fixed=None,
    play=play,
)
