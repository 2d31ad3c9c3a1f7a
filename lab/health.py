"""Waiting for the lab's containers to be healthy: every command, play and
test that changes a container waits here, and one that needs the running lab
checks it here first. A container that stops, or that Docker starts again
CRASH_LOOP_RESTARTS times while it is awaited, fails a wait at once."""
from __future__ import annotations

import time
from typing import Callable, Sequence

from lab.config import LabConfig
from lab.docker_ops import DockerLab
from lab.errors import LabError, LabTimeout, ServiceUnhealthy, StackNotRunning
from lab.topology import SERVICES

Output = Callable[[str], None]
HEALTH_TIMEOUT_S = 180
FAILED_STATES = ("exited", "dead", "missing")
# a container Docker has started again this often while `up` waits is crash-looping
CRASH_LOOP_RESTARTS = 2
# unhealthy this long (two of its probes, 3 s apart) counts as broken
UNHEALTHY_GRACE_S = 7.0
LOG_LINES = 6
# how long a command that needs the running lab waits for it to be healthy
READY_TIMEOUT_S = 60


def mark_crash_loops(lab: DockerLab, *, healths: dict[str, str], restarts_before: dict[str, int]) -> dict[str, str]:
    """`healths`, with "crash-looping" for a service that is not healthy and that
    Docker has started again CRASH_LOOP_RESTARTS times since `restarts_before`."""
    return {service: "crash-looping" if health != "healthy" and count - restarts_before[service] >= CRASH_LOOP_RESTARTS
            else health
            for (service, health), count in zip(healths.items(), lab.restart_counts(list(healths)).values(),
                                                strict=True)}


def wait_until_healthy(lab: DockerLab, services: Sequence[str], out: Output,
                       timeout_s: float = HEALTH_TIMEOUT_S) -> None:
    """Poll the containers' health until all are healthy, printing each change;
    one that stops, or that Docker starts again CRASH_LOOP_RESTARTS times, fails the wait at once."""
    deadline = time.monotonic() + timeout_s
    shown = None
    restarts_before = lab.restart_counts(services)
    while True:
        healths = mark_crash_loops(lab, healths=lab.healths(services), restarts_before=restarts_before)
        if healths != shown:
            out("lab: health: " + "  ".join(f"{name} {health}" for name, health in healths.items()))
            shown = healths
        if all(health == "healthy" for health in healths.values()):
            return
        failed = [name for name, health in healths.items() if health in ("crash-looping", *FAILED_STATES)]
        if failed:
            raise ServiceUnhealthy(f"{', '.join(failed)} stopped while starting: "
                                   + "; ".join(f"{name} {healths[name]}: {lab.last_health_output(name)}"
                                               for name in failed))
        if time.monotonic() >= deadline:
            waiting = [name for name, health in healths.items() if health != "healthy"]
            raise LabTimeout(f"timed out after {timeout_s} s waiting for {', '.join(waiting)} to be healthy; "
                             + "; ".join(f"{name}: {lab.last_health_output(name)}" for name in waiting))
        time.sleep(1)


def require_running(config: LabConfig, lab: DockerLab) -> None:
    """The lab up and healthy (waited for briefly), else StackNotRunning: for
    commands that work on the running lab (browser tests, the benchmark)."""
    try:
        wait_until_healthy(lab, SERVICES, lambda line: None, timeout_s=READY_TIMEOUT_S)
    except LabError as error:
        raise StackNotRunning(f"the lab {config.project} is not up and healthy ({error})") from error


def settle(lab: DockerLab, services: Sequence[str], out: Output, *, live: str,
           timeout_s: float = HEALTH_TIMEOUT_S) -> dict[str, str]:
    """Poll until every service (the live one among them) is healthy or broken, or the time is up,
    printing each change; returns the healths last seen. Broken: exited, dead,
    missing, started again by Docker CRASH_LOOP_RESTARTS times ("crash-looping"),
    or unhealthy for UNHEALTHY_GRACE_S (ATS only while the live container,
    which its probe goes through, is healthy)."""
    deadline = time.monotonic() + timeout_s
    shown = None
    restarts_before = lab.restart_counts(services)
    unhealthy_since: dict[str, float] = {}
    while True:
        now = time.monotonic()
        healths = mark_crash_loops(lab, healths=lab.healths(services), restarts_before=restarts_before)
        live_healthy = healths[live] == "healthy"
        for service, health in healths.items():
            if health != "unhealthy" or (service == "ats" and not live_healthy):
                unhealthy_since.pop(service, None)
            else:
                unhealthy_since.setdefault(service, now)
        if healths != shown:
            out("lab: health: " + "  ".join(f"{name} {health}" for name, health in healths.items()))
            shown = healths
        if all(health == "healthy" or health in ("crash-looping", *FAILED_STATES)
               or now - unhealthy_since.get(service, now) >= UNHEALTHY_GRACE_S
               for service, health in healths.items()) or now >= deadline:
            return healths
        time.sleep(1)


def describe(lab: DockerLab, service: str, health: str) -> str:
    """A broken service: its state, the probe that fails and the end of its log."""
    log = lab.logs(service, tail=LOG_LINES).rstrip().splitlines() if health != "missing" else []
    return (f"{service} is {health}; its probe: {lab.last_health_output(service)}; the end of its log:"
            + "".join(f"\n    {line}" for line in log))


