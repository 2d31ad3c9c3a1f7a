"""CKAN-meta #3095 on SpaceDock's own code: production's download route
counts a download, then redirects to /content/, which Apache serves and ATS
caches without SpaceDock; a client that links /content/ straight (CKAN's
netkans did) is served every time and never counted. The fix was the
client's: linking the counted route. Played on production as configured."""
from __future__ import annotations

from urllib.parse import urlsplit

from lab.scenarios.bugs import uncounted_downloads
from lab.scenarios.engine import PRODUCTION, Scenario, Seen, Stage, Variant
from lab.scenarios.steps import expect
from lab.spacedock.client import BROWSER
from lab.standin_client import make_zip

SITE = "spacedock.info"
DOWNLOADS = uncounted_downloads.DOWNLOADS


def play(stage: Stage, variant: str) -> Seen:
    author = stage.real_author(SITE)
    name = stage.name("LabCounted").replace(" ", "")
    mod = author.create_published(name, "1.0", make_zip(100_000, name))
    before = author.mod(mod)["downloads"]
    link = f"/content/{mod.zip_path('1.0')}" if variant == PRODUCTION else mod.download_route("1.0")
    served = 0
    for _ in range(DOWNLOADS):
        response = stage.client.get(link, host=SITE, headers=BROWSER)
        if response.status_code == 302:
            response = stage.client.get(urlsplit(response.headers["Location"]).path, host=SITE, headers=BROWSER)
        served += len(expect(response, 200, f"downloading {link}").content)
    counted = author.mod(mod)["downloads"] - before
    stage.out(f"  {DOWNLOADS} downloads through {link}: {served} bytes served, counter +{counted}")
    return Seen(counted < DOWNLOADS, f"{served} bytes served in {DOWNLOADS} downloads, {counted} counted")


SCENARIO = Scenario(
    name="uncounted-downloads",
    symptom=uncounted_downloads.SCENARIO.symptom,
    fix=uncounted_downloads.SCENARIO.fix,
    upstream=uncounted_downloads.SCENARIO.upstream,
    production=Variant(),
    fixed=Variant(),
    play=play,
)
