"""Which production container answers for sd-prod-live.52k and sd1.52k.

The aliases live on the `front` network only (never in compose.yaml, see its
header). Whoever holds them is the one ATS sends spacedock.info to.
"""
from __future__ import annotations

from lab.docker_ops import DockerLab
from lab.errors import StackNotRunning
from lab.interrupts import ctrl_c_held
from lab.topology import FRONT_NETWORK, LIVE_ALIASES, PRODUCTION_PAIR


def holders(lab: DockerLab) -> list[str]:
    """The production containers that currently hold the live aliases (one
    that has no container holds nothing)."""
    def holds(service: str) -> bool:
        try:
            return set(LIVE_ALIASES) <= set(lab.aliases(service, FRONT_NETWORK))
        except StackNotRunning:
            return False
    return [service for service in PRODUCTION_PAIR if holds(service)]


def grant(lab: DockerLab, service: str) -> None:
    """Add the live aliases to `service`, keeping its other aliases."""
    current = lab.aliases(service, FRONT_NETWORK)
    if set(LIVE_ALIASES) <= set(current):
        return
    lab.set_aliases(service, FRONT_NETWORK, [*current, *LIVE_ALIASES])


def revoke(lab: DockerLab, service: str) -> None:
    """Take the live aliases away from `service`, keeping its other aliases."""
    current = lab.aliases(service, FRONT_NETWORK)
    if not set(LIVE_ALIASES) & set(current):
        return
    lab.set_aliases(service, FRONT_NETWORK, [alias for alias in current if alias not in LIVE_ALIASES])


def settle(lab: DockerLab, live: str) -> None:
    """Make `live` the only holder (after `up`, where nobody holds them yet):
    granted first, so that production has a holder at every moment, and with
    Ctrl-C held, so that it ends with one."""
    with ctrl_c_held(lambda line: None, "the live aliases have one holder"):
        grant(lab, live)
        for service in PRODUCTION_PAIR:
            if service != live:
                revoke(lab, service)
