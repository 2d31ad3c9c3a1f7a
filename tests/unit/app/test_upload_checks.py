"""What a finished upload must be (UPLOAD_CHECKS): production accepts what
SpaceDock accepts, the fix refuses names that would share a file with another
mod or version, and anything an unzipper could not use."""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from tests.unit.app.conftest import AppFactory, chunk_form, files_under, log_in, zip_bytes

EMPTY_ZIP = b"PK\x05\x06" + bytes(18)


def author_with(make_app: AppFactory, checks: str) -> FlaskClient:
    client = make_app(UPLOAD_CHECKS=checks, UPLOAD_WRITES="atomic").test_client()
    log_in(client, "user")
    return client


def upload(client: FlaskClient, url: str, data: bytes, **fields: str):
    return client.post(url, data=chunk_form(data, 0, 1, max(len(data), 1), **fields))


def create(client: FlaskClient, name: str, version: str, data: bytes):
    return upload(client, "/api/mod/create", data, name=name, version=version)


def directory_moved(data: bytes, by: int) -> bytes:
    """The same zip whose end record says its central directory starts `by` bytes later."""
    offset = int.from_bytes(data[-6:-2], "little")
    return data[:-6] + (offset + by).to_bytes(4, "little") + data[-2:]


def corrupt_crc(data: bytes) -> bytes:
    """The same zip with one byte of its file's content changed."""
    position = data.index(b"GameData/Test/data.bin") + len("GameData/Test/data.bin") + 10
    return data[:position] + bytes([data[position] ^ 0xFF]) + data[position + 1:]


# --- two names, one file -----------------------------------------------------------------

# The storage box (SMB) also compares names without regard to case.
CLASHES = [("Cool Mod", "1.0", "Cool_Mod", "1.0"), ("Möd", "1.0", "Mod", "1.0"), ("Cool Mod", "2.0+1", "Cool Mod", "2.01"),
           ("Cool Mod", "1.0", "cool mod", "1.0"), ("Cool Mod", "1.0-Beta", "Cool Mod", "1.0-beta")]


@pytest.mark.parametrize(("first_name", "first_version", "second_name", "second_version"), CLASHES,
                         ids=["space-underscore", "umlaut", "plus-in-version", "case-of-the-name", "case-of-the-version"])
def test_the_fix_refuses_a_name_that_would_share_another_mod_s_file(
    make_app: AppFactory, storage_root: Path, first_name: str, first_version: str, second_name: str,
    second_version: str
) -> None:
    client = author_with(make_app, "fixed")
    first = create(client, first_name, first_version, zip_bytes(900, "first"))
    stored = (storage_root / first.json["storage_path"]).read_bytes()

    if first_name == second_name:
        second = upload(client, f"/api/mod/{first.json['id']}/update", zip_bytes(900, "second"),
                        version=second_version)
    else:
        second = create(client, second_name, second_version, zip_bytes(900, "second"))

    assert second.status_code == 409
    assert f"the file of {first_name} {first_version} (mod {first.json['id']})" in second.json["reason"]
    assert (storage_root / first.json["storage_path"]).read_bytes() == stored


def test_production_lets_the_second_mod_overwrite_the_first_s_file(make_app: AppFactory,
                                                                 storage_root: Path) -> None:
    client = author_with(make_app, "production")
    first = create(client, "Cool Mod", "1.0", zip_bytes(900, "first"))
    second_zip = zip_bytes(900, "second")

    second = create(client, "Cool_Mod", "1.0", second_zip)

    assert second.status_code == 201
    assert second.json["storage_path"] == first.json["storage_path"]
    assert (storage_root / first.json["storage_path"]).read_bytes() == second_zip


# --- what is a zip ---------------------------------------------------------------------------

def bzip2_zip(damaged: bool) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_BZIP2) as archive:
        archive.writestr("GameData/Test/data.bin", b"kerbal " * 2000)
    data = buffer.getvalue()
    if damaged:  # a byte in the middle of the compressed stream
        position = data.index(b"BZh") + 40
        data = data[:position] + bytes([data[position] ^ 0xFF]) + data[position + 1:]
    return data


