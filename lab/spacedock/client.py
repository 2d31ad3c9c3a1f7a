"""A client for the real SpaceDock behind ATS (APP=spacedock), through
SpaceDock's own API and forms: log in, create a mod, publish it, add, replace
and delete versions, read a mod. Over TLS: under gunicorn SpaceDock marks its
session cookie Secure, so a login over plain HTTP through a host name is
dropped by the client (as by a browser)."""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Sequence

import requests
from urllib3 import encode_multipart_formdata

from lab.config import LabConfig
from lab.errors import LabError
from lab.http import LabClient, PacedBody
from lab.standin_client import CHUNK_BYTES, make_zip
from lab.tls import client as tls_client

Output = Callable[[str], None]

# what SpaceDock's `database populate` makes: game 1 and its version 1.0
GAME_ID = "1"
GAME_VERSION = "1.0"
SHORT_DESCRIPTION = "an sdlab test mod"
DESCRIPTION = "Uploaded by an sdlab test through SpaceDock's own API."
# SpaceDock counts no download from a bot; python-requests' own agent may be taken for one
BROWSER = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"}
# An upload through the API is accepted with 202 today, with 200 in 2020.
ACCEPTED = (200, 202)


# the demo user the lab's clients log in as (SpaceDock's user id 2 in every
# lab database): its mods' files are under user_2/ on the share
DEMO_USER_FOLDER = "user_2"


@dataclass(frozen=True)
class Mod:
    id: int
    name: str

    def zip_path(self, version: str) -> str:
        """Where SpaceDock stores the version's zip, relative to the share (and to /content/)."""
        return f"{DEMO_USER_FOLDER}/{self.name}/{self.name}-{version}.zip"

    def download_route(self, version: str) -> str:
        return f"/mod/{self.id}/{self.name}/download/{version}"


def dropzone_chunks(zipball: bytes, chunk_bytes: int) -> list[tuple[dict[str, str], bytes]]:
    """The zip in pieces of `chunk_bytes`, each with the fields SpaceDock's Dropzone sends beside it."""
    offsets = range(0, len(zipball), chunk_bytes)
    return [({"dzchunkindex": str(index), "dztotalchunkcount": str(len(offsets)), "dzchunkbyteoffset": str(offset)},
             zipball[offset:offset + chunk_bytes]) for index, offset in enumerate(offsets)]


