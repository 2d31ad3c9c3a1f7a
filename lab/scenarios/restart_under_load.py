"""A service restarted (`docker restart`) while clients keep asking through
ATS: how many requests failed, and how long until answers came back."""
from __future__ import annotations

import time
from dataclasses import dataclass

from lab.docker_ops import DockerLab
from lab.load import Load, Result
from lab.waiting import poll_until

HEALTHY_BOUND_S = 90.0
# load kept up after the service is healthy again, to see the answers come back
AFTER_S = 2.0


@dataclass(frozen=True)
class Outage:
    service: str
    requests: int          # answered (or failed) from the restart on, in flight then included
    failed: list[Result]   # of those
    restart_s: float       # `docker restart` until the service was healthy again
    answered_again_s: float  # the restart until the first good answer after the last failure

    def render(self) -> str:
        kinds = sorted({str(result.status or result.error)[:50] for result in self.failed})
        return (f"{self.service} restarted under load: healthy again after {self.restart_s:.1f} s; "
                f"{len(self.failed)} of {self.requests} requests failed"
                f"{' (' + ', '.join(kinds) + ')' if kinds else ''}; "
                f"good answers again {self.answered_again_s:.1f} s after the restart began")


def restarted_under_load(lab: DockerLab, base_url: str, service: str, *, host: str, path: str,
                         clients: int) -> Outage:
    with Load(base_url, clients=clients, path=path, host=host, max_seconds=HEALTHY_BOUND_S + 60) as load:
        load.until_running()
        began = time.monotonic()
        lab.restart(service)
        poll_until(lambda: lab.healths([service])[service] == "healthy", timeout_s=HEALTHY_BOUND_S,
                   awaited=f"{service} to be healthy after its restart",
                   last_state=lambda: lab.healths([service])[service])
        healthy = time.monotonic()
        poll_until(lambda: any(True for _ in load.between(healthy + AFTER_S, float("inf"))), timeout_s=60,
                   awaited=f"answers sent {AFTER_S:g} s after {service} was healthy again")
    since = load.answered_since(began)
    failed = [result for result in since if not result.ok]
    last_failure = max((result.answered_at for result in failed), default=began)
    answered_again = min((result.answered_at for result in since if result.ok and result.sent_at >= last_failure),
                         default=healthy)
    return Outage(service, len(since), failed, healthy - began, answered_again - began)
