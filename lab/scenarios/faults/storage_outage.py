"""The storage box goes away (stopped: connections refused) or freezes
(paused: nothing answers), then comes back. What do downloads and /healthz
answer, how fast, and when does service return by itself?

Probes, each through ATS and never served from its cache:
    /content/<file>        production's Apache straight from the mount (a fresh query string each time)
    beta  /mod/1/download  the app, then Apache via X-Sendfile
    alpha /mod/1/download  the app streaming the file (send_file)
    /healthz on sd1a       the app's database and storage check
"""
from __future__ import annotations

import time
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Callable

from lab.config import LabConfig
from lab.docker_ops import DockerLab
from lab.health import wait_until_healthy
from lab.http import LabClient
from lab.interrupts import ctrl_c_held
from lab.scenarios.outage import (ANSWER_BOUND_S, MAX_ROUNDS_IN_FLIGHT, RECOVERED_WITHIN_S, REFUSED_WITHIN_S,
                                  OutageReport, Probe, probe_round)
from lab.smb import StorageBox
from lab.topology import SERVICES
from lab.waiting import poll_until

Output = Callable[[str], None]
HOWS = ("stopped", "paused")


def probes(content_path: str) -> list[Probe]:
    return [
        Probe("production /content/", "sd1a.52k.de", content_path),
        Probe("beta X-Sendfile", "beta.spacedock.info", "/mod/1/download"),
        Probe("alpha send_file", "alpha.spacedock.info", "/mod/1/download"),
        Probe("sd1a /healthz", "sd1a.52k.de", "/healthz"),
    ]


def run(config: LabConfig, lab: DockerLab, how: str, out: Output = print) -> OutageReport:
    """how: 'stopped' or 'paused'. Leaves the lab healthy again."""
    fault, repair = {"stopped": (lab.stop, lab.start), "paused": (lab.pause, lab.unpause)}[how]

    def new_client() -> LabClient:  # one per thread: a requests.Session is not to be shared
        return LabClient(config.http_base, test_tag=f"scenario storage-outage {how}", timeout_s=ANSWER_BOUND_S + 5)

    client = new_client()
    name = f"lab-scenarios/outage-{uuid.uuid4().hex[:8]}.bin"
    StorageBox(config).write(name, b"storage outage probe\n" * 1000)
    checks = probes(f"/content/{name}")
    report = OutageReport(how)

    out(f"scenario: storage box {how} now")
    outage_started = time.monotonic()
    fault("storagebox")
    # A round of probes every half second, each in a thread of its own, so that
    # a request caught by the freeze (it may hang for 12 s) does not hold back
    # the rounds sent after it: the figure is when a round that got 503 from
    # every probe began, not when the stragglers gave up.
    pool = ThreadPoolExecutor(max_workers=MAX_ROUNDS_IN_FLIGHT)
    rounds: list[Future[tuple[float, set[int | None]]]] = []

    def refused_round_began() -> float | None:
        rounds.append(pool.submit(probe_round, new_client(), report, outage_started, checks))
        finished = (future.result() for future in rounds if future.done())
        return next((began for began, statuses in finished if statuses == {503}), None)

    try:
        began = poll_until(refused_round_began, timeout_s=REFUSED_WITHIN_S + ANSWER_BOUND_S, interval_s=0.5,
                           awaited="a round of probes all answered 503 during the outage")
        report.refused_after_s = began - outage_started
        out(f"scenario: every probe answers 503 when sent {report.refused_after_s:.1f} s into the outage")
    finally:
        # the box comes back at once (Ctrl-C held: a second one would leave it
        # away); rounds still hanging on it end by themselves
        pool.shutdown(wait=False, cancel_futures=True)
        with ctrl_c_held(out, "the storage box is back"):
            out("scenario: storage box back")
            back = time.monotonic()
            repair("storagebox")
    poll_until(lambda: probe_round(client, report, outage_started, checks)[1] == {200},
               timeout_s=RECOVERED_WITHIN_S + ANSWER_BOUND_S, interval_s=0.5,
               awaited="every probe to be served again after the outage")
    report.recovered_after_s = time.monotonic() - back
    out(f"scenario: served again {report.recovered_after_s:.1f} s after the box returned")
    pool.shutdown(wait=True)
    try:
        wait_until_healthy(lab, SERVICES, out, timeout_s=60)
    finally:
        StorageBox(config).remove(name)
    return report
