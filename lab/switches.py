"""A running lab switched for a while: some services recreated with some
settings changed (a production switch such as ATS_TIMEOUTS=before-250), then
recreated as configured again, also when interrupted (Ctrl-C) or failed; or,
under APP=spacedock, some web containers at other SpaceDock commits for a while."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Callable, Iterator, Mapping, Sequence

from lab import live_alias
from lab import state as lab_state
from lab.compose import Compose
from lab.config import LabConfig
from lab.deploy import deploy
from lab.docker_ops import DockerLab
from lab.health import wait_until_healthy
from lab.interrupts import ctrl_c_held
from lab.spacedock import image as spacedock_image

Output = Callable[[str], None]


def recreate(config: LabConfig, services: Sequence[str], out: Output, *, healthy: bool = True) -> None:
    """Bring the services to what `config` says, and (unless not `healthy`) wait
    until they are healthy. A recreated production container gets the live
    aliases back if it holds them."""
    state = lab_state.load(config)
    Compose(config, state).up(list(services), no_deps=True)
    docker_lab = DockerLab(config.project)
    live_alias.settle(docker_lab, state.live)
    if healthy:
        wait_until_healthy(docker_lab, services, out)


def kill(config: LabConfig, services: Sequence[str], out: Output) -> None:
    """SIGKILL the services' containers that still run: a container switched to
    a setting it may never get healthy with (workers thrashing in too little
    memory) does not stop within its grace period, which a recreate would
    otherwise wait out (40 s for a web container)."""
    docker_lab = DockerLab(config.project)
    running = [service for service, health in docker_lab.healths(services).items()
               if health not in ("exited", "dead", "missing", "created")]
    for service in running:
        out(f"lab: killing {service} (SIGKILL): it was switched to a setting it may never be healthy with")
        docker_lab.kill(service)


class Switchboard:
    """The lab switched to one set of settings after another (a scenario's
    production, then its fix), each straight from the last: a service goes
    from one switched state to the next without being put back in between.
    Whatever was switched is put back as configured once, by `put_back`."""

    def __init__(self, config: LabConfig, out: Output = lambda line: None) -> None:
        self.config = config
        self.out = out
        self.switched: list[str] = []
        # switched with healthy=False: killed, not stopped, when switched again or put back
        self.unready: list[str] = []

    def switch(self, services: Sequence[str], settings: Mapping[str, str], *, healthy: bool = True) -> LabConfig:
        """The lab with `settings` changed for `services` (and any service
        switched before but not named here put back as configured); returns
        the changed configuration, once they are healthy (or at once, if not
        `healthy`: a setting they never get healthy with)."""
        unknown = sorted(set(settings) - set(self.config.settings))
        if unknown:
            raise KeyError(f"no such setting: {', '.join(unknown)}")
        changed = LabConfig(self.config.root, {**self.config.settings, **settings})
        left = [service for service in self.switched if service not in services]
        self.switched = list(dict.fromkeys([*self.switched, *services]))
        self._kill_unready()
        if left:
            self.out(f"lab: putting {', '.join(left)} back as configured")
            recreate(self.config, left, self.out)
        shown = " ".join(f"{key}={value}" for key, value in settings.items())
        self.out(f"lab: switching {', '.join(services)} to {shown}")
        if not healthy:
            self.unready = list(services)
        recreate(changed, services, self.out, healthy=healthy)
        return changed

    def put_back(self) -> None:
        """Every service switched, as configured again and healthy (Ctrl-C held meanwhile)."""
        if not self.switched:
            return
        self.out(f"lab: putting {', '.join(self.switched)} back as configured")
        with ctrl_c_held(self.out):
            self._kill_unready()
            recreate(self.config, self.switched, self.out)
        self.switched = []

    def _kill_unready(self) -> None:
        if self.unready:
            kill(self.config, self.unready, self.out)
            self.unready = []


@contextmanager
def switched(config: LabConfig, services: Sequence[str], settings: Mapping[str, str],
             out: Output = lambda line: None, *, healthy: bool = True) -> Iterator[LabConfig]:
    """The lab with `settings` changed for `services`; yields the changed
    configuration, once they are healthy (or at once, if not `healthy`: a
    setting they never get healthy with). Always put back healthy."""
    board = Switchboard(config, out)
    try:
        yield board.switch(services, settings, healthy=healthy)
    finally:
        board.put_back()


@contextmanager
def deployed(config: LabConfig, refs: Mapping[str, str], out: Output = lambda line: None,
             settings: Mapping[str, str] | None = None) -> Iterator[LabConfig]:
    """Under APP=spacedock: the web containers in `refs` running those SpaceDock
    commits (built if need be), with `settings` changed for them, for a while;
    then the images and settings they had again."""
    before = dict(lab_state.load(config).images)
    source = spacedock_image.checkout(config)
    changed = LabConfig(config.root, {**config.settings, **(settings or {})})
    # a container that runs the commit already, as configured, is left as it is
    moved = [service for service, ref in refs.items()
             if settings or before.get(service) != spacedock_image.image_for(spacedock_image.resolve(source, ref))]
    docker_lab = DockerLab(config.project)
    try:
        for service in moved:
            deploy(changed, docker_lab, lab_state.load(config), service, refs[service], out)
        yield changed
    finally:
        if moved:
            put_back(config, before, moved, out)


def put_back(config: LabConfig, images: Mapping[str, str], services: Sequence[str], out: Output) -> None:
    """The services on the images they had (`images`: the lab's state of then)
    and as configured, recreated and healthy, Ctrl-C held meanwhile."""
    out(f"lab: putting {', '.join(services)} back on {', '.join(images.get(service, '?') for service in services)}")
    with ctrl_c_held(out):
        state = lab_state.load(config)
        state.images.update({service: images[service] for service in services if service in images})
        lab_state.save(config, state)
        recreate(config, services, out)
