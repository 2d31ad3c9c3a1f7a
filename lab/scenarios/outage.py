"""What the storage box's outage is measured with, by the fault (faults/
storage_outage.py: its bounds) and the production bug (bugs/storage_outage.py,
spacedock/storage_outage.py): probes through ATS, each answer with when it was
sent and how long it took."""
from __future__ import annotations

import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable

from lab.errors import LabError
from lab.health import wait_until_healthy
from lab.http import LabClient
from lab.interrupts import ctrl_c_held
from lab.scenarios.engine import Scenario, Seen, Stage, Variant
from lab.topology import SERVICES

# The bounds the lab promises (docs/storage.md, "When the storage box goes away").
ANSWER_BOUND_S = 15.0     # no request waits longer than this for an answer
REFUSED_WITHIN_S = 10.0   # a probe sent this long into the outage answers 503
RECOVERED_WITHIN_S = 30.0  # from the box's return, every probe is served again within this
# rounds sent while earlier ones still hang on the frozen box: 2 a second for ANSWER_BOUND_S
MAX_ROUNDS_IN_FLIGHT = 32
# The storage-outage scenario's play: probes sent this long into the outage
# must get a clear 503 (the watch needs at most 3 s); the box stays stopped
# PLAY_S; a probe unanswered PLAY_ANSWER_S counts as hanging.
LATE_S = 6.0
PLAY_S = 9.0
PLAY_ANSWER_S = 5.0


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

    @property
    def ok(self) -> bool:
        """Within every bound the lab promises."""
        return (self.refused_after_s <= REFUSED_WITHIN_S and self.recovered_after_s <= RECOVERED_WITHIN_S
                and all(answer.status is not None for answer in self.answers)
                and self.slowest_answer_s <= ANSWER_BOUND_S)

    def render(self) -> str:
        during = [a for a in self.answers if a.at_s >= 0 and a.status != 200]
        statuses = sorted({str(a.status) for a in during})
        return "\n".join([
            f"storage box {self.how}: every probe answered 503 when sent {self.refused_after_s:.1f} s in "
            f"(bound {REFUSED_WITHIN_S:.0f} s); answers during the outage: {', '.join(statuses)}",
            f"slowest answer {self.slowest_answer_s:.1f} s (bound {ANSWER_BOUND_S:.0f} s); "
            f"served again {self.recovered_after_s:.1f} s after the box returned (bound {RECOVERED_WITHIN_S:.0f} s)",
        ])


def probe_round(client: LabClient, report: OutageReport, started: float,
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


def stopped_box_answers(stage: Stage, checks: list[Probe]) -> Seen:
    """The storage-outage scenario's play (the stand-in's and the real
    SpaceDock's): the box stopped for PLAY_S while `checks` are asked for; the
    symptom is any answer but a clear 503 LATE_S or more into the outage."""
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
    late = Counter(f"{answer.probe} {answer.status or 'no answer'}" for answer in report.answers
                   if answer.at_s >= LATE_S)
    stage.out(f"  answers sent {LATE_S:.0f} s or more into the outage: "
              + ", ".join(f"{what} ×{count}" for what, count in sorted(late.items())))
    unclear = sum(count for what, count in late.items() if not what.endswith(" 503"))
    return Seen(unclear > 0, f"{unclear} of {sum(late.values())} requests sent {LATE_S:.0f} s or more into the "
                             f"outage got something other than a clear 503")


def outage_scenario(symptom: str, play: Callable[[Stage, str], Seen]) -> Scenario:
    """The storage-outage scenario, the stand-in's or the real SpaceDock's:
    `play` (which calls stopped_box_answers) without the lab's storage watch,
    as production, then with it."""
    return Scenario(
        name="storage-outage",
        symptom=symptom,
        fix="the lab's storage watch (503 within 3 s)",
        upstream="no upstream report: production's mount has no watch",
        production=Variant({"STORAGE_WATCH": "production"}, ("sd2", "sd6")),
        fixed=Variant({"STORAGE_WATCH": "fixed"}, ("sd2", "sd6")),
        play=play,
    )
