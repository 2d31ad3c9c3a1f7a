"""The catalogue's storage-outage: while the storage box is stopped, beta's
and alpha's downloads get 403/404/500 or hang on production (no storage
watch); with the lab's storage watch, a clear 503 within 3 s. (The outage
measured against the lab's bounds, stopped or frozen, is the fault
faults/storage_outage.py.)"""
from __future__ import annotations

from lab.scenarios.engine import Seen, Stage
from lab.scenarios.outage import Probe, outage_scenario, stopped_box_answers
from lab.smb import StorageBox


def play(stage: Stage, variant: str) -> Seen:
    box = StorageBox(stage.config, "beta")
    name = f"lab-scenarios/outage-{stage.tag}.bin"
    box.write(name, b"storage outage probe\n" * 1000)
    seen = stopped_box_answers(stage, [
        Probe("beta /content/", "beta.spacedock.info", f"/content/{name}"),
        Probe("beta X-Sendfile", "beta.spacedock.info", "/mod/1/download"),
        Probe("alpha send_file", "alpha.spacedock.info", "/mod/1/download"),
    ])
    box.remove(name)
    return seen


SCENARIO = outage_scenario(
    "while the storage box is away, downloads fail with 403/404/500 or hang instead of a clear 503", play)
