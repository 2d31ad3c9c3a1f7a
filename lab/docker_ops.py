"""The Docker API, as the lab needs it: find the lab's containers and networks
by their Compose labels (names differ between Compose v1 and v2), read health,
run commands inside, and move network aliases.

Every docker SDK exception is turned into a LabError here.
"""
from __future__ import annotations

import ipaddress
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

import docker
import requests
from docker.errors import APIError, DockerException, NotFound
from docker.models.containers import Container
from docker.models.networks import Network

from lab.errors import LabError, StackNotRunning
from lab.waiting import poll_until

PROJECT_LABEL = "com.docker.compose.project"
SERVICE_LABEL = "com.docker.compose.service"
NETWORK_LABEL = "com.docker.compose.network"


def subnets_in_use(client: docker.DockerClient | None = None) -> list[ipaddress.IPv4Network]:
    """Every IPv4 subnet of every Docker network on this engine, the lab's or not."""
    def listing() -> list[Network]:
        return (client or docker.from_env(timeout=60)).networks.list()

    subnets = []
    for network in DockerLab._call("list the engine's networks", listing):
        for pool in (network.attrs.get("IPAM") or {}).get("Config") or []:
            subnet = ipaddress.ip_network(pool["Subnet"], strict=False) if pool.get("Subnet") else None
            if isinstance(subnet, ipaddress.IPv4Network):  # not IPv6
                subnets.append(subnet)
    return subnets


@dataclass(frozen=True)
class ExecResult:
    exit_code: int
    output: str


# where a container reads its memory cgroup's OOM kill counter: v2, v1
CGROUP_OOM_FILES = ("/sys/fs/cgroup/memory.events", "/sys/fs/cgroup/memory/memory.oom_control")


def oom_kill_count(counters: str) -> int | None:
    """The `oom_kill N` line of a memory cgroup's counters (memory.events or
    memory.oom_control), or None if there is none."""
    for line in counters.splitlines():
        fields = line.split()
        if len(fields) == 2 and fields[0] == "oom_kill" and fields[1].isdigit():
            return int(fields[1])
    return None


