"""Properties of uploads, found by Hypothesis: random mod names and versions
(including ones secure_filename maps to one file), random contents (zips, junk,
damaged zips), chunk sizes, orders, offsets and stray chunks, played in random
sequences against the app with a storage root of its own.

With the fixes (alpha: UPLOAD_WRITES=atomic, UPLOAD_CHECKS=fixed, and
UPLOAD_REQUESTS=fixed: chunks copied to storage in blocks), after any
sequence:
- every answer is 2xx or a 4xx JSON with a reason, never a 5xx;
- a published zip changes only by a successful replace;
- two different (mod, version) pairs never share a file;
- every listed version's file exists and is a valid zip.
With production's behaviour the first still holds: a 4xx, never a 5xx.
"""
from __future__ import annotations

import io
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import werkzeug.security
from flask.testing import FlaskClient
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, precondition, rule
from sqlalchemy.orm import Session

from spacedock import create_app, database
from spacedock.models import Base, User
from tests.unit.app.conftest import BufferedClient

PASSWORD = "property"
EMPTY_ZIP = b"PK\x05\x06" + bytes(18)

# --- what authors send -----------------------------------------------------------------

names = st.one_of(
    st.sampled_from(["Cool Mod", "Cool_Mod", "cool mod", "Möd", "Mod", "What? #1", "a/b", "..", ".hidden", " ", "ÄÖÜ",
                     "a\0b", "x" * 101]),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=12),
)
versions = st.one_of(
    st.sampled_from(["1.0", "2.0+1", "2.01", "1..0", "../x", "", "v1", "1.0-beta", "1.0-Beta", "1\x000"]),
    st.from_regex(r"\A[A-Za-z0-9][A-Za-z0-9._+-]{0,8}\Z"),
)
texts = st.one_of(st.text(max_size=30), st.sampled_from(["a\0b", "x" * 1001, "y" * 10_001]))
COMPRESSIONS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA)


