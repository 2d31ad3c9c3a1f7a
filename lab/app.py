"""The seam between the lab and the app its web containers run: the stand-in
(app/, the default) or the real SpaceDock (APP=spacedock, at the commits of
SPACEDOCK_SRC's branches). `app_for(config)` is the one place that reads APP;
commands, plays and the status ask the object it returns how to build, deploy,
seed and talk to the app instead of checking APP themselves."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable, Mapping

from lab import images
from lab.config import LabConfig
from lab.errors import LabError
from lab.spacedock import client as spacedock_client
from lab.spacedock import image as spacedock_image
from lab.topology import ENVIRONMENT_HOSTS

Output = Callable[[str], None]

STAND_IN = "stand-in"
SPACEDOCK = "spacedock"


@dataclass(frozen=True)
class App:
    """What the lab needs to know of one app. `database_suffix`: its databases
    are the stand-in's names with this after them (compose.yaml); `celery_app`
    and `directory`: its Celery app and the working directory it is found from
    (the image's APP_CELERY and APP_DIR)."""
    name: str
    title: str
    database_suffix: str
    celery_app: str
    directory: str

    @property
    def is_spacedock(self) -> bool:
        return self.name == SPACEDOCK

    def build(self, config: LabConfig, out: Output, *, refs: Iterable[str] = ()) -> None:
        """The app's images beyond the lab's own: the real SpaceDock's, one per
        branch and per commit of `refs` (the stand-in is in the web image)."""
        if not self.is_spacedock:
            return
        branches = [config.get(setting) for setting in spacedock_image.BRANCH_SETTINGS.values()]
        for ref in dict.fromkeys([*branches, *refs]):
            spacedock_image.build(config, ref, out)

    def images(self, config: LabConfig, current: Mapping[str, str], out: Output) -> dict[str, str]:
        """The web containers' images as this app wants them, from those
        recorded (`current`): the real SpaceDock's, built (each container's
        deployed commit, else its branch); for the stand-in, the recorded ones
        that are not the real SpaceDock's (none: the working tree's web image)."""
        if self.is_spacedock:
            return {**current, **spacedock_image.images_for(config, current, out)}
        return {service: image for service, image in current.items() if not spacedock_image.is_real(image)}

    def image_of(self, config: LabConfig, service: str, ref: str | None, out: Output) -> str | None:
        """The image `service` gets for `ref`, built if need be: under the real
        SpaceDock a SpaceDock commit (None: the container's branch); for the
        stand-in a git ref of this repository (None: the working tree's image)."""
        if self.is_spacedock:
            return spacedock_image.build(config, ref or config.get(spacedock_image.BRANCH_SETTINGS[service]), out)
        return images.build_from_ref(config, ref, out) if ref else None

    def seed(self, config: LabConfig, out: Output) -> None:
        """What `make up` publishes for a person to look at: the stand-in seeds
        itself at start; the real SpaceDock gets demo mods through its API."""
        if self.is_spacedock:
            spacedock_client.seed_demo_mods(config, ENVIRONMENT_HOSTS, out)


APPS = {
    STAND_IN: App(STAND_IN, "the stand-in", "", "spacedock.tasks", "/srv/spacedock"),
    SPACEDOCK: App(SPACEDOCK, "the real SpaceDock", spacedock_image.DATABASE_SUFFIX, "KerbalStuff.celery:app",
                   "/opt/spacedock"),
}


def app_running(image: str) -> App:
    """The app a web container with `image` runs, whatever APP says now (a
    lab brought up with APP=spacedock runs it until the next `make up`)."""
    return APPS[SPACEDOCK] if spacedock_image.is_real(image) else APPS[STAND_IN]


def app_for(config: LabConfig) -> App:
    """The app APP names (default: the stand-in)."""
    name = config.settings.get("APP", STAND_IN) or STAND_IN
    if name not in APPS:
        raise LabError(f"APP must be {' or '.join(APPS)}, not {name!r}")
    return APPS[name]
