"""Deploying: an image of the app (lab.app: built from a git ref, or the
working tree's) put on one web container, as production updates beta and alpha
from their branches. On production only the idle container may be replaced;
a swap (lab.swap) then moves traffic to it."""
from __future__ import annotations

from typing import Callable

from lab import images, live_alias
from lab import state as lab_state
from lab.app import app_for
from lab.compose import Compose
from lab.config import LabConfig
from lab.docker_ops import DockerLab
from lab.errors import LabError
from lab.health import wait_until_healthy
from lab.state import LabState
from lab.topology import WEB_SERVICES

Output = Callable[[str], None]
DEPLOY_HEALTH_TIMEOUT_S = 120


def deploy(config: LabConfig, lab: DockerLab, state: LabState, service: str, ref: str | None,
           out: Output) -> str:
    """Put the image of `ref` (None: the working tree's; under APP=spacedock a
    SpaceDock commit, None: the container's branch) on `service`, recreate
    it (also when nothing changed) and wait until it is healthy; returns the
    image it runs."""
    if service not in WEB_SERVICES:
        raise LabError(f"{service} is not a web container ({', '.join(WEB_SERVICES)})")
    if service == state.live or service in live_alias.holders(lab):
        raise LabError(f"{service} is the live production container (it holds the live aliases); deploy to "
                       f"{state.idle if service == state.live else state.live} and swap",
                       hint=f"make swap REF={ref or '<ref>'}")
    built = app_for(config).image_of(config, service, ref, out)
    if built:
        image = state.images[service] = built
    else:
        image = images.WEB.ref()
        state.images.pop(service, None)
    lab_state.save(config, state)
    # a new container even when the image is the one it runs: deploying is
    # also the way to repair a broken container
    out(f"lab: recreating {service} with {image} (a new container, even if the image is unchanged)")
    Compose(config, state).up([service], no_deps=True, force_recreate=True)
    wait_until_healthy(lab, [service], out, timeout_s=DEPLOY_HEALTH_TIMEOUT_S)
    out(f"lab: {service} runs {image} ({lab.image_version(service)}) and is healthy")
    return image