def a_zip(payload: bytes, compression: int = zipfile.ZIP_STORED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        archive.writestr("GameData/Mod/payload.bin", payload)
    return buffer.getvalue()


def damaged(data: bytes, position: int) -> bytes:
    position %= len(data)
    return data[:position] + bytes([data[position] ^ 0x55]) + data[position + 1:]


payloads = st.binary(min_size=1, max_size=600)
zips = st.builds(a_zip, payloads, st.sampled_from(COMPRESSIONS))
contents = st.one_of(
    zips,
    zips,
    st.binary(max_size=300),
    payloads.map(lambda junk: junk + EMPTY_ZIP),
    st.tuples(zips, st.integers(min_value=0)).map(lambda pair: damaged(*pair)),
    st.tuples(zips, st.integers(min_value=1, max_value=200)).map(lambda pair: pair[0][:-pair[1]]),
)


@dataclass(frozen=True)
class Plan:
    """How the chunks go: their size, and which indexes are sent in which order
    (None: all, in order)."""
    chunk_bytes: int
    order: tuple[int, ...] | None


plans = st.builds(Plan, st.sampled_from([64, 200, 1000, 100_000]),
                  st.one_of(st.none(), st.none(), st.lists(st.integers(0, 12), max_size=6).map(tuple)))


@dataclass(frozen=True)
class Published:
    mod_id: int
    version_id: int
    version: str


# --- the machine -------------------------------------------------------------------------

class Uploads(RuleBasedStateMachine):
    """An author creating, extending, replacing and deleting mods at random."""
    SETTINGS = {"UPLOAD_WRITES": "atomic", "UPLOAD_CHECKS": "fixed", "DOWNLOAD_COUNTS": "fixed",
                "UPLOAD_REQUESTS": "fixed"}
    STRICT = True

    published = Bundle("published")

    def __init__(self) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="sdlab-properties-"))
        self.storage = self.folder / "storage"
        self.storage.mkdir()
        app = create_app({"STORAGE": str(self.storage), "STORAGE_STATUS_FILE": str(self.folder / "no-flag"),
                          **self.SETTINGS})
        with app.app_context():
            Base.metadata.create_all(database.engine())
            with Session(bind=database.engine(), future=True) as session:
                session.add(User(username="author", email="author@spacedock.localhost", admin=False,
                                 password=werkzeug.security.generate_password_hash(PASSWORD, "pbkdf2:sha256:1")))
                session.commit()
        app.test_client_class = BufferedClient
        self.client: FlaskClient = app.test_client()
        assert self.client.post("/login", data={"username": "author", "password": PASSWORD}).status_code == 302
        # what each live version's zip must hold: changed only by a successful upload
        self.expected: dict[int, bytes] = {}
        self.uploads = 0

    def teardown(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)

    # --- sending ----------------------------------------------------------------------

    def answer_is_sound(self, response) -> None:
        assert response.status_code < 500, (response.status_code, response.get_data(as_text=True)[:500])
        if response.status_code >= 400 and response.mimetype == "application/json":
            assert response.json["error"] is True and response.json["reason"]

    def upload(self, url: str, fields: dict[str, str], data: bytes, plan: Plan):
        """Send the chunks as planned; the last answer."""
        self.uploads += 1
        total = max(1, -(-len(data) // plan.chunk_bytes))
        response = None
        for index in (range(total) if plan.order is None else plan.order):
            offset = index * plan.chunk_bytes
            form = {**fields, "dzuuid": f"u{self.uploads}", "dzchunkindex": str(index),
                    "dztotalchunkcount": str(total), "dzchunkbyteoffset": str(offset),
                    "dztotalfilesize": str(len(data)),
                    "zipball": (io.BytesIO(data[offset:offset + plan.chunk_bytes]), "mod.zip")}
            response = self.client.post(url, data=form)
            self.answer_is_sound(response)
            if response.status_code != 202:  # refused, or complete: the client stops
                break
        return response

    # --- rules --------------------------------------------------------------------------

    @rule(target=published, name=names, version=versions, description=texts, data=contents, plan=plans)
    def create_a_mod(self, name: str, version: str, description: str, data: bytes, plan: Plan):
        response = self.upload("/api/mod/create", {"name": name, "version": version,
                                                   "short_description": description}, data, plan)
        if response is not None and response.status_code == 201:
            self.expected[response.json["version_id"]] = data
            return Published(response.json["id"], response.json["version_id"], response.json["version"])
        return None

    @rule(target=published, of=published, version=versions, changelog=texts, data=contents, plan=plans)
    def add_a_version(self, of: Published | None, version: str, changelog: str, data: bytes, plan: Plan):
        if of is None:
            return None
        response = self.upload(f"/api/mod/{of.mod_id}/update", {"version": version, "changelog": changelog},
                               data, plan)
        if response is not None and response.status_code == 201:
            self.expected[response.json["version_id"]] = data
            return Published(of.mod_id, response.json["version_id"], response.json["version"])
        return None

    @rule(which=published, data=contents, plan=plans)
    def replace_a_version_s_zip(self, which: Published | None, data: bytes, plan: Plan) -> None:
        if which is None or which.version_id not in self.expected:
            return
        response = self.upload(f"/api/mod/{which.mod_id}/edit_version", {"version_id": str(which.version_id)},
                               data, plan)
        if response is not None and response.status_code == 200:
            self.expected[which.version_id] = data

    @rule(which=published, index=st.integers(0, 20), total=st.integers(0, 20), offset=st.integers(0, 10**6),
          data=st.binary(max_size=200))
    def send_a_stray_chunk(self, which: Published | None, index: int, total: int, offset: int, data: bytes) -> None:
        if which is None:
            return
        form = {"version_id": str(which.version_id), "dzuuid": "stray", "dzchunkindex": str(index),
                "dztotalchunkcount": str(total), "dzchunkbyteoffset": str(offset),
                "zipball": (io.BytesIO(data), "mod.zip")}
        response = self.client.post(f"/api/mod/{which.mod_id}/edit_version", data=form)
        self.answer_is_sound(response)
        if response.status_code == 200:
            self.expected[which.version_id] = self.stored()[which.version_id][1]

    @rule(which=published)
    def delete_a_version(self, which: Published | None) -> None:
        if which is None:
            return
        response = self.client.post(f"/mod/{which.mod_id}/version/{which.version_id}/delete")
        self.answer_is_sound(response)
        if response.status_code == 302:
            self.expected.pop(which.version_id, None)

    @precondition(lambda self: self.expected)
    @rule()
    def download_every_version(self) -> None:
        for version_id in self.expected:
            mod = next(mod_id for mod_id, versions in self.listed().items() if version_id in versions)
            path = self.listed()[mod][version_id]["download_path"]
            response = self.client.get(path)
            self.answer_is_sound(response)
            if "%0A" in path:
                # SpaceDock's route takes the name as <path:mod_name>, whose
                # pattern (.*) stops at a line break: a mod named so gets a 404
                # from its own link, on production as in the stand-in
                assert response.status_code == 404
            elif self.STRICT:
                assert response.data == self.expected[version_id]

    # --- what is listed, and what is stored ---------------------------------------------

    def listed(self) -> dict[int, dict[int, dict]]:
        """mod id -> version id -> the API's view of the version."""
        mods = {}
        for mod_id in {mod for mod in range(1, 1 + self.uploads)}:
            response = self.client.get(f"/api/mod/{mod_id}")
            if response.status_code == 200:
                mods[mod_id] = {version["id"]: version for version in response.json["versions"]}
        return mods

    def stored(self) -> dict[int, tuple[str, bytes | None]]:
        """version id -> (its storage path, the bytes there, None if missing)."""
        result = {}
        for versions in self.listed().values():
            for version_id, version in versions.items():
                path = self.storage / version["storage_path"]
                result[version_id] = (version["storage_path"], path.read_bytes() if path.is_file() else None)
        return result

    @invariant()
    def published_zips_change_only_by_a_successful_upload(self) -> None:
        if not self.STRICT:
            return
        stored = self.stored()
        assert set(stored) == set(self.expected)
        for version_id, (path, data) in stored.items():
            assert data == self.expected[version_id], f"{path} changed"

    @invariant()
    def no_two_versions_share_a_file(self) -> None:
        if not self.STRICT:
            return
        # the storage box compares names without regard to case
        paths = [path.lower() for path, _ in self.stored().values()]
        assert len(paths) == len(set(paths)), paths

    @invariant()
    def every_listed_version_s_file_is_a_valid_zip(self) -> None:
        if not self.STRICT:
            return
        for path, data in self.stored().values():
            assert data is not None, f"{path} is missing"
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                assert archive.infolist() and archive.testzip() is None, path


class UploadsAsProductionDoes(Uploads):
    """Production's behaviour loses files on purpose (docs/standin-app.md: the bugs the lab
    keeps); what must still hold is: never a 5xx."""
    SETTINGS = {"UPLOAD_WRITES": "in-place", "UPLOAD_CHECKS": "production", "DOWNLOAD_COUNTS": "production",
                "UPLOAD_REQUESTS": "production"}
    STRICT = False


MACHINE_SETTINGS = settings(max_examples=25, stateful_step_count=12, deadline=None,
                            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])

TestUploadsWithTheFixes = Uploads.TestCase
TestUploadsWithTheFixes.settings = MACHINE_SETTINGS
TestUploadsAsProductionDoes = UploadsAsProductionDoes.TestCase
TestUploadsAsProductionDoes.settings = MACHINE_SETTINGS
