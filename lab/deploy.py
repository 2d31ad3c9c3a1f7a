"""`lab deploy SERVICE [--ref REF]`: build the web image from a git ref of this
repository (or take the working tree's) and put it on one web container, as
production updates beta and alpha from their branches. On production only the
idle container may be replaced; `lab swap --ref` then moves traffic to it."""
from __future__ import annotations

import io
import subprocess
import tarfile
import tempfile
from pathlib import Path
from typing import Callable

from lab import images, real_spacedock
from lab import state as lab_state
from lab.commands.up import wait_until_healthy
from lab.compose import Compose
from lab.config import LabConfig
from lab.docker_ops import DockerLab
from lab.errors import LabError
from lab.git import git
from lab.state import LabState
from lab.topology import WEB_SERVICES

Output = Callable[[str], None]
DEPLOY_HEALTH_TIMEOUT_S = 120


def build_ref(config: LabConfig, ref: str, out: Output) -> str:
    """Build sdlab/web:<commit> from the files of `ref`; returns the image."""
    commit = git(config.root, "rev-parse", "--verify", "--short=12", f"{ref}^{{commit}}")
    version = git(config.root, "describe", "--always", "--abbrev=12", commit)
    archive = subprocess.run(["git", "-C", str(config.root), "archive", "--format=tar", commit],
                             check=True, capture_output=True).stdout
    with tempfile.TemporaryDirectory(prefix="sdlab-ref-") as folder:
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(folder, filter="data")
        out(f"lab: building the web image from {ref} ({commit})")
        return images.build(images.WEB, Path(folder), tag=commit, version=version, out=out)


def deploy(config: LabConfig, lab: DockerLab, state: LabState, service: str, ref: str | None,
           out: Output) -> str:
    """Put the image of `ref` (None: the working tree's; under APP=spacedock a
    SpaceDock commit, None: the container's branch) on `service`, recreate
    it (also when nothing changed) and wait until it is healthy; returns the
    image it runs."""
    if service not in WEB_SERVICES:
        raise LabError(f"{service} is not a web container ({', '.join(WEB_SERVICES)})")
    if service == state.live:
        raise LabError(f"{service} is the live production container; deploy to {state.idle} and swap",
                       hint=f"make swap REF={ref or '<ref>'}")
    if real_spacedock.wanted(config):
        # REF names a SpaceDock commit; none: the container's branch
        image = real_spacedock.build(config, ref or config.get(real_spacedock.BRANCH_SETTINGS[service]), out)
        state.images[service] = image
    elif ref:
        image = state.images[service] = build_ref(config, ref, out)
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
