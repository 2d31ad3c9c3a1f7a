"""`lab up`: build what changed, start everything, give the live production
container its aliases, wait until every service is healthy, say where things are."""
from __future__ import annotations

import time
from typing import Callable, Sequence

from lab import evidence, images, live_alias, preflight, tls
from lab import state as lab_state
from lab.commands import status as status_command
from lab.compose import Compose
from lab.config import LabConfig
from lab.docker_ops import DockerLab
from lab.errors import LabError, LabTimeout, PrerequisiteMissing, ServiceUnhealthy
from lab.topology import SERVICES

Output = Callable[[str], None]
HEALTH_TIMEOUT_S = 180
FAILED_STATES = ("exited", "dead", "missing")


def wait_until_healthy(lab: DockerLab, services: Sequence[str], out: Output,
                       timeout_s: float = HEALTH_TIMEOUT_S) -> None:
    """Poll the containers' health until all are healthy, printing each change."""
    deadline = time.monotonic() + timeout_s
    shown = None
    while True:
        healths = lab.healths(services)
        if healths != shown:
            out("lab: health: " + "  ".join(f"{name} {health}" for name, health in healths.items()))
            shown = healths
        if all(health == "healthy" for health in healths.values()):
            return
        failed = [name for name, health in healths.items() if health in FAILED_STATES]
        if failed:
            raise ServiceUnhealthy(f"{', '.join(failed)} stopped while starting: "
                                   + "; ".join(f"{name}: {lab.last_health_output(name)}" for name in failed))
        if time.monotonic() >= deadline:
            waiting = [name for name, health in healths.items() if health != "healthy"]
            raise LabTimeout(f"timed out after {timeout_s} s waiting for {', '.join(waiting)} to be healthy; "
                             + "; ".join(f"{name}: {lab.last_health_output(name)}" for name in waiting))
        time.sleep(1)


def run(config: LabConfig, out: Output, *, build: bool = True) -> str:
    """Bring the lab up; returns the text that says where everything is."""
    missing = preflight.problems()
    if missing:
        raise PrerequisiteMissing(" ".join(missing))
    state = lab_state.load(config)
    compose = Compose(config, state)
    if build:
        images.ensure_base(config, out)
        images.build_all(config, out)
    made = tls.ensure(config)[1]
    for thing in made:
        out(f"lab: made {thing} (lab only; `make tls` says how to trust it)")
    out(f"lab: starting the services with {compose.flavour}")
    lab = DockerLab(config.project)
    try:
        ats_was_running = lab.healths(["ats"])["ats"] not in ("missing", "exited", "created")
        compose.up()
        if made and ats_was_running:
            out("lab: restarting ATS for its new certificate (it reads it at start)")
            lab.restart("ats")
        live_alias.settle(lab, state.live)
        out(f"lab: {state.live} holds sd-prod-live.52k and sd1.52k")
        wait_until_healthy(lab, SERVICES, out)
    except LabError as error:
        folder = evidence.collect(config, compose, lab, "up-failed")
        raise LabError(f"{error} (evidence saved in {folder})") from error
    status = status_command.gather(lab, state)
    storage = status.service(state.live).storage
    return "\n".join([
        f"sdlab is up ({compose.flavour}); storage: {storage}",
        "",
        status_command.render_urls(config, state.live),
    ])
