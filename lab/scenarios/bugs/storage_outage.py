"""The catalogue's storage-outage: while the storage box is stopped, beta's
and alpha's downloads get 403/404/500 or hang on production (no storage
watch); with the lab's storage watch, a clear 503 within 3 s. (The outage
measured against the lab's bounds, stopped or frozen, is the fault
faults/storage_outage.py.)"""
from __future__ import annotations

import time
from collections import Counter

from lab.health import wait_until_healthy
from lab.http import LabClient
from lab.interrupts import ctrl_c_held
from lab.scenarios.engine import Scenario, Seen, Stage, Variant
from lab.scenarios.outage import OutageReport, Probe, probe_round
from lab.smb import StorageBox
from lab.topology import SERVICES

# probes sent this long into the outage must get a clear 503 (the watch needs at most 3 s)
LATE_S = 6.0
# how long the play keeps the box stopped
PLAY_S = 9.0
# a probe unanswered this long counts as hanging
PLAY_ANSWER_S = 5.0


def play(stage: Stage, variant: str) -> Seen:
    box = StorageBox(stage.config, "beta")
    name = f"lab-scenarios/outage-{stage.tag}.bin"
    box.write(name, b"storage outage probe\n" * 1000)
    checks = [
        Probe("beta /content/", "beta.spacedock.info", f"/content/{name}"),
        Probe("beta X-Sendfile", "beta.spacedock.info", "/mod/1/download"),
        Probe("alpha send_file", "alpha.spacedock.info", "/mod/1/download"),
    ]
    client = LabClient(stage.config.http_base, test_tag=f"scenario {stage.tag}", timeout_s=PLAY_ANSWER_S)
    report = OutageReport("stopped")
    stage.out(f"  the storage box stops for {PLAY_S:.0f} s; beta's and alpha's downloads are asked for meanwhile")
    started = time.monotonic()
    stage.lab.stop("storagebox")
    try:
        while time.monotonic() - started < PLAY_S:
            probe_round(client, report, started, checks)
    finally:
        with ctrl_c_held(stage.out):
            stage.lab.start("storagebox")
            wait_until_healthy(stage.lab, SERVICES, lambda line: None, timeout_s=90)
    box.remove(name)
    late = Counter(f"{answer.probe} {answer.status or 'no answer'}" for answer in report.answers
                   if answer.at_s >= LATE_S)
    stage.out(f"  answers sent {LATE_S:.0f} s or more into the outage: "
              + ", ".join(f"{what} ×{count}" for what, count in sorted(late.items())))
    unclear = sum(count for what, count in late.items() if not what.endswith(" 503"))
    return Seen(unclear > 0, f"{unclear} of {sum(late.values())} requests sent {LATE_S:.0f} s or more into the "
                             f"outage got something other than a clear 503")


SCENARIO = Scenario(
    name="storage-outage",
    symptom="while the storage box is away, downloads fail with 403/404/500 or hang instead of a clear 503",
    fix="the lab's storage watch (503 within 3 s)",
    upstream="no upstream report: production's mount has no watch",
    production=Variant({"STORAGE_WATCH": "production"}, ("sd2", "sd6")),
    fixed=Variant({"STORAGE_WATCH": "fixed"}, ("sd2", "sd6")),
    play=play,
)