class RealSpaceDockClient:
    def __init__(self, http: LabClient, host: str) -> None:
        self.http = http
        self.host = host

    def _expect(self, response: requests.Response, status: int | tuple[int, ...], what: str) -> requests.Response:
        wanted = status if isinstance(status, tuple) else (status,)
        if response.status_code not in wanted:
            raise LabError(f"{what} on {self.host}: {response.status_code} "
                           f"(not {' or '.join(map(str, wanted))}): {response.text[:300]}")
        return response

    def login(self, username: str, password: str) -> None:
        response = self.http.post("/api/login", host=self.host, data={"username": username, "password": password})
        self._expect(response, 200, f"logging in as {username}")
        if response.json().get("error") is not False or "session" not in self.http.session.cookies:
            raise LabError(f"logging in as {username} on {self.host} gave no session: {response.text[:200]}")

    def create_mod(self, name: str, version: str, zipball: bytes, chunk_bytes: int = 0) -> Mod:
        """POST /api/mod/create, in one request, or in chunks of `chunk_bytes`
        with the fields SpaceDock's Dropzone adds (it sends 2 MiB chunks, one
        after another); the mod is unpublished until `publish`."""
        if not zipball or chunk_bytes < 0:
            raise LabError(f"creating {name}: a zip of {len(zipball)} bytes in chunks of {chunk_bytes} is no upload")
        fields = {"name": name, "short-description": SHORT_DESCRIPTION, "version": version,
                  "game-id": GAME_ID, "game-version": GAME_VERSION, "license": "MIT"}
        chunks = dropzone_chunks(zipball, chunk_bytes) if chunk_bytes else [({}, zipball)]
        for index, (chunk, piece) in enumerate(chunks):
            response = self._expect(
                self.http.post("/api/mod/create", host=self.host, data={**fields, **chunk},
                               files={"zipball": ("mod.zip", piece, "application/zip")}),
                ACCEPTED, f"creating {name} (chunk {index + 1} of {len(chunks)})")
        return Mod(response.json()["id"], name)

    def create_published(self, name: str, version: str, zipball: bytes) -> Mod:
        """A new mod with one version, published."""
        mod = self.create_mod(name, version, zipball)
        self.publish(mod)
        return mod

    def publish(self, mod: Mod) -> None:
        """The edit form with publish=on; SpaceDock refuses its default description."""
        fields = {"name": mod.name, "short-description": SHORT_DESCRIPTION, "license": "MIT",
                  "description": DESCRIPTION, "publish": "on"}
        self._expect(self.http.post(f"/mod/{mod.id}/{mod.name}/edit", host=self.host, data=fields), 302,
                     f"publishing {mod.name}")

    def _update(self, mod: Mod, version: str, piece: bytes, chunk: dict[str, str], what: str,
                bytes_per_s: float = 0) -> requests.Response:
        """POST /api/mod/<id>/update: a new version's zip, or one Dropzone chunk
        of it; with `bytes_per_s`, sent no faster, as from an uploader's link of
        that rate."""
        fields = {"version": version, "game-version": GAME_VERSION, "changelog": "sdlab", **chunk}
        zipball = ("mod.zip", piece, "application/zip")
        sent: dict[str, Any]
        if bytes_per_s:
            body, content_type = encode_multipart_formdata({**fields, "zipball": zipball})
            sent = {"data": PacedBody(body, bytes_per_s), "headers": {"Content-Type": content_type}}
        else:
            sent = {"data": fields, "files": {"zipball": zipball}}
        return self._expect(self.http.post(f"/api/mod/{mod.id}/update", host=self.host, **sent),
                            ACCEPTED, f"adding {version} to {mod.name}{what}")

    def add_version(self, mod: Mod, version: str, zipball: bytes) -> int:
        """POST /api/mod/<id>/update; the new version becomes the default. Its id."""
        return self._update(mod, version, zipball, {}, "").json()["id"]

    def send_version_chunks(self, mod: Mod, version: str, zipball: bytes, indices: Iterable[int] | None = None,
                            bytes_per_s: float = 0) -> list[float]:
        """A new version's Dropzone chunks (CHUNK_BYTES each; with `indices`,
        only those) to POST /api/mod/<id>/update, one after another as Dropzone
        sends them (parallelChunkUploads: false): SpaceDock appends each to the
        zip's final path, and makes the version with the last. With
        `bytes_per_s`, each is sent no faster, as from an uploader's link of
        that rate. The seconds each chunk took, from its first byte to
        SpaceDock's answer."""
        chunks = dropzone_chunks(zipball, CHUNK_BYTES)
        took: list[float] = []
        for index in range(len(chunks)) if indices is None else indices:
            chunk, piece = chunks[index]
            started = time.monotonic()
            self._update(mod, version, piece, chunk, f" (chunk {index + 1} of {len(chunks)})", bytes_per_s)
            took.append(time.monotonic() - started)
        return took

    def replace_zip(self, mod: Mod, version_id: int, zipball: bytes) -> requests.Response:
        """POST /api/mod/<id>/edit_version in one chunk, as its Dropzone sends it (PR #428)."""
        fields = {"version-id": str(version_id), "changelog": "replaced by sdlab",
                  "dztotalchunkcount": "1", "dzchunkindex": "0"}
        return self.http.post(f"/api/mod/{mod.id}/edit_version", host=self.host, data=fields,
                              files={"zipball": ("mod.zip", zipball, "application/zip")})

    def delete_version(self, mod: Mod, version_id: int) -> requests.Response:
        """The mod page's delete button: POST /mod/<id>/version/<version id>/delete."""
        return self.http.post(f"/mod/{mod.id}/version/{version_id}/delete", host=self.host,
                              headers={"Accept": "application/json"})

    def mod(self, mod: Mod) -> dict:
        return self._expect(self.http.get(f"/api/mod/{mod.id}", host=self.host), 200, f"reading {mod.name}").json()

    def published_mods(self, username: str) -> list[str]:
        """The names of the mods `username` has published (GET /api/user/<name>)."""
        listed = self._expect(self.http.get(f"/api/user/{username}", host=self.host), 200, f"listing {username}'s mods")
        return [mod["name"] for mod in listed.json()["mods"]]

    def version_id(self, mod: Mod, version: str) -> int:
        return next(v["id"] for v in self.mod(mod)["versions"] if v["friendly_version"] == version)


DEMO_MODS = {"DemoEngines": ("1.0", "1.1"), "DemoPartsPack": ("0.9", "1.0", "1.2")}
DEMO_ZIP_BYTES = 256 * 1024


def seed_demo_mods(config: LabConfig, hosts: Sequence[str], out: Output) -> None:
    """Published demo mods on each site, uploaded by `user` through SpaceDock's
    API, version by version; a mod the site already lists is left alone."""
    for host in hosts:
        client = logged_in(config, host)
        have = client.published_mods("user")
        for name, versions in DEMO_MODS.items():
            if name in have:
                continue
            mod = client.create_mod(name, versions[0], make_zip(DEMO_ZIP_BYTES, f"{name}-{versions[0]}"))
            for version in versions[1:]:
                client.add_version(mod, version, make_zip(DEMO_ZIP_BYTES, f"{name}-{version}"))
            client.publish(mod)
            out(f"lab: {host}: demo mod {name} ({', '.join(versions)}) uploaded through SpaceDock's API")


def logged_in(config: LabConfig, host: str, *, test_tag: str = "") -> RealSpaceDockClient:
    """A client of `host` over ATS's TLS port, logged in as the demo user `user`."""
    http = tls_client(config, test_tag=test_tag)
    client = RealSpaceDockClient(http, host)
    client.login("user", config.get("DEMO_PASSWORD"))
    return client
