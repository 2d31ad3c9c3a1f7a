"""What the storage box's outage is measured with, by the fault (faults/
storage_outage.py: its bounds) and the production bug (bugs/storage_outage.py):
probes through ATS, each answer with when it was sent and how long it took."""
from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field

from lab.errors import LabError
from lab.http import LabClient

# The bounds the lab promises (docs/storage.md, "When the storage box goes away").
ANSWER_BOUND_S = 15.0     # no request waits longer than this for an answer
REFUSED_WITHIN_S = 10.0   # a probe sent this long into the outage answers 503
RECOVERED_WITHIN_S = 30.0  # from the box's return, every probe is served again within this
# rounds sent while earlier ones still hang on the frozen box: 2 a second for ANSWER_BOUND_S
MAX_ROUNDS_IN_FLIGHT = 32


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


