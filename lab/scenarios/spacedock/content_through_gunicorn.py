"""SpaceDock PR #373 on SpaceDock's own commits: at master's ebb54cb
(2021-05) production's Apache had no /content/ alias, so /content/ went to
SpaceDock's route in gunicorn, which streamed each file itself (Flask 1's
send_from_directory, whatever use-x-accel said); every sync worker streaming
a big zip is one no page gets. 4dee33b (PR #373 merged) answers /content/
with X-Sendfile where use-x-accel=apache, so Apache sends the file and the
worker is free at once. The stand-in's play (content-through-gunicorn), on
beta (sd2) configured as production then, at each commit; the page opened
meanwhile is the front page. Needs APP=spacedock."""
from __future__ import annotations

from lab.scenarios.bugs import content_through_gunicorn
from lab.scenarios.engine import Scenario, Seen, Stage, Variant
from lab.scenarios.spacedock.corrupt_zip_cached import CONTENT_TO_GUNICORN


def play(stage: Stage, variant: str) -> Seen:
    return content_through_gunicorn.play_opening("/", stage)


SCENARIO = Scenario(
    name="content-through-gunicorn",
    symptom=content_through_gunicorn.SCENARIO.symptom,
    fix="PR #373 (master 4dee33b): /content/ answered with X-Sendfile",
    upstream="PR #373",
    production=Variant(CONTENT_TO_GUNICORN, ("sd2",), refs={"sd2": "ebb54cb"}),
    fixed=Variant(CONTENT_TO_GUNICORN, ("sd2",), refs={"sd2": "4dee33b"}),
    play=play,
)
