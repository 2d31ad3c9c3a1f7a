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
from collections import Counter
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Callable

from lab.commands.up import wait_until_healthy
from lab.config import LabConfig
from lab.docker_ops import DockerLab
from lab.errors import LabError
from lab.http import LabClient
from lab.interrupts import ctrl_c_held
from lab.scenarios.catalogue import Scenario, Seen, Stage, Variant
from lab.smb import StorageBox
from lab.topology import SERVICES
from lab.waiting import poll_until

# The bounds the lab promises (README, "When the storage box goes away").
ANSWER_BOUND_S = 15.0     # no request waits longer than this for an answer
REFUSED_WITHIN_S = 10.0   # a probe sent this long into the outage answers 503
RECOVERED_WITHIN_S = 30.0  # from the box's return, every probe is served again within this
# rounds sent while earlier ones still hang on the frozen box: 2 a second for ANSWER_BOUND_S
MAX_ROUNDS_IN_FLIGHT = 32

Output = Callable[[str], None]


@dataclass(frozen=True)
class Probe:
    name: str
    host: str
    path: str


@dataclass(frozen=True)
class Answer:
    at_s: float
    probe: str
    status: int | None  # None: no answer within ANSWER_BOUND_S + 5
    took_s: float


@dataclass
class OutageReport:
    how: str
    answers: list[Answer] = field(default_factory=list)
    refused_after_s: float = 0.0
    recovered_after_s: float = 0.0

    @property
    def slowest_answer_s(self) -> float:
        return max(answer.took_s for answer in self.answers)

    def render(self) -> str:
        during = [a for a in self.answers if a.at_s >= 0 and a.status != 200]
        statuses = sorted({str(a.status) for a in during})
        return "\n".join([
            f"storage box {self.how}: every probe answered 503 when sent {self.refused_after_s:.1f} s in "
            f"(bound {REFUSED_WITHIN_S:.0f} s); answers during the outage: {', '.join(statuses)}",
            f"slowest answer {self.slowest_answer_s:.1f} s (bound {ANSWER_BOUND_S:.0f} s); "
            f"served again {self.recovered_after_s:.1f} s after the box returned (bound {RECOVERED_WITHIN_S:.0f} s)",
        ])


def probes(content_path: str) -> list[Probe]:
    return [
        Probe("production /content/", "sd1a.52k.de", content_path),
        Probe("beta X-Sendfile", "beta.spacedock.info", "/mod/1/download"),
        Probe("alpha send_file", "alpha.spacedock.info", "/mod/1/download"),
        Probe("sd1a /healthz", "sd1a.52k.de", "/healthz"),
    ]


def _round(client: LabClient, report: OutageReport, started: float,
           checks: list[Probe]) -> tuple[float, set[int | None]]:
    """Ask every probe once; returns when the round began and the statuses seen."""
    began = time.monotonic()
    seen = set()
    for probe in checks:
        sent = time.monotonic()
        query = f"{'&' if '?' in probe.path else '?'}probe={uuid.uuid4().hex[:8]}"
        try:
            status: int | None = client.get(probe.path + query, host=probe.host).status_code
        except LabError:
            status = None
        took = time.monotonic() - sent
        report.answers.append(Answer(round(sent - started, 2), probe.name, status, round(took, 2)))
        seen.add(status)
    return began, seen


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
        rounds.append(pool.submit(_round, new_client(), report, outage_started, checks))
        finished = (future.result() for future in rounds if future.done())
        return next((began for began, statuses in finished if statuses == {503}), None)

    try:
        began = poll_until(refused_round_began, timeout_s=REFUSED_WITHIN_S + ANSWER_BOUND_S, interval_s=0.5,
                           awaited="a round of probes all answered 503 during the outage")
        report.refused_after_s = began - outage_started
        out(f"scenario: every probe answers 503 when sent {report.refused_after_s:.1f} s into the outage")
    finally:
        # the box comes back at once; rounds still hanging on it end by themselves
        pool.shutdown(wait=False, cancel_futures=True)
        out("scenario: storage box back")
        back = time.monotonic()
        repair("storagebox")
    poll_until(lambda: _round(client, report, outage_started, checks)[1] == {200},
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


# --- the catalogue's storage-outage: production, with no storage watch, against the fix ---

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
            _round(client, report, started, checks)
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
