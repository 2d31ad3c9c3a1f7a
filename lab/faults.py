"""Faults the lab injects into its own containers for scenarios and tests."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Callable, Iterator

from lab.docker_ops import DockerLab
from lab.errors import LabError
from lab.interrupts import ctrl_c_held


def interface_on(lab: DockerLab, service: str, network: str) -> str:
    """The name of `service`'s interface on `network` (eth0, eth1, ...)."""
    address = lab.ip_address(service, network)
    listing = lab.exec(service, ["ip", "-o", "-4", "addr", "show"]).output
    for line in listing.splitlines():
        fields = line.split()
        if fields[3].split("/")[0] == address:
            return fields[1]
    raise LabError(f"{service} has no interface with its {network} address {address}")


@contextmanager
def throttled(lab: DockerLab, service: str, network: str, rate: str) -> Iterator[None]:
    """Limit what `service` sends on `network` to `rate` (tc tbf, e.g. "40mbit"),
    like a slow link; lifted afterwards (or when the interface is re-created)."""
    device = interface_on(lab, service, network)
    add = lab.exec(service, ["tc", "qdisc", "add", "dev", device, "root", "tbf", "rate", rate,
                             "burst", "64kb", "latency", "500ms"])
    if add.exit_code != 0:
        raise LabError(f"could not throttle {service} on {network}: {add.output.strip()}")
    try:
        yield
    finally:
        lab.exec(service, ["tc", "qdisc", "del", "dev", device, "root"])


@contextmanager
def paused(lab: DockerLab, service: str, out: Callable[[str], None] = print) -> Iterator[None]:
    """`service` frozen (docker pause): its peers' requests hang rather than
    fail, as with a storage box that stops answering; thawed afterwards, with
    Ctrl-C held meanwhile (a second Ctrl-C would leave it frozen)."""
    lab.pause(service)
    try:
        yield
    finally:
        with ctrl_c_held(out, f"{service} is thawed"):
            lab.unpause(service)