class DockerLab:
    """The containers, networks and volumes of one Compose project."""

    def __init__(self, project: str, client: docker.DockerClient | None = None) -> None:
        self.project = project
        try:
            self.client = client or docker.from_env(timeout=60)
            self.client.ping()
        except DockerException as error:
            raise LabError(f"the Docker engine does not answer: {error}", hint="start Docker") from error

    # --- finding things -------------------------------------------------------

    def containers(self) -> dict[str, Container]:
        """service name -> container, running or not."""
        found = self._call(
            "list containers",
            lambda: self.client.containers.list(all=True, filters={"label": f"{PROJECT_LABEL}={self.project}"}),
        )
        return {container.labels[SERVICE_LABEL]: container for container in found}

    def container(self, service: str) -> Container:
        container = self.containers().get(service)
        if container is None:
            raise StackNotRunning(f"service {service} has no container in project {self.project}")
        return container

    def networks(self) -> list[Network]:
        return self._call(
            "list networks",
            lambda: self.client.networks.list(filters={"label": f"{PROJECT_LABEL}={self.project}"}),
        )

    def network(self, name: str) -> Network:
        for network in self.networks():
            if network.attrs.get("Labels", {}).get(NETWORK_LABEL) == name:
                return network
        raise StackNotRunning(f"network {name} of project {self.project} does not exist")

    # --- state ------------------------------------------------------------------

    def healths(self, services: Sequence[str]) -> dict[str, str]:
        """service -> healthy | unhealthy | starting | exited | missing (no container)."""
        containers = self.containers()
        result = {}
        for service in services:
            container = containers.get(service)
            if container is None:
                result[service] = "missing"
            elif container.attrs["State"]["Status"] != "running":
                result[service] = container.attrs["State"]["Status"]
            else:
                result[service] = container.attrs["State"].get("Health", {}).get("Status", "running")
        return result

    def restart_counts(self, services: Sequence[str]) -> dict[str, int]:
        """How often Docker has started each container again (its restart policy)."""
        containers = self.containers()
        return {service: containers[service].attrs.get("RestartCount", 0) if service in containers else 0
                for service in services}

    def start_period_s(self, service: str) -> float:
        """How long the service's healthcheck gives it to become healthy after a start."""
        healthcheck = self.container(service).attrs["Config"].get("Healthcheck") or {}
        return healthcheck.get("StartPeriod", 0) / 1e9

    def last_health_output(self, service: str) -> str:
        container = self.containers().get(service)
        if container is None:
            return "no container"
        log = container.attrs["State"].get("Health", {}).get("Log") or []
        return log[-1]["Output"].strip() if log else "no healthcheck has run yet"

    def run_healthcheck(self, service: str) -> ExecResult:
        """The service's healthcheck command run now, inside it, rather than
        awaited at Docker's next interval."""
        healthcheck = self.container(service).attrs["Config"].get("Healthcheck") or {}
        test = healthcheck.get("Test") or []
        if not test or test[0] not in ("CMD", "CMD-SHELL"):
            raise LabError(f"{service} has no healthcheck command")
        command = test[1:] if test[0] == "CMD" else ["/bin/sh", "-c", test[1]]
        # within the time Docker gives it (30 s unless the service says)
        return self.exec(service, ["timeout", f"{healthcheck.get('Timeout', 30 * 10**9) / 1e9:g}", *command])

    def image_version(self, service: str) -> str:
        """The app version baked into a web container's image (its label)."""
        container = self.container(service)
        labels = container.image.labels or {}
        return labels.get("org.opencontainers.image.version", "unknown")

    # --- acting inside ------------------------------------------------------------

    def exec(self, service: str, command: Sequence[str], *, user: str = "", workdir: str | None = None) -> ExecResult:
        container = self.container(service)
        result = self._call(
            f"run {command[0]} in {service}",
            lambda: container.exec_run(list(command), user=user, workdir=workdir, demux=False),
        )
        return ExecResult(result.exit_code, (result.output or b"").decode(errors="replace"))

    def oom_kills(self, service: str) -> int:
        """How many processes the kernel's OOM killer has killed in the service's
        container (its memory cgroup, v2 or v1), since the container started. A
        reading may itself be killed in a container short of memory: tried again."""
        def reading() -> tuple[int] | None:  # a tuple: a count of 0 is a reading too
            count = oom_kill_count(self.exec(service, ["cat", *CGROUP_OOM_FILES]).output)  # one of them exists
            return None if count is None else (count,)
        return poll_until(reading, timeout_s=10, awaited=f"a reading of {service}'s OOM kills")[0]

    def command_line(self, service: str, pattern: str) -> str:
        """The pid and command line of the oldest process in the service's
        container whose full command line matches `pattern` (a master, not a worker)."""
        return self.exec(service, ["pgrep", "--oldest", "--full", "--list-full", "--", pattern]).output.strip()

    def processes(self, service: str) -> str:
        """The container's processes as the host's `ps` lists them, with each one's
        state and what it waits in (a process stuck on a network filesystem: D)."""
        container = self.container(service)
        top = self._call(f"list the processes of {service}",
                         lambda: container.top(ps_args="-o pid,ppid,stat,etime,wchan:24,args"))
        return "\n".join(" ".join(row) for row in [top["Titles"], *top["Processes"]]) + "\n"

    def logs(self, service: str, *, tail: int | str = "all", since: datetime | None = None) -> str:
        container = self.container(service)
        output = self._call(f"read the logs of {service}",
                            lambda: container.logs(timestamps=True, tail=tail, since=since))
        return output.decode(errors="replace")

    def copy_out(self, service: str, path: str) -> Iterator[bytes]:
        """A tar stream of `path` inside the service's container."""
        container = self.container(service)
        stream, _ = self._call(f"copy {path} out of {service}", lambda: container.get_archive(path))
        return stream

    def _on_host_network(self, image: str, volumes: dict[Path, tuple[str, str]], **options: Any) -> Container:
        """A container of `image` started on the host's network, detached.
        volumes: host folder -> (path inside, "ro" or "rw")."""
        return self._call(f"start a container of {image}", lambda: self.client.containers.run(
            image, detach=True, network_mode="host",
            volumes={str(host): {"bind": inside, "mode": mode} for host, (inside, mode) in volumes.items()},
            **options))

    def run_to_end(self, image: str, *, volumes: dict[Path, tuple[str, str]], environment: dict[str, str],
                   out: Callable[[str], None]) -> int:
        """Run a one-off container of `image` on the host's network until it
        exits, passing its output to `out` line by line; returns its exit
        status. volumes: host folder -> (path inside, "ro" or "rw"). The
        container is removed afterwards."""
        container = self._on_host_network(image, volumes, shm_size="1g", environment=environment)
        try:
            pending = b""
            for piece in container.logs(stream=True, follow=True):
                *lines, pending = (pending + piece).split(b"\n")
                for line in lines:
                    out(line.decode(errors="replace"))
            if pending:
                out(pending.decode(errors="replace"))
            return int(self._call(f"wait for the container of {image}", container.wait)["StatusCode"])
        finally:
            self._call(f"remove the container of {image}", lambda: container.remove(force=True))

    def engine_version(self) -> str:
        return str(self._call("ask the engine its version", self.client.version).get("Version", "?"))

    def image_refs(self, repositories: Sequence[str]) -> list[str]:
        """Every local image's name:tag whose name is one of `repositories`."""
        try:
            tags = [tag for image in self.client.images.list() for tag in image.tags]
        except (APIError, DockerException) as error:
            raise LabError(f"could not list the images: {error}") from error
        return sorted(tag for tag in tags if tag.rsplit(":", 1)[0] in repositories)

    def remove_images(self, refs: Sequence[str], *, force: bool = True) -> list[str]:
        """Remove images (those present), so that the next build starts cold.
        Without `force`, an image a container uses is kept: returns those kept."""
        kept = []
        for ref in refs:
            try:
                self.client.images.remove(ref, force=force)
            except NotFound:
                continue
            except APIError as error:
                if force or error.status_code != 409:
                    raise LabError(f"could not remove the image {ref}: {error}") from error
                kept.append(ref)
            except DockerException as error:
                raise LabError(f"could not remove the image {ref}: {error}") from error
        return kept

    @contextmanager
    def tool(self, image: str, *, volumes: dict[Path, tuple[str, str]]) -> Iterator[Callable[[str], ExecResult]]:
        """A container of `image` (whose entrypoint keeps it running) on the
        host's network, for shell commands run in it one after another: yields
        run(script) -> ExecResult (sh -c, stdout and stderr together). Removed
        afterwards."""
        container = self._on_host_network(image, volumes)

        def run(script: str) -> ExecResult:
            result = self._call(f"run a command in the container of {image}",
                                lambda: container.exec_run(["sh", "-c", script], demux=False))
            return ExecResult(result.exit_code, (result.output or b"").decode(errors="replace"))

        try:
            yield run
        finally:
            self._call(f"remove the container of {image}", lambda: container.remove(force=True))

    # --- faults ----------------------------------------------------------------------

    def stop(self, service: str, timeout_s: int = 10) -> None:
        """Stop a container (its peers fail fast: connections are refused)."""
        container = self.container(service)
        self._call(f"stop {service}", lambda: container.stop(timeout=timeout_s))

    def kill(self, service: str) -> None:
        """SIGKILL the container's processes, as an OOM kill or a dying engine would."""
        container = self.container(service)
        self._call(f"kill {service}", lambda: container.kill(signal="SIGKILL"))

    def start(self, service: str) -> None:
        container = self.container(service)
        self._call(f"start {service}", container.start)

    def restart(self, service: str, timeout_s: int = 10) -> None:
        container = self.container(service)
        self._call(f"restart {service}", lambda: container.restart(timeout=timeout_s))

    def pause(self, service: str) -> None:
        """Freeze a container's processes (its peers hang: nothing answers)."""
        container = self.container(service)
        self._call(f"pause {service}", container.pause)

    def unpause(self, service: str) -> None:
        container = self.container(service)
        self._call(f"unpause {service}", container.unpause)

    # --- network aliases ---------------------------------------------------------

    def aliases(self, service: str, network: str) -> list[str]:
        """The container's aliases on `network`; none if it is not attached."""
        container = self.container(service)
        self._call(f"read the networks of {service}", container.reload)
        endpoint = container.attrs["NetworkSettings"]["Networks"].get(self.network(network).name) or {}
        return [alias for alias in endpoint.get("Aliases") or [] if alias != container.id[:12]]

    def ip_address(self, service: str, network: str) -> str:
        container = self.container(service)
        self._call(f"read the networks of {service}", container.reload)
        return self._endpoint(container, self.network(network).name)["IPAddress"]

    def disconnect(self, service: str, network: str) -> None:
        """Take a container off a network: its names there stop resolving."""
        container = self.container(service)
        net = self.network(network)
        self._call(f"disconnect {service} from {network}", lambda: net.disconnect(container))

    def connect(self, service: str, network: str, aliases: Sequence[str], address: str) -> None:
        container = self.container(service)
        net = self.network(network)
        self._call(
            f"connect {service} to {network} as {address}",
            lambda: net.connect(container, aliases=list(aliases), ipv4_address=address),
        )

    def set_aliases(self, service: str, network: str, aliases: Sequence[str]) -> None:
        """Give a container exactly these aliases on `network`.

        Docker cannot change the aliases of a connected endpoint, so this
        disconnects and reconnects the container, keeping its IP address (and
        so its MAC address): the endpoint is gone for a few milliseconds, and
        established TCP connections to it survive, the kernel retransmits.
        """
        address = self.ip_address(service, network)
        before = self.aliases(service, network)
        self.disconnect(service, network)
        try:
            self.connect(service, network, aliases, address)
        except LabError as error:
            # never leave it off the network: back with the aliases it had
            try:
                self.connect(service, network, before, address)
            except LabError as again:
                raise LabError(f"{error}; reconnecting {service} with its old aliases failed too ({again}): "
                               f"it is off the {network} network", hint="make up") from again
            raise LabError(f"{error}; {service} is back on {network} with its old aliases") from error

    @staticmethod
    def _endpoint(container: Container, network_name: str) -> dict:
        endpoint = container.attrs["NetworkSettings"]["Networks"].get(network_name)
        if endpoint is None:
            raise StackNotRunning(f"{container.name} is not on the {network_name} network")
        return endpoint

    @staticmethod
    def _call(what: str, action):
        try:
            return action()
        except NotFound as error:
            raise StackNotRunning(f"could not {what}: {error.explanation or error}") from error
        except (APIError, DockerException, requests.RequestException) as error:
            raise LabError(f"could not {what}: {error}") from error
