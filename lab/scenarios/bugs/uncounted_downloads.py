"""CKAN-meta #3095: links straight to /content/ (and every copy ATS answers
from its cache) never reach SpaceDock's download counter. The fix was the
client's: CKAN's netkans link the counted /mod/<id>/download, which counts,
then redirects to /content/, which ATS serves."""
from __future__ import annotations

from urllib.parse import urlsplit

from lab.scenarios.engine import PRODUCTION, Scenario, Seen, Stage, Variant
from lab.scenarios.steps import expect, new_mod
from lab.standin_client import make_zip

SITE = "spacedock.info"
DOWNLOADS = 5


def play(stage: Stage, variant: str) -> Seen:
    spacedock = stage.author(SITE)
    name = stage.name("Counted")
    mod = new_mod(spacedock, name, make_zip(100_000, stage.tag))
    before = spacedock.download_count(mod["id"])
    link = f"/content/{mod['storage_path']}" if variant == PRODUCTION else f"/mod/{mod['id']}/download"
    served = 0
    for _ in range(DOWNLOADS):
        response = stage.client.get(link, host=SITE)
        if response.status_code == 302:
            response = stage.client.get(urlsplit(response.headers["Location"]).path, host=SITE)
        served += len(expect(response, 200, f"downloading {link}").content)
    counted = spacedock.download_count(mod["id"]) - before
    stage.out(f"  {DOWNLOADS} downloads through {link}: {served} bytes served, counter +{counted}")
    return Seen(counted < DOWNLOADS, f"{served} bytes served in {DOWNLOADS} downloads, {counted} counted")


SCENARIO = Scenario(
    name="uncounted-downloads",
    symptom="downloads through direct /content/ links are served but never counted",
    fix="linking the counted /mod/<id>/download",
    upstream="CKAN-meta #3095",
    production=Variant(),
    fixed=Variant(),
    play=play,
)
