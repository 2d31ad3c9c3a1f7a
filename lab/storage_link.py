"""The link between the web containers and the storage box. Production's box
is remote; the lab's is on a local bridge, shaped on request: each direction
at most STORAGE_RATE_MBIT where it leaves a container (the box's side for
downloads, each web container's side for uploads), and the box's packets
delayed STORAGE_DELAY_MS (a delay needs the kernel's netem). STORAGE_PROFILE
names a preset for the settings left at 0. The containers shape their link at
start (samba/shape-link.sh, apache/shape-storage-link.sh); `shaped` does it
at run time, for scenarios and tests."""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator, Sequence

from lab.config import LabConfig
from lab.docker_ops import DockerLab
from lab.errors import LabError


@dataclass(frozen=True)
class Link:
    rate_mbit: int = 0
    delay_ms: int = 0

    def describe(self) -> str:
        if not self.rate_mbit and not self.delay_ms:
            return "as the bridge is (not shaped)"
        parts = [f"{self.rate_mbit} Mbit/s each way" if self.rate_mbit else "no rate limit"]
        if self.delay_ms:
            parts.append(f"{self.delay_ms} ms added to what the box sends")
        return ", ".join(parts)


PROFILES = {
    # SpaceDock #256 (2020-05-14): uncached downloads from production went at
    # 10-20 MB/s, cached ones (ATS) at 60-70: the storage box's link, 15 MB/s.
    "production": Link(rate_mbit=120),
}


def _whole_number(config: LabConfig, key: str) -> int:
    value = config.get(key) or "0"
    if not (value.isascii() and value.isdigit()):
        raise LabError(f"{key} must be a whole number, not '{value}'")
    return int(value)


def configured(config: LabConfig) -> Link:
    """The link the settings ask for: STORAGE_RATE_MBIT and STORAGE_DELAY_MS,
    with STORAGE_PROFILE's values for those left at 0."""
    name = config.get("STORAGE_PROFILE")
    if name and name not in PROFILES:
        raise LabError(f"STORAGE_PROFILE must be empty or one of {', '.join(PROFILES)}, not '{name}'")
    preset = PROFILES.get(name, Link())
    return Link(rate_mbit=_whole_number(config, "STORAGE_RATE_MBIT") or preset.rate_mbit,
                delay_ms=_whole_number(config, "STORAGE_DELAY_MS") or preset.delay_ms)


def compose_settings(config: LabConfig) -> dict[str, str]:
    """What the containers read at start (compose.yaml)."""
    link = configured(config)
    return {"STORAGE_RATE_MBIT": str(link.rate_mbit), "STORAGE_DELAY_MS": str(link.delay_ms)}


def shape(lab: DockerLab, link: Link, web_services: Sequence[str]) -> None:
    """Shape the running lab's link now: the box's side and each web container's."""
    commands = [("storagebox", ["shape-link", str(link.delay_ms), str(link.rate_mbit)])]
    commands += [(service, ["shape-storage-link", str(link.rate_mbit)]) for service in web_services]
    for service, command in commands:
        result = lab.exec(service, command)
        if result.exit_code != 0:
            raise LabError(f"could not shape {service}'s link to the storage box: {result.output.strip()}")


@contextmanager
def shaped(config: LabConfig, lab: DockerLab, link: Link, web_services: Sequence[str]) -> Iterator[None]:
    """The link shaped as `link` meanwhile, then as the settings say again."""
    shape(lab, link, web_services)
    try:
        yield
    finally:
        shape(lab, configured(config), web_services)
