"""Steps several scenarios share: checked uploads, a mod whose zip ATS holds,
and what a user then downloads against what the storage box holds."""
from __future__ import annotations

from dataclasses import dataclass

import requests

from lab.errors import LabError
from lab.http import cache_result
from lab.scenarios.engine import Seen, Stage, short_sha
from lab.standin_client import StandInClient, make_zip
from lab.topology import DATABASES

ZIP_BYTES = 200_000
# the sites the plays use: beta runs production's switches and sends downloads
# by X-Sendfile; alpha caches pages (PAGE_CACHE_SECONDS)
BETA = "beta.spacedock.info"
ALPHA = "alpha.spacedock.info"
BETA_DATABASE = DATABASES[BETA]


def expect(response: requests.Response, status: int, what: str) -> requests.Response:
    """The response, if it has the status the step needs; else the play stops, saying why."""
    if response.status_code != status:
        raise LabError(f"{what}: expected {status}, got {response.status_code}: {response.text[:300]}")
    return response


def new_mod(spacedock: StandInClient, name: str, data: bytes) -> dict:
    """A new mod with version 1.0 of `data`; its API answer (id, version_id, storage_path)."""
    return expect(spacedock.create_mod(name, "1.0", data), 201, f"creating {name}").json()


@dataclass(frozen=True)
class CachedMod:
    spacedock: StandInClient
    mod: dict
    content: str  # the zip's /content/ path


def mod_with_cached_zip(stage: Stage, host: str, prefix: str) -> CachedMod:
    """A new mod with versions 1.0 (whose zip ATS then holds) and 2.0 (so
    that 1.0 may be deleted)."""
    spacedock = stage.author(host)
    data = make_zip(ZIP_BYTES, f"{stage.tag}-old")
    name = stage.name(prefix)
    mod = new_mod(spacedock, name, data)
    expect(spacedock.add_version(mod["id"], "2.0", make_zip(1000, stage.tag)), 201, f"adding 2.0 to {name}")
    stage.out(f"  {name} 1.0 published, sha256 {short_sha(data)}")
    content = f"/content/{mod['storage_path']}"
    stage.client.get(content, host=host)
    cached = stage.fetch(host, content, "downloaded again")
    if cache_result(cached) != "hit-fresh" or cached.content != data:
        raise LabError(f"ATS does not hold {content} for {host} ({cache_result(cached)}); the play cannot go on")
    return CachedMod(spacedock, mod, content)


def served_against_stored(stage: Stage, cached: CachedMod, host: str, share: str) -> Seen:
    """A user downloads the cached mod's 1.0 after it changed on the storage box:
    the symptom is ATS serving other bytes than the box holds."""
    served = stage.fetch(host, cached.content, "a user downloads 1.0")
    stored = stage.stored(share, cached.mod["storage_path"])
    stale = served.content != stored
    return Seen(stale, f"ATS served sha256 {short_sha(served.content)}, the storage box holds "
                       f"{short_sha(stored)}: {'the old zip' if stale else 'the new zip'}")
