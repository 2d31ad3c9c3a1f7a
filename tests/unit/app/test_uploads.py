"""Uploads through the chunked API: where the zip lands, production's in-place
writes against the atomic ones, and the errors bad input gets."""
from __future__ import annotations

import io
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from tests.unit.app.conftest import AppFactory, chunk_form, files_under, log_in, zip_bytes

CHUNK = 2000
MY_MOD = "user_2/My_Mod/My_Mod-1.0.zip"


def upload(client: FlaskClient, url: str, data: bytes, chunks: list[int] | None = None, **fields: str):
    total = -(-len(data) // CHUNK)
    response = None
    for index in range(total) if chunks is None else chunks:
        response = client.post(url, data=chunk_form(data, index, total, CHUNK, **fields))
        if response.status_code not in (200, 201, 202):
            break
    return response


def test_multi_chunk_upload_lands_at_the_production_path(author: FlaskClient, storage_root: Path) -> None:
    data = zip_bytes(9000)

    response = upload(author, "/api/mod/create", data, name="My Mod", version="1.0")

    assert response.status_code == 201
    assert response.json["storage_path"] == MY_MOD
    assert (storage_root / MY_MOD).read_bytes() == data
    assert response.json["download_size"] == len(data)


def test_every_chunk_but_the_last_is_answered_202(author: FlaskClient) -> None:
    data = zip_bytes(9000)

    answers = [author.post("/api/mod/create", data=chunk_form(data, index, 5, CHUNK, name="My Mod", version="1.0"))
               for index in range(5)]

    assert [(answer.status_code, answer.json) for answer in answers[:4]] == \
        [(202, {"received": index, "of": 5}) for index in range(4)]
    assert answers[4].status_code == 201


def test_in_place_writes_show_the_partial_zip_at_the_final_path(make_app: AppFactory, storage_root: Path) -> None:
    client = make_app(UPLOAD_WRITES="in-place").test_client()
    log_in(client)
    data = zip_bytes(9000)

    client.post("/api/mod/create", data=chunk_form(data, 0, 5, CHUNK, name="My Mod", version="1.0"))

    assert (storage_root / MY_MOD).read_bytes() == data[:CHUNK]


def test_atomic_writes_show_nothing_at_the_final_path_until_complete(make_app: AppFactory,
                                                                   storage_root: Path) -> None:
    client = make_app(UPLOAD_WRITES="atomic").test_client()
    log_in(client)
    data = zip_bytes(9000)

    client.post("/api/mod/create", data=chunk_form(data, 0, 5, CHUNK, name="My Mod", version="1.0"))

    assert not (storage_root / MY_MOD).exists()
    assert (storage_root / "user_2/My_Mod/.My_Mod-1.0.zip.u1.part").read_bytes() == data[:CHUNK]


def test_a_new_version_goes_beside_the_others_and_becomes_the_default(author: FlaskClient,
                                                                      storage_root: Path) -> None:
    data = zip_bytes(3000, "new")

    response = upload(author, "/api/mod/1/update", data, version="2.0.0")

    assert response.status_code == 201
    assert (storage_root / "user_2/Near_Future_Electrical/Near_Future_Electrical-2.0.0.zip").read_bytes() == data
    assert author.get("/api/mod/1").json["default_version_id"] == response.json["version_id"]


def test_not_a_zip_is_refused_and_removed(author: FlaskClient, storage_root: Path) -> None:
    before = files_under(storage_root)

    response = upload(author, "/api/mod/create", b"not a zip" * 500, name="My Mod", version="1.0")

    assert response.status_code == 400
    assert response.json == {"error": True, "reason": "the file is not a zip archive"}
    assert files_under(storage_root) == before
    assert author.get("/api/mod/4").status_code == 404


def test_chunk_out_of_order_is_refused_with_a_reason(author: FlaskClient) -> None:
    response = upload(author, "/api/mod/create", zip_bytes(9000), chunks=[0, 2], name="My Mod", version="1.0")

    assert response.status_code == 400
    assert "chunk 2 of 5" in response.json["reason"]
    assert "must be sent in order" in response.json["reason"]


def test_atomic_writes_leave_nothing_behind_a_refused_chunk(make_app: AppFactory, storage_root: Path) -> None:
    client = make_app(UPLOAD_WRITES="atomic").test_client()
    log_in(client)
    before = files_under(storage_root)

    upload(client, "/api/mod/create", zip_bytes(9000), chunks=[0, 1, 3], name="My Mod", version="1.0")

    assert files_under(storage_root) == before


def test_in_place_writes_leave_the_partial_zip_as_production_does(make_app: AppFactory,
                                                                  storage_root: Path) -> None:
    client = make_app(UPLOAD_WRITES="in-place").test_client()
    log_in(client)
    data = zip_bytes(9000)

    upload(client, "/api/mod/create", data, chunks=[0, 1, 3], name="My Mod", version="1.0")

    assert (storage_root / MY_MOD).read_bytes() == data[:2 * CHUNK]


def test_a_chunk_without_the_first_one_is_refused(author: FlaskClient) -> None:
    response = upload(author, "/api/mod/create", zip_bytes(9000), chunks=[1], name="My Mod", version="1.0")

    assert response.status_code == 400
    assert "the first chunk, index 0, was not received" in response.json["reason"]


def test_an_existing_version_is_refused_before_anything_is_written(author: FlaskClient, storage_root: Path) -> None:
    before = (storage_root / "user_2/Near_Future_Electrical/Near_Future_Electrical-1.0.0.zip").read_bytes()

    response = upload(author, "/api/mod/1/update", zip_bytes(100), version="1.0.0")

    assert response.status_code == 409
    assert response.json["reason"] == "Near Future Electrical already has a version 1.0.0"
    assert (storage_root / "user_2/Near_Future_Electrical/Near_Future_Electrical-1.0.0.zip").read_bytes() == before


@pytest.mark.parametrize(("name", "version"), [("../../etc", "1.0"), ("/etc/cron.d", "1.0"), ("a/b", "1.0"),
                                               ("My Mod", "../../x"), ("My Mod", "/abs"), ("..", "1.0")])
def test_names_that_would_leave_the_storage_root_are_refused(author: FlaskClient, storage_root: Path,
                                                              name: str, version: str) -> None:
    before = files_under(storage_root)

    response = upload(author, "/api/mod/create", zip_bytes(100), name=name, version=version)

    assert response.status_code == 400
    assert response.json["error"] is True
    assert files_under(storage_root) == before


def test_an_upload_larger_than_the_limit_is_refused_before_writing(make_app: AppFactory, storage_root: Path) -> None:
    client = make_app(MAX_UPLOAD_BYTES=4000).test_client()
    log_in(client)
    before = files_under(storage_root)

    response = upload(client, "/api/mod/create", zip_bytes(9000), name="My Mod", version="1.0")

    assert response.status_code == 413
    assert "at most 4000 bytes" in response.json["reason"]
    assert files_under(storage_root) == before


def test_a_mod_that_does_not_exist_is_404_json(author: FlaskClient) -> None:
    response = upload(author, "/api/mod/99/update", zip_bytes(100), version="1.0")

    assert response.status_code == 404
    assert response.json == {"error": True, "reason": "there is no mod 99"}


def test_someone_elses_mod_is_403(author: FlaskClient) -> None:
    response = upload(author, "/api/mod/2/update", zip_bytes(100), version="9.0")

    assert response.status_code == 403


def test_uploading_needs_a_login(client: FlaskClient) -> None:
    response = client.post("/api/mod/create", data={"name": "x", "version": "1", "zipball": (io.BytesIO(b"x"), "z")})

    assert response.status_code == 401
    assert response.json == {"error": True, "reason": "you must be logged in"}


def test_upload_without_a_file_is_refused(author: FlaskClient) -> None:
    response = author.post("/api/mod/create", data={"name": "My Mod", "version": "1.0"})

    assert response.status_code == 400
    assert "zipball" in response.json["reason"]
