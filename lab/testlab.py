"""A second lab beside the developer's, for a test run: the same compose.yaml
under another Compose project (<project>-<name>), with published ports and a
front subnet nothing on this machine uses, and a state folder of its own
(.lab/<name>/). Its settings are a file of overrides (.lab/<name>/lab.env);
every `lab` command and `make` target acts on it when LAB_ENV_FILE names that
file. Removing it removes everything of it, volumes included."""
from __future__ import annotations

import ipaddress
import os
import shutil
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from lab import config as lab_config
from lab import state as lab_state
from lab.compose import Compose
from lab.config import LAB_ENV_FILE, LabConfig
from lab.docker_ops import DockerLab, subnets_in_use
from lab.errors import LabError

# The second lab's ports are looked for from the developer's plus this.
# make test's lab
TEST_LAB = "test"
PORT_OFFSET = 1000
PORTS = ("HTTP_PORT", "HTTPS_PORT", "SMB_PORT", "DB_PORT")
# Front subnets are <FIRST_PREFIX>.0/24 and below: 172.31.250, 172.31.249, ...
FIRST_PREFIX = ipaddress.ip_network("172.31.250.0/24")


@dataclass(frozen=True)
class SecondLab:
    name: str
    config: LabConfig

    @property
    def env_file(self) -> str:
        """The value LAB_ENV_FILE takes for this lab (relative to the repository)."""
        return str(env_file_of(self.config.root, self.name).relative_to(self.config.root))

    def environment(self) -> dict[str, str]:
        """This process's environment, pointed at this lab."""
        return {**os.environ, LAB_ENV_FILE: self.env_file}

    def describe(self) -> str:
        config = self.config
        return "\n".join([
            f"lab: the {self.name} lab is Compose project {config.project}, beside any other lab:",
            f"  ATS          {config.http_base} (e.g. http://spacedock.localhost:{config.http_port}/)",
            f"  storage box  //127.0.0.1:{config.smb_port}/backup    database  127.0.0.1:{config.db_port}",
            f"  front subnet {config.get('FRONT_NETWORK_PREFIX')}.0/24    back subnet "
            f"{config.get('BACK_NETWORK_PREFIX')}.0/24    state  {config.state_dir}",
            f"  its commands: LAB_ENV_FILE={self.env_file} make status|logs|ps|...",
        ])


def env_file_of(root: Path, name: str) -> Path:
    return root / ".lab" / name / "lab.env"


def _open(base: LabConfig, name: str) -> SecondLab:
    environment = {**os.environ, LAB_ENV_FILE: str(env_file_of(base.root, name))}
    return SecondLab(name, lab_config.load(base.root, environment))


def load(base: LabConfig, name: str) -> SecondLab | None:
    """The second lab `name` if its settings file exists."""
    return _open(base, name) if env_file_of(base.root, name).exists() else None


SECOND_LAB_UNIT_RESTART_S = 10
SECOND_LAB_CACHE_DIR_SYNC_S = 20


def prepare(base: LabConfig, name: str) -> SecondLab:
    """Choose the settings of a new second lab and write them down."""
    path = env_file_of(base.root, name)
    path.parent.mkdir(parents=True, exist_ok=True)
    taken: set[int] = set()
    settings = {
        "COMPOSE_PROJECT_NAME": f"{base.project}-{name}",
        **{key: str(free_port(int(base.get(key)) + PORT_OFFSET, taken)) for key in PORTS},
        "FRONT_NETWORK_PREFIX": (front := free_prefix(avoid=[base.get("FRONT_NETWORK_PREFIX"),
                                                             base.get("BACK_NETWORK_PREFIX")])),
        "BACK_NETWORK_PREFIX": free_prefix(avoid=[base.get("FRONT_NETWORK_PREFIX"), base.get("BACK_NETWORK_PREFIX"),
                                                  front]),
        "LAB_STATE_DIR": str(path.parent.relative_to(base.root)),
        # a dead gunicorn instance or Celery worker is started again after 10 s,
        # not production's 60, so that tests do not wait minutes for it
        "UNIT_RESTART_SECONDS": str(SECOND_LAB_UNIT_RESTART_S),
        # ATS writes its cache directory every 20 s, not ATS's 60: the
        # ats-restart fault's copy is written down by the time it restarts ATS
        "ATS_CACHE_DIR_SYNC_SECONDS": str(SECOND_LAB_CACHE_DIR_SYNC_S),
    }
    path.write_text(f"# The {name} lab's settings, over .env (written by lab.testlab; removed with the lab).\n"
                    + "".join(f"{key}={value}\n" for key, value in settings.items()))
    return _open(base, name)


def remove(base: LabConfig, name: str) -> bool:
    """Remove the second lab `name`: its containers, networks, volumes and
    state, even if its settings file is gone (a run killed half-way on a
    machine whose checkout is new). Returns whether there was anything."""
    second = load(base, name)
    config = second.config if second else LabConfig(base.root, {**base.settings,
                                                                 "COMPOSE_PROJECT_NAME": f"{base.project}-{name}"})
    existed = second is not None or bool(DockerLab(config.project).containers())
    Compose(config, lab_state.LabState()).run("down", "--volumes", "--remove-orphans", capture=True)
    shutil.rmtree(env_file_of(base.root, name).parent, ignore_errors=True)
    return existed


def free_port(start: int, taken: set[int]) -> int:
    """The first port from `start` that nothing listens on at 127.0.0.1."""
    for port in range(start, start + 200):
        if port in taken:
            continue
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        taken.add(port)
        return port
    raise LabError(f"no free port on 127.0.0.1 between {start} and {start + 199}")


def host_routes() -> list[ipaddress.IPv4Network]:
    """The IPv4 networks this machine routes to (besides the default route)."""
    result = subprocess.run(["ip", "-4", "route", "show"], capture_output=True, text=True, check=False)
    routes = []
    for line in result.stdout.splitlines():
        destination = line.split()[0] if line.strip() else "default"
        if destination != "default":
            routes.append(ipaddress.ip_network(destination, strict=False))
    return routes


def free_prefix(avoid: Sequence[str]) -> str:
    """A.B.C of a /24 that no Docker network, no route of this machine and none
    of the prefixes in `avoid` overlaps."""
    used = [*subnets_in_use(), *host_routes(), *(ipaddress.ip_network(f"{prefix}.0/24") for prefix in avoid)]
    candidate = FIRST_PREFIX
    for _ in range(200):
        if not any(candidate.overlaps(network) for network in used):
            return str(candidate.network_address).rsplit(".", 1)[0]
        candidate = ipaddress.ip_network((int(candidate.network_address) - 256, 24))
    raise LabError("no free /24 below 172.31.250.0 for the second lab's front network")