@pytest.mark.parametrize(("data", "reason"), [
    (b"junk " * 100 + EMPTY_ZIP, "holds no files"),
    (EMPTY_ZIP, "holds no files"),
    (b"junk " * 100 + zip_bytes(900), "something comes before its first entry"),
    (b"PK\x03\x04" + b"junk " * 100 + zip_bytes(900), "something comes before its first entry"),
    (corrupt_crc(zip_bytes(900)), "data.bin does not match its checksum"),
    (zip_bytes(900)[:100] + zip_bytes(900)[-60:], "not a readable zip archive"),
    (directory_moved(zip_bytes(900), 60), "not a"),
    (bzip2_zip(damaged=True), "not a readable zip archive"),
], ids=["junk-and-an-empty-trailer", "empty", "junk-in-front", "a-header-then-junk", "wrong-crc", "cut-out-middle",
        "directory-offset", "damaged-bzip2"])
def test_the_fix_refuses_what_an_unzipper_could_not_use(make_app: AppFactory, storage_root: Path,
                                                       data: bytes, reason: str) -> None:
    client = author_with(make_app, "fixed")
    before = files_under(storage_root)

    response = create(client, "My Mod", "1.0", data)

    assert response.status_code == 400
    assert reason in response.json["reason"]
    assert files_under(storage_root) == before


def test_production_accepts_junk_followed_by_an_empty_zip_trailer(make_app: AppFactory) -> None:
    response = create(author_with(make_app, "production"), "My Mod", "1.0", b"junk " * 100 + EMPTY_ZIP)

    assert response.status_code == 201


def test_the_fix_reads_only_the_central_directory_of_a_zip_over_the_test_bound(make_app: AppFactory) -> None:
    client = make_app(UPLOAD_CHECKS="fixed", ZIP_TEST_MAX_BYTES=100).test_client()
    log_in(client)

    response = create(client, "My Mod", "1.0", corrupt_crc(zip_bytes(900)))

    assert response.status_code == 201


def test_the_fix_tests_only_the_directory_of_a_zip_that_unpacks_past_the_bound(make_app: AppFactory) -> None:
    """A zip bomb's CRCs are not worth a worker's minutes: its size unpacked counts."""
    client = make_app(UPLOAD_CHECKS="fixed", ZIP_TEST_MAX_BYTES=5000).test_client()
    log_in(client)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("GameData/bomb.bin", bytes(100_000))

    response = create(client, "My Mod", "1.0", corrupt_bytes_inside(buffer.getvalue()))

    assert response.status_code == 201


def corrupt_bytes_inside(data: bytes) -> bytes:
    """The zip with one byte of its first file's compressed data changed."""
    position = data.index(b"GameData/bomb.bin") + len("GameData/bomb.bin") + 5
    return data[:position] + bytes([data[position] ^ 0xFF]) + data[position + 1:]


def test_the_fix_accepts_an_intact_bzip2_zip(make_app: AppFactory) -> None:
    assert create(author_with(make_app, "fixed"), "My Mod", "1.0", bzip2_zip(damaged=False)).status_code == 201


def test_the_fix_accepts_a_deflated_zip_with_folders(make_app: AppFactory) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("GameData/", "")
        archive.writestr("GameData/Mod/readme.txt", "hello " * 1000)

    response = create(author_with(make_app, "fixed"), "My Mod", "1.0", buffer.getvalue())

    assert response.status_code == 201


@pytest.mark.parametrize(("field", "value", "reason"), [
    ("short_description", "x" * 1001, "short_description is 1001 characters long; at most 1000 are allowed"),
    ("short_description", "a\0b", "short_description may not contain a NUL byte"),
    ("changelog", "y" * 10_001, "changelog is 10001 characters long; at most 10000 are allowed"),
    ("changelog", "a\0b", "changelog may not contain a NUL byte"),
    ("dzuuid", "u\0", "dzuuid may not contain a NUL byte"),
    ("dzuuid", "u" * 129, "dzuuid is 129 characters long; at most 128 are allowed"),
], ids=["long-description", "nul-description", "long-changelog", "nul-changelog", "nul-uuid", "long-uuid"])
def test_text_the_database_could_not_keep_is_refused_before_anything_is_written(
    make_app: AppFactory, storage_root: Path, field: str, value: str, reason: str
) -> None:
    client = author_with(make_app, "fixed")
    before = files_under(storage_root)
    data = zip_bytes(900)

    response = client.post("/api/mod/create", data={**chunk_form(data, 0, 1, len(data)), "name": "My Mod",
                                                    "version": "1.0", field: value})

    assert (response.status_code, response.json["reason"]) == (400, reason)
    assert files_under(storage_root) == before
