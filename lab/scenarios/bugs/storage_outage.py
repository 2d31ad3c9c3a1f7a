"""The catalogue's storage-outage: while the storage box is stopped, beta's
and alpha's downloads get 403/404/500 or hang on production (no storage
watch); with the lab's storage watch, a clear 503 within 3 s. (The outage
measured against the lab's bounds, stopped or frozen, is the fault
faults/storage_outage.py.)"""
from __future__ import annotations

from lab.scenarios.engine import Scenario, Seen, Stage, Variant
from lab.scenarios.outage import Probe, stopped_box_answers
from lab.smb import StorageBox


def play(stage: Stage, variant: str) -> Seen:
    box = StorageBox(stage.config, "beta")
    name = f"lab-scenarios/outage-{stage.tag}.bin"
    box.write(name, b"storage outage probe\n" * 1000)
    try:
        return stopped_box_answers(stage, [
            Probe("beta /content/", "beta.spacedock.info", f"/content/{name}"),
            Probe("beta X-Sendfile", "beta.spacedock.info", "/mod/1/download"),
            Probe("alpha send_file", "alpha.spacedock.info", "/mod/1/download"),
        ])
    finally:
        box.remove(name)


SCENARIO = Scenario(
    name="storage-outage",
    symptom="while the storage box is away, downloads fail with 403/404/500 or hang instead of a clear 503",
    fix="the lab's storage watch (503 within 3 s)",
    upstream="no upstream report: production's mount has no watch",
    production=Variant({"STORAGE_WATCH": "production"}, ("sd2", "sd6")),
    fixed=Variant({"STORAGE_WATCH": "fixed"}, ("sd2", "sd6")),
    play=play,
)
