"""Replacing a version's zip and deleting a version, and the PURGE each sends:
production's path bug, and the fix, selected by PURGE_PATHS."""
from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from spacedock import publishing
from spacedock.purge import purge_url
from tests.unit.app.conftest import AppFactory, chunk_form, log_in, zip_bytes

V100 = "user_2/Near_Future_Electrical/Near_Future_Electrical-1.0.0.zip"


@pytest.fixture
def purged(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths the app asked to purge, in order."""
    calls: list[str] = []
    monkeypatch.setattr(publishing, "purge_download", calls.append)
    return calls


def author_of(app: Flask) -> FlaskClient:
    client = app.test_client()
    log_in(client, "user")
    return client


def replace(client: FlaskClient, data: bytes) -> None:
    response = client.post("/api/mod/1/edit_version", data=chunk_form(data, 0, 1, len(data), version_id="1"))
    assert response.status_code == 200, response.json


def test_replacing_rewrites_the_same_path(make_app: AppFactory, storage_root: Path, purged: list[str]) -> None:
    data = zip_bytes(700, "replacement")

    replace(author_of(make_app()), data)

    assert (storage_root / V100).read_bytes() == data


def test_production_purges_the_filesystem_path_when_replacing(make_app: AppFactory, storage_root: Path,
                                                              purged: list[str]) -> None:
    replace(author_of(make_app(PURGE_PATHS="production", CDN_DOMAIN="spacedock.info/content")), zip_bytes())

    assert purged == [str(storage_root / V100)]


def test_the_fix_purges_the_content_path_when_replacing(make_app: AppFactory, purged: list[str]) -> None:
    replace(author_of(make_app(PURGE_PATHS="fixed", UPLOAD_WRITES="atomic")), zip_bytes())

    assert purged == [V100]


def test_deleting_a_version_purges_it_removes_the_file_and_the_row(make_app: AppFactory, storage_root: Path,
                                                                    purged: list[str]) -> None:
    client = author_of(make_app())

    response = client.post("/mod/1/version/1/delete")

    assert response.status_code == 302
    assert purged == [V100]
    assert not (storage_root / V100).exists()
    assert "1.0.0" not in [v["friendly_version"] for v in client.get("/api/mod/1").json["versions"]]


def test_before_313_deleting_or_replacing_purges_nothing(make_app: AppFactory, purged: list[str]) -> None:
    client = author_of(make_app(PURGE_PATHS="before-313"))

    replace(client, zip_bytes())
    deleted = client.post("/mod/1/version/1/delete")

    assert deleted.status_code == 302
    assert purged == []


def test_the_only_version_cannot_be_deleted(make_app: AppFactory, purged: list[str]) -> None:
    client = author_of(make_app())

    response = client.post("/mod/3/version/6/delete")

    assert response.status_code == 400
    assert purged == []


def test_purge_url_follows_cdn_domain(make_app: AppFactory) -> None:
    with make_app(CDN_DOMAIN="cdn.example/files").app_context():
        assert purge_url("a/b.zip") == "http://cdn.example/files/a/b.zip"


def test_without_a_cdn_domain_the_purge_names_the_site_s_own_content_url(make_app: AppFactory) -> None:
    with make_app(CDN_DOMAIN="", DOMAIN="beta.spacedock.info").app_context():
        assert purge_url("a/b.zip") == "http://beta.spacedock.info/content/a/b.zip"


def lone_chunk(published: bytes, tail: bytes) -> dict:
    """Chunk 1 of 2 of a 'replacement' whose chunk 0 never came, starting
    where the published zip ends."""
    return chunk_form(published + tail, 1, 2, len(published), upload_id="stray", version_id="1")


def test_the_fix_refuses_a_lone_chunk_and_leaves_the_published_zip_alone(make_app: AppFactory,
                                                                          storage_root: Path,
                                                                          purged: list[str]) -> None:
    client = author_of(make_app(UPLOAD_WRITES="atomic"))
    published = (storage_root / V100).read_bytes()

    response = client.post("/api/mod/1/edit_version", data=lone_chunk(published, b"appended junk"))

    assert response.status_code == 400
    assert "no upload in progress" in response.json["reason"]
    assert (storage_root / V100).read_bytes() == published


def test_production_appends_a_lone_chunk_to_the_published_zip(make_app: AppFactory, storage_root: Path,
                                                              purged: list[str]) -> None:
    client = author_of(make_app(UPLOAD_WRITES="in-place"))
    published = (storage_root / V100).read_bytes()

    client.post("/api/mod/1/edit_version", data=lone_chunk(published, b"appended junk"))

    assert (storage_root / V100).read_bytes() == published + b"appended junk"


def test_the_fix_keeps_the_published_zip_when_a_replacement_is_refused(make_app: AppFactory,
                                                                      storage_root: Path,
                                                                      purged: list[str]) -> None:
    client = author_of(make_app(UPLOAD_WRITES="atomic"))
    published = (storage_root / V100).read_bytes()

    response = client.post("/api/mod/1/edit_version",
                           data=chunk_form(b"not a zip", 0, 1, 100, version_id="1"))

    assert response.status_code == 400
    assert (storage_root / V100).read_bytes() == published
    assert purged == []
