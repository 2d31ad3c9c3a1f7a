"""Only ATS, the storage box and the database are published, and only on 127.0.0.1."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from lab.config import LabConfig
from lab.docker_ops import DockerLab

LISTEN = "0A"  # TCP state code in /proc/net/tcp


def published(docker_lab: DockerLab) -> dict[str, list[tuple[str, str]]]:
    """service -> [(host address, host port)] of every published port."""
    result: dict[str, list[tuple[str, str]]] = {}
    for service, container in docker_lab.containers().items():
        for bindings in container.attrs["NetworkSettings"]["Ports"].values():
            for binding in bindings or []:
                result.setdefault(service, []).append((binding["HostIp"], binding["HostPort"]))
    return result


def listening_addresses(port: int) -> list[str]:
    """Local addresses of the host's listening TCP sockets on `port`."""
    addresses = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            address, hex_port = fields[1].split(":")
            if fields[3] == LISTEN and int(hex_port, 16) == port:
                addresses.append(address)
    return addresses


def test_only_ats_storagebox_and_db_publish_ports(docker_lab: DockerLab, config: LabConfig) -> None:
    ports = {service: sorted(port for _, port in bindings) for service, bindings in published(docker_lab).items()}

    assert ports == {
        "ats": sorted([str(config.http_port), str(config.https_port)]),
        "storagebox": [str(config.smb_port)],
        "db": [str(config.db_port)],
    }


def test_every_published_port_is_bound_to_loopback(docker_lab: DockerLab) -> None:
    addresses = {address for bindings in published(docker_lab).values() for address, _ in bindings}

    assert addresses == {"127.0.0.1"}


@pytest.mark.skipif(sys.platform != "linux", reason="reads the host's /proc/net/tcp")
@pytest.mark.parametrize("setting", ["HTTP_PORT", "HTTPS_PORT", "SMB_PORT", "DB_PORT"])
def test_host_listens_on_the_published_port_on_loopback_only(config: LabConfig, setting: str) -> None:
    addresses = listening_addresses(int(config.get(setting)))

    # 0100007F is 127.0.0.1 in /proc's little-endian hex
    assert addresses, f"nothing listens on {setting}={config.get(setting)}"
    assert set(addresses) == {"0100007F"}
