"""One upload per file at a time, in every environment: a second upload of the
same file while the first runs (a double click, a second tab) is refused with
a 409 that names the first, and the first finishes intact. Uploads nobody
finishes are swept after ABANDONED_UPLOAD_SECONDS."""
from __future__ import annotations

from pathlib import Path

import pytest
from flask.testing import FlaskClient

from spacedock import publishing
from tests.unit.app.conftest import AppFactory, chunk_form, log_in, zip_bytes

CHUNK = 2000
MY_MOD = "user_2/My_Mod/My_Mod-1.0.zip"
FIELDS = {"name": "My Mod", "version": "1.0"}


def send(client: FlaskClient, data: bytes, index: int, upload_id: str, url: str = "/api/mod/create", **fields: str):
    total = -(-len(data) // CHUNK)
    return client.post(url, data=chunk_form(data, index, total, CHUNK, upload_id=upload_id, **(fields or FIELDS)))


def test_a_second_upload_of_the_same_file_while_the_first_runs_is_a_409_naming_it(author: FlaskClient) -> None:
    data = zip_bytes(9000)
    send(author, data, 0, "first")

    second = send(author, data, 0, "second")

    assert second.status_code == 409
    assert second.json["error"] is True
    assert "My Mod 1.0 is being uploaded to this file by user" in second.json["reason"]


def test_the_first_upload_finishes_intact_after_a_second_was_refused(author: FlaskClient,
                                                                    storage_root: Path) -> None:
    data = zip_bytes(9000, "first")
    send(author, data, 0, "first")
    send(author, zip_bytes(9000, "second"), 0, "second")

    answers = [send(author, data, index, "first") for index in range(1, 5)]

    assert answers[-1].status_code == 201
    assert (storage_root / MY_MOD).read_bytes() == data
    assert [v["friendly_version"] for v in author.get(f"/api/mod/{answers[-1].json['id']}").json["versions"]] == ["1.0"]


def test_a_chunk_of_another_upload_is_refused_while_one_runs(author: FlaskClient, storage_root: Path) -> None:
    data = zip_bytes(9000)
    send(author, data, 0, "first")

    stray = send(author, data, 1, "second")

    assert stray.status_code == 409
    assert "this chunk is not part of it" in stray.json["reason"]


def test_the_file_is_free_again_once_an_upload_is_refused(author: FlaskClient) -> None:
    send(author, b"not a zip" * 250, 0, "first", name="My Mod", version="1.0")
    refused = send(author, b"not a zip" * 250, 1, "first", name="My Mod", version="1.0")

    retry = [send(author, zip_bytes(3000), index, "retry") for index in range(2)]

    assert refused.status_code == 400
    assert retry[-1].status_code == 201


def test_an_upload_that_went_quiet_past_the_bound_may_be_taken_over(make_app: AppFactory, writes: str) -> None:
    client = make_app(UPLOAD_WRITES=writes, ABANDONED_UPLOAD_SECONDS=0).test_client()
    log_in(client)
    data = zip_bytes(9000)
    send(client, data, 0, "abandoned")

    answers = [send(client, data, index, "new") for index in range(5)]

    assert [answer.status_code for answer in answers] == [202, 202, 202, 202, 201]


def test_atomic_writes_sweep_the_part_of_an_abandoned_upload(make_app: AppFactory, storage_root: Path) -> None:
    client = make_app(UPLOAD_WRITES="atomic", ABANDONED_UPLOAD_SECONDS=0).test_client()
    log_in(client)
    send(client, zip_bytes(9000), 0, "abandoned")
    part = storage_root / "user_2/My_Mod/.My_Mod-1.0.zip.abandoned.part"
    assert part.exists()

    send(client, zip_bytes(3000), 0, "another", name="Other Mod", version="2.0")

    assert not part.exists()


def test_atomic_writes_keep_the_part_of_an_upload_still_within_the_bound(make_app: AppFactory,
                                                                        storage_root: Path) -> None:
    client = make_app(UPLOAD_WRITES="atomic", ABANDONED_UPLOAD_SECONDS=3600).test_client()
    log_in(client)
    send(client, zip_bytes(9000), 0, "running")

    send(client, zip_bytes(3000), 0, "another", name="Other Mod", version="2.0")

    assert (storage_root / "user_2/My_Mod/.My_Mod-1.0.zip.running.part").exists()


def test_in_place_writes_leave_an_abandoned_partial_zip_as_production_does(make_app: AppFactory,
                                                                          storage_root: Path) -> None:
    client = make_app(UPLOAD_WRITES="in-place", ABANDONED_UPLOAD_SECONDS=0).test_client()
    log_in(client)
    data = zip_bytes(9000)
    send(client, data, 0, "abandoned")

    send(client, zip_bytes(3000), 0, "another", name="Other Mod", version="2.0")

    assert (storage_root / MY_MOD).read_bytes() == data[:CHUNK]


def test_a_version_with_an_upload_running_cannot_be_deleted(make_app: AppFactory, storage_root: Path) -> None:
    client = make_app().test_client()
    log_in(client)
    replacement = zip_bytes(9000)
    client.post("/api/mod/1/edit_version", data=chunk_form(replacement, 0, 5, CHUNK, upload_id="r", version_id="1"))

    response = client.post("/mod/1/version/1/delete")

    assert response.status_code == 409
    assert "Near Future Electrical 1.0.0 is being uploaded" in response.json["reason"]


def test_a_storage_error_while_writing_is_a_503_json_with_the_reason(author: FlaskClient,
                                                                    storage_root: Path) -> None:
    # a file where the mod's folder must go: creating the folder fails (ENOTDIR / EEXIST)
    (storage_root / "user_2/My_Mod").write_bytes(b"in the way")

    response = send(author, zip_bytes(3000), 0, "u1")

    assert response.status_code == 503
    assert response.json["error"] is True
    assert response.json["reason"].startswith("the storage box could not start writing the upload: ")
    assert response.headers["Retry-After"] == "10"


def test_two_uploads_without_an_upload_id_are_two_uploads(author: FlaskClient) -> None:
    first = {**chunk_form(zip_bytes(9000), 0, 5, CHUNK), **FIELDS}
    second = {**chunk_form(zip_bytes(9000, "other"), 0, 5, CHUNK), **FIELDS}
    del first["dzuuid"], second["dzuuid"]

    answers = [author.post("/api/mod/create", data=form) for form in (first, second)]

    assert [answer.status_code for answer in answers] == [202, 409]


def test_the_same_upload_id_from_someone_else_does_not_take_the_file(make_app: AppFactory) -> None:
    app = make_app()
    author, admin = app.test_client(), app.test_client()
    log_in(author, "user")
    log_in(admin, "admin")
    replacement = zip_bytes(9000)
    author.post("/api/mod/1/edit_version", data=chunk_form(replacement, 0, 5, CHUNK, upload_id="same", version_id="1"))

    response = admin.post("/api/mod/1/edit_version",
                          data=chunk_form(replacement, 0, 5, CHUNK, upload_id="same", version_id="1"))

    assert response.status_code == 409
    assert "by user" in response.json["reason"]


def test_names_that_differ_only_in_case_are_one_file_to_claim(author: FlaskClient) -> None:
    send(author, zip_bytes(9000), 0, "first", name="My Mod", version="1.0")

    other = send(author, zip_bytes(9000), 0, "second", name="my mod", version="1.0")

    assert other.status_code == 409


def test_an_error_the_app_did_not_expect_gives_the_file_up(make_app: AppFactory, writes: str,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    client = make_app(UPLOAD_WRITES=writes).test_client()
    log_in(client)

    def database_refuses(*args: object) -> None:
        raise RuntimeError("the database refused the row")

    monkeypatch.setattr(publishing, "record", database_refuses)
    failed = send(client, zip_bytes(1000), 0, "first")
    monkeypatch.undo()
    retried = send(client, zip_bytes(1000), 0, "retry")

    assert failed.status_code == 500
    assert failed.json == {"error": True, "reason": "internal error (RuntimeError); it has been logged"}
    assert retried.status_code == 201
