"""Blue-green swaps under load: CLIENTS concurrent clients ask production for
an uncacheable page through ATS while the lab swaps sd1a and sd1b SWAPS times.
How many requests failed, how soon after each swap did every new request go
to the new container, and for how long did both answer?"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

from lab import state as lab_state
from lab.config import LabConfig
from lab.docker_ops import DockerLab
from lab.load import Load
from lab.swap import SwapReport, swap

CLIENTS = 20
SWAPS = 5
# every request sent this long after the aliases moved must reach the new container
FOLLOW_BOUND_S = 5.0
# load kept up after each swap before the next, so the bound can be checked
SETTLE_S = FOLLOW_BOUND_S + 1.0

Output = Callable[[str], None]


@dataclass(frozen=True)
class SwapUnderLoad:
    swap: SwapReport
    requests: int
    last_old_after_s: float  # last request answered by the old container, sent this long after the move
    both_answered_s: float   # first answer from the new container to the last from the old one
    late_to_old: int         # requests sent FOLLOW_BOUND_S after the move and still answered by the old one


@dataclass
class LoadReport:
    clients: int
    swaps: list[SwapUnderLoad] = field(default_factory=list)
    requests: int = 0
    failures: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """No request failed, and ATS followed every swap within FOLLOW_BOUND_S."""
        return not self.failures and all(item.last_old_after_s <= FOLLOW_BOUND_S for item in self.swaps)

    def render(self) -> str:
        lines = [f"{len(self.swaps)} swaps under {self.clients} concurrent clients: {self.requests} requests, "
                 f"{len(self.failures)} failed"]
        for number, item in enumerate(self.swaps, 1):
            lines.append(
                f"  swap {number} {item.swap.old}->{item.swap.new}: aliases moved in {item.swap.alias_moved_s:.2f} s; "
                f"last answer from {item.swap.old} to a request sent {item.last_old_after_s:.2f} s after the move; "
                f"both answered for {item.both_answered_s:.2f} s; {item.requests} requests")
        lines += [f"  failure: {failure}" for failure in self.failures[:10]]
        return "\n".join(lines)


def measure(load: Load, report: SwapReport, until: float) -> SwapUnderLoad:
    answers = [result for result in load.between(report.moved_at - 2, until) if result.ok]
    old = [result for result in answers if result.container == report.old]
    new = [result for result in answers if result.container == report.new and result.sent_at >= report.moved_at - 2]
    last_old = max((result.sent_at for result in old), default=report.moved_at)
    first_new = min((result.answered_at for result in new), default=report.moved_at)
    return SwapUnderLoad(
        swap=report,
        requests=len(answers),
        last_old_after_s=max(last_old - report.moved_at, 0.0),
        both_answered_s=max(max((r.answered_at for r in old), default=first_new) - first_new, 0.0),
        late_to_old=sum(1 for result in old if result.sent_at >= report.moved_at + FOLLOW_BOUND_S),
    )


def run(config: LabConfig, lab: DockerLab, out: Output = print, *, clients: int = CLIENTS,
        swaps: int = SWAPS) -> LoadReport:
    report = LoadReport(clients=clients)
    with Load(config.http_base, clients=clients, max_seconds=swaps * 60 + 60) as load:
        for number in range(1, swaps + 1):
            swapped = swap(config, lab, lab_state.load(config), lambda line: None)
            until = swapped.moved_at + SETTLE_S
            while time.monotonic() < until:  # keep the load up; the bound is checked on what it sends
                time.sleep(0.2)
            report.swaps.append(measure(load, swapped, until))
            out(f"scenario: swap {number}/{swaps} {swapped.old}->{swapped.new} done")
    report.requests = len(load.results)
    report.failures = [f"{result.error or result.status}" for result in load.failures()]
    return report
