"""The storage box's outage on the real SpaceDock (beta and alpha at their
branches, as the lab runs them): while the box is stopped, SpaceDock's own
downloads (beta's by X-Sendfile, alpha's by send_file) and beta's /content/
get 403/404/500 or hang on production, which has no storage watch; with the
lab's, a clear 503 within 3 s. Needs APP=spacedock."""
from __future__ import annotations

from lab.scenarios.engine import Seen, Stage
from lab.scenarios.outage import Probe, outage_scenario, stopped_box_answers
from lab.scenarios.steps import ALPHA, BETA, ZIP_BYTES
from lab.spacedock.client import Mod
from lab.standin_client import make_zip


def published(stage: Stage, host: str) -> Mod:
    name = stage.name("LabOutage").replace(" ", "")
    return stage.real_author(host).create_published(name, "1.0", make_zip(ZIP_BYTES, name))


def play(stage: Stage, variant: str) -> Seen:
    on_beta, on_alpha = published(stage, BETA), published(stage, ALPHA)
    return stopped_box_answers(stage, [
        Probe("beta /content/", BETA, f"/content/{on_beta.zip_path('1.0')}"),
        Probe("beta X-Sendfile", BETA, on_beta.download_route("1.0")),
        Probe("alpha send_file", ALPHA, on_alpha.download_route("1.0")),
    ])


SCENARIO = outage_scenario(
    "while the storage box is away, SpaceDock's downloads fail with 403/404/500 or hang, not a clear 503", play)
