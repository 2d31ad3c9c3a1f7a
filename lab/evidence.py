"""Saves what a failed run leaves behind, so it can be read after the lab is gone:
`compose ps`, every service's log and health, every running container's
processes, the network aliases, and ATS's own log folder, in
artifacts/<time>-<reason>/."""
from __future__ import annotations

import io
import json
import re
import tarfile
from datetime import datetime, timezone
from pathlib import Path

from lab.compose import Compose
from lab.config import LabConfig
from lab.docker_ops import DockerLab
from lab.errors import LabError
from lab.topology import FRONT_NETWORK

ATS_LOG_DIR = "/var/log/trafficserver"


def collect(config: LabConfig, compose: Compose, lab: DockerLab, reason: str) -> Path:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    folder = config.artifacts_dir / f"{stamp}-{re.sub(r'[^A-Za-z0-9_.-]+', '-', reason)[:60]}"
    (folder / "logs").mkdir(parents=True, exist_ok=True)

    (folder / "compose-ps.txt").write_text(compose.ps_text())
    containers = lab.containers()
    health = {}
    for service, container in sorted(containers.items()):
        (folder / "logs" / f"{service}.log").write_text(lab.logs(service))
        if container.status == "running":
            try:
                processes = lab.processes(service)
            except LabError as error:
                processes = f"{error}\n"
            (folder / "processes").mkdir(exist_ok=True)
            (folder / "processes" / f"{service}.txt").write_text(processes)
        health[service] = {
            "status": container.attrs["State"]["Status"],
            "health": container.attrs["State"].get("Health", {}),
            "image": container.attrs["Config"]["Image"],
            "networks": container.attrs["NetworkSettings"]["Networks"],
        }
    (folder / "containers.json").write_text(json.dumps(health, indent=2, default=str))
    try:
        aliases = {service: lab.aliases(service, FRONT_NETWORK) for service in containers
                   if service.startswith("sd")}
        (folder / "front-aliases.json").write_text(json.dumps(aliases, indent=2))
    except LabError as error:
        (folder / "front-aliases.json").write_text(json.dumps({"error": str(error)}))
    if "ats" in containers:
        _extract(lab.copy_out("ats", ATS_LOG_DIR), folder / "ats")
    return folder


def _extract(stream, destination: Path) -> None:
    data = io.BytesIO(b"".join(stream))
    with tarfile.open(fileobj=data) as archive:
        members = [member for member in archive.getmembers() if member.isfile() or member.isdir()]
        archive.extractall(destination, members=members, filter="data")
