"""The lab's status (`lab status`, and what `lab up` prints): which
production container is live, what every service runs and how healthy it is,
the storage mode, whether each Celery worker answers, and where to point a
browser."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from lab import images, live_alias, storage_link
from lab.app import App, app_running
from lab.config import LabConfig
from lab.docker_ops import DockerLab
from lab.errors import LabError
from lab.state import LabState
from lab.topology import PRODUCTION_PAIR, SERVICES, SITES, WEB_SERVICES
from lab.worker import CeleryWorkers

# where apache/mount-storage.sh records the mode it chose, and why
STORAGE_STATE_FILE = "/run/sdlab/storage"


@dataclass(frozen=True)
class ServiceStatus:
    name: str
    health: str
    version: str = ""
    storage: str = ""
    worker: str = ""


@dataclass(frozen=True)
class LabStatus:
    live: str
    services: tuple[ServiceStatus, ...]
    # what the live container runs (None: it has no container)
    live_app: App | None = None

    def service(self, name: str) -> ServiceStatus:
        return next(service for service in self.services if service.name == name)

    @property
    def idle(self) -> str:
        return next(name for name in PRODUCTION_PAIR if name != self.live)


def storage_mode(lab: DockerLab, service: str) -> str:
    """'smbfuse (auto: ...)' as the container's mount-storage recorded it."""
    result = lab.exec(service, ["cat", STORAGE_STATE_FILE])
    if result.exit_code != 0:
        return "not mounted yet"
    fields = dict(line.split("=", 1) for line in result.output.splitlines() if "=" in line)
    return f"{fields.get('mode', '?')} ({fields.get('reason', 'no reason recorded')})"


def gather(lab: DockerLab, state: LabState) -> LabStatus:
    """Each container asked as the app it runs (lab.app.app_running) says."""
    healths = lab.healths(SERVICES)
    containers = lab.containers()
    apps = {name: app_running(containers[name].attrs["Config"]["Image"]) for name in WEB_SERVICES if name in containers}

    def web_status(name: str) -> ServiceStatus:
        worker = "answers" if CeleryWorkers(lab, apps[name]).answers(name) else "no answer"
        return ServiceStatus(name, healths[name], lab.image_version(name), storage_mode(lab, name), worker)

    running = [name for name in WEB_SERVICES if healths[name] not in ("missing", "exited", "created", "dead")]
    # a worker's ping takes a second or more: all at once
    with ThreadPoolExecutor(max_workers=len(WEB_SERVICES)) as pool:
        web = dict(zip(running, pool.map(web_status, running), strict=True))
    services = tuple(web.get(name) or ServiceStatus(name, healths[name]) for name in SERVICES)
    return LabStatus(live=state.live, services=services, live_app=apps.get(state.live))


def rebuilt_state(lab: DockerLab) -> LabState:
    """The lab's state as the running lab shows it (for a .lab/state.json that
    cannot be read): the live container is the one holding the live aliases,
    and a web container not on the working tree's web image was deployed."""
    holders = live_alias.holders(lab)
    containers = lab.containers()
    if not any(service in containers for service in PRODUCTION_PAIR):
        return LabState()  # no lab: nothing to remember yet
    if len(holders) != 1:
        raise LabError(f"the live aliases are on {', '.join(holders) or 'neither production container'}, so "
                       "which one is live cannot be told", hint="rm .lab/state.json, then make up (sd1a live)")
    deployed = {service: containers[service].attrs["Config"]["Image"] for service in WEB_SERVICES
                if service in containers}
    return LabState(live=holders[0], images={service: image for service, image in deployed.items()
                                              if image != images.WEB.ref()})


def render_urls(config: LabConfig, live: str, app: App) -> str:
    idle = next(name for name in PRODUCTION_PAIR if name != live)
    port = config.http_port

    def goes_to(target: str, what: str) -> str:
        return f"{what} (live {live}, idle {idle})" if target == "live" else f"{what} ({target})"

    def row(where: str, what: str) -> str:
        return f"  {where:<46}  {what}"

    lines = ["Open in a browser (*.localhost names resolve to this machine by themselves):"]
    lines += [row(f"http://{site.host}:{port}/", goes_to(site.target, site.what))
              for site in SITES if site.browsable]
    lines += ["", f"The same over TLS (HTTP/2) on port {config.https_port}, certificate from the lab CA "
                  "(`make tls`: how to trust it), e.g.",
              f"  https://spacedock.localhost:{config.https_port}/"]
    lines += ["", "Every other name goes through the same ports with its Host header, e.g.",
              f"  curl -H 'Host: spacedock.info' {config.http_base}/"]
    lines += [row(site.host, goes_to(site.target, site.what)) for site in SITES if not site.browsable]
    suffix = app.database_suffix
    lines += [
        "",
        "Behind the web containers (published for tools and tests):",
        row(f"//127.0.0.1:{config.smb_port}/backup|beta|alpha",
            f"storage box, SMB3 + encryption, user {config.get('SMB_USER')} (password in .env)"),
        row("", f"its link to the web containers: {storage_link.configured(config).describe()}"),
        row(f"postgresql://{config.get('DB_USER')}@127.0.0.1:{config.db_port}/spacedock{suffix}",
            f"database; also spacedock_beta{suffix}, spacedock_alpha{suffix} (password in .env)"),
    ]
    return "\n".join(lines)


def render(status: LabStatus) -> str:
    lines = [f"Production: live {status.live}, idle {status.idle}", ""]
    lines.append(f"  {'service':<12}{'health':<12}{'version':<20}{'celery worker':<15}storage")
    for service in status.services:
        role = " (live)" if service.name == status.live else " (idle)" if service.name == status.idle else ""
        lines.append(f"  {service.name + role:<12}{service.health:<12}{service.version:<20}{service.worker:<15}"
                     f"{service.storage}".rstrip())
    return "\n".join(lines)
