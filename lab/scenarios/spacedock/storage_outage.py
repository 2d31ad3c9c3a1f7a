"""The storage box's outage on the real SpaceDock (beta and alpha at their
branches, as the lab runs them): while the box is stopped, SpaceDock's own
downloads (beta's by X-Sendfile, alpha's by send_file) and beta's /content/
get 403/404/500 or hang on production, which has no storage watch; with the
lab's, a clear 503 within 3 s. Needs APP=spacedock."""
from __future__ import annotations

from lab.scenarios.engine import Scenario, Seen, Stage, Variant
from lab.scenarios.outage import Probe, stopped_box_answers
from lab.scenarios.steps import ALPHA, BETA, ZIP_BYTES
from lab.standin_client import make_zip


def published(stage: Stage, host: str) -> tuple[str, str]:
    """A new published mod on `host`: its download route and its /content/ path."""
    author = stage.real_author(host)
    name = stage.name("LabOutage").replace(" ", "")
    mod = author.create_mod(name, "1.0", make_zip(ZIP_BYTES, name))
    author.publish(mod)
    return f"/mod/{mod.id}/{name}/download/1.0", f"/content/user_2/{name}/{name}-1.0.zip"


def play(stage: Stage, variant: str) -> Seen:
    beta_route, beta_content = published(stage, BETA)
    alpha_route, _ = published(stage, ALPHA)
    return stopped_box_answers(stage, [
        Probe("beta /content/", BETA, beta_content),
        Probe("beta X-Sendfile", BETA, beta_route),
        Probe("alpha send_file", ALPHA, alpha_route),
    ])


SCENARIO = Scenario(
    name="storage-outage",
    symptom="while the storage box is away, SpaceDock's downloads fail with 403/404/500 or hang, not a clear 503",
    fix="the lab's storage watch (503 within 3 s)",
    upstream="no upstream report: production's mount has no watch",
    production=Variant({"STORAGE_WATCH": "production"}, ("sd2", "sd6")),
    fixed=Variant({"STORAGE_WATCH": "fixed"}, ("sd2", "sd6")),
    play=play,
)
