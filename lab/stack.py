"""The lab brought up and down (`lab up`, `lab down`, and the engine-restart
fault's `up`). Up: build what changed, start everything, give the live
production container its aliases, wait until every service is healthy, say
where things are. Down: remove the containers and networks; the data volumes
stay (`make clean` removes them), and so does .lab/state.json, so the same
production container is live after the next `up`.

It heals: a container that is unhealthy, exits, crash-loops or does not become
healthy is recreated once (the back tier first: the web containers' probes
fail while it is broken); one still broken after that is named with the probe
that fails and the end of its log, and `up` fails, while ATS and the live
production container (which need none of beta, alpha or the idle one) go on
serving."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from lab import evidence, images, live_alias, preflight, testlab
from lab import state as lab_state
from lab import status, tls
from lab.app import app_for
from lab.compose import Compose
from lab.config import LabConfig
from lab.docker_ops import DockerLab
from lab.errors import LabError, PrerequisiteMissing, ServiceUnhealthy
from lab.state import LabState
from lab.health import describe, settle
from lab.topology import SERVICES

Output = Callable[[str], None]
# what the web containers need healthy (compose.yaml's depends_on)
BACK_TIER = ("storagebox", "db", "redis")


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


def with_evidence(error: LabError, collect: Callable[[], Path]) -> LabError:
    """`error`, naming the folder `collect` saved the evidence in; if collecting
    fails, the original error still, saying why there is no evidence."""
    try:
        folder = collect()
    except Exception as failure:  # whatever it was, the error that mattered goes on
        return type(error)(f"{error} (no evidence saved: {failure})", hint=error.hint)
    return type(error)(f"{error} (evidence saved in {folder})", hint=error.hint)


def up(config: LabConfig, out: Output, *, build: bool = True) -> str:
    """Bring the lab up, healing what is broken; returns the text that says
    where everything is. Raises ServiceUnhealthy naming what stays broken."""
    missing = preflight.problems()
    if missing:
        raise PrerequisiteMissing(" ".join(missing))
    state = lab_state.load(config)
    app = app_for(config)
    compose = Compose(config, state)
    if build:
        images.ensure_base(config, out)
        images.build_all(config, out)
        # the web containers' images for the app: the real SpaceDock's (built),
        # or the stand-in's again (forgetting the real SpaceDock's)
        state.images = app.images(config, state.images, out)
        lab_state.save(config, state)
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
        raise with_evidence(error, lambda: evidence.collect(config, compose, lab, "up-failed")) from error
    app.seed(config, out)
    storage = status.storage_mode(lab, state.live)
    return "\n".join([
        f"sdlab is up ({compose.flavour}); storage: {storage}",
        "",
        status.render_urls(config, state.live, app),
    ])


def state_or_default(config: LabConfig, out: Output) -> LabState:
    """The lab's state, or a fresh one where the file cannot be read (what
    takes the lab away needs none of it)."""
    try:
        return lab_state.load(config)
    except lab_state.StateUnreadable as error:
        out(f"lab: {error}; going on without it")
        return LabState()


def down(config: LabConfig, out: Output) -> None:
    Compose(config, state_or_default(config, out)).down()


def clean(config: LabConfig, out: Output) -> bool:
    """The test lab removed, the lab down with its data volumes, and every
    image the lab builds (images.BUILT, not the base) removed, each step tried
    whatever the one before did; an image a container still uses (another
    checkout's lab, say) is kept and named. Whether every step worked."""
    lab = DockerLab(config.project)
    ok = True
    try:
        if testlab.remove(config, testlab.TEST_LAB):
            out("lab: removed the test lab")
        Compose(config, state_or_default(config, out)).run("down", "--remove-orphans", "--volumes")
        out("lab: removed the lab's containers, networks and data volumes")
    except LabError as error:
        out(f"lab: {error}; going on with the images")
        ok = False
    kept = lab.remove_images(images.built_here(lab), force=False)
    if kept:
        out(f"lab: kept {', '.join(kept)}: a container uses it (remove that lab first)")
    out("lab: removed every other image the lab builds (the base image stays)")
    return ok and not kept
