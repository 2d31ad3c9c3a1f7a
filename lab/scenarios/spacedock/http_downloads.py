"""SpaceDock PR #321 ("fix/https-downloads", 2020-10) on the real SpaceDock:
until then download() redirected to the CDN with a hard-coded
`http://<cdn-domain>/<path>`, so a download asked for over https left the
site over plain http (a browser's mixed-content warning, a zip anyone on the
way can read or change). b424608 takes the scheme from SpaceDock's
`protocol` setting. Played on beta (sd2) with production's setting of the
time, protocol https and a CDN redirect (BETA_PROTOCOL, BETA_CDN_DOMAIN), at
9195f4b (the merge before it), then at b424608; needs APP=spacedock."""
from __future__ import annotations

from urllib.parse import urlsplit

from lab.errors import LabError
from lab.scenarios.engine import Scenario, Seen, Stage, Variant
from lab.scenarios.steps import BETA, ZIP_BYTES, expect
from lab.spacedock.client import BROWSER
from lab.standin_client import make_zip

PRODUCTION_OF_2020 = {"BETA_PROTOCOL": "https", "BETA_CDN_DOMAIN": f"{BETA}/content"}


def play(stage: Stage, variant: str) -> Seen:
    author = stage.real_author(BETA)
    name = stage.name("LabHttps").replace(" ", "")
    zipball = make_zip(ZIP_BYTES, f"{name}-1.0")
    mod = author.create_published(name, "1.0", zipball)
    visitor = stage.visitor(tls=True)
    download = expect(visitor.get(mod.download_route("1.0"), host=BETA, headers=BROWSER), 302,
                      "1.0's download over https")
    location = download.headers["Location"]
    stage.out(f"  GET https://{BETA}{mod.download_route('1.0')} → 302, Location: {location}")
    target = urlsplit(location)
    # followed as a browser does, through ATS's port for the scheme
    followed = expect((stage.client if target.scheme == "http" else visitor).get(target.path, host=target.netloc),
                      200, f"following the redirect to {location}")
    if followed.content != zipball:
        raise LabError(f"the redirect to {location} served {len(followed.content)} bytes, not 1.0's zip")
    stage.out(f"  followed: {target.scheme}://{target.netloc}{target.path} → 200, 1.0's zip")
    return Seen(target.scheme == "http", f"a download asked for over https is sent on to {target.scheme}://, "
                                         f"and the zip comes over it")


SCENARIO = Scenario(
    name="cdn-redirect-http",
    symptom="a download asked for over https is redirected to plain http",
    fix="PR #321 (b424608): the redirect takes its scheme from `protocol`",
    upstream="PR #321",
    production=Variant(PRODUCTION_OF_2020, ("sd2",), refs={"sd2": "9195f4b"}),
    fixed=Variant(PRODUCTION_OF_2020, ("sd2",), refs={"sd2": "b424608"}),
    play=play,
)
