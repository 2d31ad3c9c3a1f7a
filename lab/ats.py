"""Steering ATS from the side: its records through `traffic_ctl` (traffic_manager
runs in the container, so changes apply without a restart), PURGE from inside
the lab, and emptying the cache by bumping the cache generation."""
from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from urllib.parse import urlsplit

from lab.docker_ops import DockerLab
from lab.errors import LabError
from lab.http import LabClient
from lab.waiting import poll_until

CACHE_GENERATION = "proxy.config.http.cache.generation"
# traffic_ctl says a changed record reaches traffic_server within 10 s.
APPLY_TIMEOUT_S = 20


@dataclass(frozen=True)
class Target:
    host: str
    path: str


def parse_target(url: str, host: str | None = None) -> Target:
    """`http://spacedock.info/a?b` or `/a?b` with `host` (default spacedock.info)."""
    parts = urlsplit(url)
    if parts.scheme and parts.netloc:
        path = parts.path or "/"
        return Target(host or parts.netloc, path + (f"?{parts.query}" if parts.query else ""))
    if not url.startswith("/"):
        raise LabError(f"{url!r} is neither a URL nor a path starting with /")
    return Target(host or "spacedock.info", url)


# ATS's cache lookup outcomes (proxy.process.http.cache_hit_* and _miss_*);
# mem_fresh and rww are not listed: they count hits that `fresh` counts too
CACHE_HITS = ("fresh", "revalidated", "ims", "stale_served")
CACHE_MISSES = ("cold", "changed", "client_no_cache", "client_not_cacheable", "ims")


class TrafficServer:
    def __init__(self, lab: DockerLab) -> None:
        self.lab = lab

    def traffic_ctl(self, *args: str) -> str:
        result = self.lab.exec("ats", ["traffic_ctl", *args])
        if result.exit_code != 0:
            raise LabError(f"traffic_ctl {' '.join(args)} failed: {result.output.strip()}")
        return result.output

    def record(self, name: str) -> str:
        output = self.traffic_ctl("config", "get", name)
        return output.split(":", 1)[1].strip()

    def set_record(self, name: str, value: str) -> None:
        self.traffic_ctl("config", "set", name, value)

    def reload(self) -> None:
        """Re-read every config file (remap.config, records.config, ...)."""
        self.traffic_ctl("config", "reload")

    def purge(self, target: Target, method: str = "PURGE", from_service: str = "sd1a") -> int:
        """Send PURGE from a web container, i.e. from the lab's own network, as
        the app does; returns ATS's status (200 purged, 404 was not cached)."""
        command = (f"curl --silent --output /dev/null --write-out '%{{http_code}}' --max-time 10 "
                   f"--request {method} --header {shlex.quote('Host: ' + target.host)} "
                   f"{shlex.quote('http://ats' + target.path)}")
        result = self.lab.exec(from_service, ["bash", "-c", command])
        if not re.fullmatch(r"\d{3}", result.output.strip()):
            raise LabError(f"{method} {target.host}{target.path} from {from_service} failed: {result.output.strip()}")
        return int(result.output)

    def cache_lookups(self) -> tuple[int, int]:
        """ATS's counters of cache lookups so far: (hits, all lookups), a hit
        being a copy served fresh, revalidated, for an IMS or stale (traffic_ctl
        metric; ATS adds up its threads' counts about once a second)."""
        counters = {}
        for line in self.traffic_ctl("metric", "match", r"proxy\.process\.http\.cache_(hit|miss)_").splitlines():
            name, _, value = line.partition(" ")
            counters[name.rsplit(".", 1)[-1]] = int(float(value))
        hits = sum(counters.get(f"cache_hit_{kind}", 0) for kind in CACHE_HITS)
        return hits, hits + sum(counters.get(f"cache_miss_{kind}", 0) for kind in CACHE_MISSES)

    def purges_asked(self) -> list[str]:
        """The URLs ATS was asked to PURGE (access.log: the URL as the client named it)."""
        result = self.lab.exec("ats", ["grep", "-h", " PURGE ", "/var/log/trafficserver/access.log"])
        return [line.split(" PURGE ", 1)[1].split()[0] for line in result.output.splitlines() if " PURGE " in line]

    def clear_cache(self, client: LabClient) -> int:
        """Make every cached object unreachable at once by moving to a new
        cache generation (no restart); returns the new generation once ATS
        uses it."""
        current = int(self.record(CACHE_GENERATION))
        generation = max(current, 0) + 1
        result = self.lab.exec("ats", ["cache-generation", str(generation)])
        if result.exit_code != 0:
            raise LabError(f"cache-generation {generation} failed: {result.output.strip()}")
        poll_until(
            lambda: self.generation_in_use(client) == generation,
            timeout_s=APPLY_TIMEOUT_S, interval_s=0.5,
            awaited=f"ATS to use cache generation {generation}",
            last_state=lambda: f"generation in use {self.generation_in_use(client)}",
        )
        return generation

    @staticmethod
    def generation_in_use(client: LabClient) -> int | None:
        """What traffic_server itself uses now (xdebug's X-Cache-Generation)."""
        response = client.get("/healthz", headers={"X-Debug": "X-Cache-Generation"})
        value = response.headers.get("X-Cache-Generation")
        return int(value) if value is not None else None
