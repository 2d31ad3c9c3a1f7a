"""`lab up`: build what changed, start everything, give the live production
container its aliases, wait until every service is healthy, say where things are.

It heals: a container that is unhealthy, exits, crash-loops or does not become
healthy is recreated once (the back tier first: the web containers' probes
fail while it is broken); one still broken after that is named with the probe
that fails and the end of its log, and `up` fails, while ATS and the live
production container (which need none of beta, alpha or the idle one) go on
serving."""
from __future__ import annotations

import time
from typing import Callable, Sequence

from lab import evidence, images, live_alias, preflight, real_spacedock, real_spacedock_client, tls
from lab import state as lab_state
from lab.commands import status as status_command
from lab.compose import Compose
from lab.config import LabConfig
from lab.docker_ops import DockerLab
from lab.errors import LabError, LabTimeout, PrerequisiteMissing, ServiceUnhealthy, StackNotRunning
from lab.state import LabState
from lab.topology import ENVIRONMENT_HOSTS, SERVICES

Output = Callable[[str], None]
HEALTH_TIMEOUT_S = 180
FAILED_STATES = ("exited", "dead", "missing")
# a container Docker has started again this often while `up` waits is crash-looping
CRASH_LOOP_RESTARTS = 2
# unhealthy this long (two of its probes, 3 s apart) counts as broken
UNHEALTHY_GRACE_S = 7.0
# what the web containers need healthy (compose.yaml's depends_on)
BACK_TIER = ("storagebox", "db", "redis")
LOG_LINES = 6


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


# how long a command that needs the running lab waits for it to be healthy
READY_TIMEOUT_S = 60


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


def heal(compose: Compose, lab: DockerLab, broken: dict[str, str], recreated: set[str], out: Output) -> bool:
    """Recreate, once each, what is broken: the back tier first, as long as one
    of it is broken (the web containers' probes fail because of it). Whether
    anything was recreated."""
    waiting = {service: health for service, health in broken.items() if service not in recreated}
    chosen = {service: health for service, health in waiting.items() if service in BACK_TIER} or waiting
    for service, health in chosen.items():
        out(f"lab: {service} is {health} ({lab.last_health_output(service)}); recreating it")
    if chosen:
        compose.up(list(chosen), no_deps=True, force_recreate=True)
        recreated.update(chosen)
    return bool(chosen)


def choose_app(config: LabConfig, state: LabState, out: Output) -> None:
    """The web containers' images for APP: the real SpaceDock's (built), or the
    stand-in's again (forgetting the real SpaceDock's)."""
    if real_spacedock.wanted(config):
        state.images.update(real_spacedock.images_for(config, state.images, out))
    else:
        for service in [service for service, image in state.images.items() if real_spacedock.is_real(image)]:
            del state.images[service]
    lab_state.save(config, state)


def run(config: LabConfig, out: Output, *, build: bool = True) -> str:
    """Bring the lab up, healing what is broken; returns the text that says
    where everything is. Raises ServiceUnhealthy naming what stays broken."""
    missing = preflight.problems()
    if missing:
        raise PrerequisiteMissing(" ".join(missing))
    state = lab_state.load(config)
    compose = Compose(config, state)
    if build:
        images.ensure_base(config, out)
        images.build_all(config, out)
        choose_app(config, state, out)
    made = tls.ensure(config)[1]
    for thing in made:
        out(f"lab: made {thing} (lab only; `make tls` says how to trust it)")
    out(f"lab: starting the services with {compose.flavour}")
    lab = DockerLab(config.project)
    try:
        before = lab.healths(SERVICES)
        unhealthy = {service: health for service, health in before.items() if health == "unhealthy"}
        recreated: set[str] = set()
        # a broken back tier first: the web containers wait for it to be healthy
        heal(compose, lab, {service: unhealthy[service] for service in BACK_TIER if service in unhealthy},
             recreated, out)
        compose.up()
        if made and before["ats"] not in ("missing", "exited", "created"):
            out("lab: restarting ATS for its new certificate (it reads it at start)")
            lab.restart("ats")
        heal(compose, lab, unhealthy, recreated, out)
        live_alias.settle(lab, state.live)
        out(f"lab: {state.live} holds sd-prod-live.52k and sd1.52k")
        healths = settle(lab, SERVICES, out, live=state.live)
        while any(health != "healthy" for health in healths.values()) and heal(
                compose, lab, {service: health for service, health in healths.items() if health != "healthy"},
                recreated, out):
            live_alias.settle(lab, state.live)
            healths = settle(lab, SERVICES, out, live=state.live)
        broken = {service: health for service, health in healths.items() if health != "healthy"}
        if broken:
            for service, health in broken.items():
                out(f"lab: {describe(lab, service, health)}")
            serving = healths["ats"] == healths[state.live] == "healthy"
            raise ServiceUnhealthy(
                ("ATS and the live production container serve, but " if serving else "")
                + f"{', '.join(broken)} stayed broken after being recreated (its probe and log above)")
    except LabError as error:
        folder = evidence.collect(config, compose, lab, "up-failed")
        raise type(error)(f"{error} (evidence saved in {folder})", hint=error.hint) from error
    if real_spacedock.wanted(config):
        real_spacedock_client.seed_demo_mods(config, ENVIRONMENT_HOSTS, out)
    status = status_command.gather(lab, state)
    storage = status.service(state.live).storage
    return "\n".join([
        f"sdlab is up ({compose.flavour}); storage: {storage}",
        "",
        status_command.render_urls(config, state.live),
    ])
