"""A client for the SpaceDock app behind ATS: log in, upload in 2 MiB chunks
the way SpaceDock's browser client does, replace and delete versions, read
mods and download counters. Tests and scenarios drive the app through it."""
from __future__ import annotations

import io
import random
import zipfile
from dataclasses import dataclass
from typing import Iterable, Sequence

import requests

from lab.config import LabConfig
from lab.errors import LabError
from lab.http import LabClient
from lab.tls import client as tls_client
from lab.topology import PRODUCTION_HOSTS

CHUNK_BYTES = 2 * 1024 * 1024


def make_zip(payload_bytes: int, seed: str) -> bytes:
    """A real zip with `payload_bytes` of incompressible, repeatable content."""
    rng = random.Random(seed)
    piece = 16 * 1024 * 1024  # randbytes() takes at most 2**31 bits at once
    payload = b"".join(rng.randbytes(min(piece, payload_bytes - start)) for start in range(0, payload_bytes, piece))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr("GameData/LabTest/lab-test.cfg", f"seed = {seed}\n")
        archive.writestr("GameData/LabTest/payload.bin", payload)
    return buffer.getvalue()


def chunk_fields(upload_id: str, index: int, total: int, offset: int, total_size: int) -> dict[str, str]:
    """The fields Dropzone sends with each chunk of an upload."""
    return {"dzuuid": upload_id, "dzchunkindex": str(index), "dztotalchunkcount": str(total),
            "dzchunkbyteoffset": str(offset), "dztotalfilesize": str(total_size)}


@dataclass(frozen=True)
class ChunkPlan:
    """Which chunks to send, in which order (a normal upload: all, in order)."""
    order: Sequence[int] | None = None

    def indexes(self, total: int) -> Iterable[int]:
        return range(total) if self.order is None else self.order


class StandInClient:
    def __init__(self, http: LabClient, host: str = "spacedock.info") -> None:
        self.http = http
        self.host = host

    # --- accounts ----------------------------------------------------------------

    def login(self, username: str, password: str) -> None:
        response = self.http.post("/login", host=self.host, data={"username": username, "password": password})
        if response.status_code != 302:
            raise LabError(f"logging in as {username} on {self.host} failed: {response.status_code}")

    # --- uploads -------------------------------------------------------------------

    def upload(self, url: str, fields: dict[str, str], data: bytes, *, chunk_bytes: int = CHUNK_BYTES,
               plan: ChunkPlan = ChunkPlan(), upload_id: str = "lab-upload",
               declared_size: int | None = None) -> requests.Response:
        """POST the chunks; returns the first refused answer, or the last one."""
        total = max(1, -(-len(data) // chunk_bytes))
        response = None
        for index in plan.indexes(total):
            offset = index * chunk_bytes
            form = {**fields, **chunk_fields(upload_id, index, total, offset,
                                             len(data) if declared_size is None else declared_size)}
            files = {"zipball": ("mod.zip", data[offset:offset + chunk_bytes], "application/zip")}
            response = self.http.post(url, host=self.host, data=form, files=files)
            if response.status_code not in (200, 201, 202):
                return response
        assert response is not None
        return response

    def create_mod(self, name: str, version: str, data: bytes, **options) -> requests.Response:
        return self.upload("/api/mod/create", {"name": name, "version": version,
                                               "short_description": "uploaded by an sdlab test"}, data, **options)

    def add_version(self, mod_id: int, version: str, data: bytes, **options) -> requests.Response:
        return self.upload(f"/api/mod/{mod_id}/update", {"version": version}, data, **options)

    def replace_version(self, mod_id: int, version_id: int, data: bytes, **options) -> requests.Response:
        return self.upload(f"/api/mod/{mod_id}/edit_version", {"version_id": str(version_id)}, data, **options)

    def delete_version(self, mod_id: int, version_id: int) -> requests.Response:
        return self.http.post(f"/mod/{mod_id}/version/{version_id}/delete", host=self.host)

    # --- reading -------------------------------------------------------------------

    def mod(self, mod_id: int) -> dict:
        response = self.http.get(f"/api/mod/{mod_id}", host=self.host)
        if response.status_code != 200:
            raise LabError(f"GET /api/mod/{mod_id} on {self.host}: {response.status_code} {response.text[:200]}")
        return response.json()

    def download_count(self, mod_id: int) -> int:
        return self.mod(mod_id)["downloads"]

    def version_downloads(self, mod_id: int, version: str) -> int:
        return next(v["downloads"] for v in self.mod(mod_id)["versions"] if v["friendly_version"] == version)


def logged_in(config: LabConfig, host: str, *, test_tag: str = "") -> StandInClient:
    """A client logged in as the demo user `user` on the site `host`, in a
    session of its own (each site has its own cookie). Production's cookie is
    Secure (its protocol is https), so production is asked over TLS."""
    if host in PRODUCTION_HOSTS:
        http = tls_client(config, test_tag=test_tag)
    else:
        http = LabClient(config.http_base, test_tag=test_tag)
    spacedock = StandInClient(http, host)
    spacedock.login("user", config.get("DEMO_PASSWORD"))
    return spacedock
