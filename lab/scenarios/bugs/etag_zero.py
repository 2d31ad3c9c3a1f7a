"""Behind mod_proxy, mod_xsendfile gives every file it sends the ETag "0"
(the proxied request has no file of its own, so the ETag falls back to its
mtime, 0). A client that kept one download and asks for another with
`If-None-Match: "0"` is told 304 Not Modified and keeps the wrong zip."""
from __future__ import annotations

from typing import Mapping

from lab.scenarios.engine import Scenario, Seen, Stage, Variant
from lab.scenarios.steps import BETA, expect, new_mod
from lab.standin_client import make_zip


def play(stage: Stage, variant: str) -> Seen:
    spacedock = stage.author(BETA)
    name = stage.name("Etag")
    mod = new_mod(spacedock, name, make_zip(10_000, f"{stage.tag}-1"))
    expect(spacedock.add_version(mod["id"], "2.0", make_zip(10_000, f"{stage.tag}-2")), 201, "adding 2.0")
    return two_versions_asked(stage, name, f"/mod/{mod['id']}/download/1.0", f"/mod/{mod['id']}/download/2.0")


def two_versions_asked(stage: Stage, name: str, first: str, second: str,
                       headers: Mapping[str, str] | None = None) -> Seen:
    """1.0 downloaded from beta, then 2.0 asked for with 1.0's ETag."""
    downloaded = expect(stage.client.get(first, host=BETA, headers=headers), 200, "downloading 1.0")
    etag = downloaded.headers.get("ETag", "")
    stage.out(f"  a client downloads {name} 1.0: 200, ETag {etag or '(none)'}")
    again = stage.client.get(second, host=BETA, headers={**(headers or {}), "If-None-Match": etag})
    stage.out(f"  it asks for 2.0 with If-None-Match {etag}: {again.status_code}, {len(again.content)} bytes")
    wrong = again.status_code == 304
    return Seen(wrong, f"2.0 asked with 1.0's ETag {etag}: {again.status_code}"
                       f"{' Not Modified, so the client keeps 1.0 as 2.0' if wrong else ', 2.0 sent'}")


SCENARIO = Scenario(
    name="etag-zero",
    symptom='every X-Sendfile download carries ETag "0", so another file is answered 304',
    fix="an ETag of the app's own for each version's file",
    upstream="mod_xsendfile behind mod_proxy",
    production=Variant({"BETA_XSENDFILE_ETAGS": "production"}, ("sd2",)),
    fixed=Variant({"BETA_XSENDFILE_ETAGS": "fixed"}, ("sd2",)),
    play=play,
)
