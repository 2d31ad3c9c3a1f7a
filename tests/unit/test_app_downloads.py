"""Downloads as SpaceDock serves them: URL shapes, the three use-x-accel
modes, the CDN redirect, and which requests are counted."""
from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from spacedock import database
from spacedock.models import DownloadEvent
from tests.unit.conftest import AppFactory, log_in

NFE = "user_2/Near_Future_Electrical/Near_Future_Electrical-{}.zip"


def counts(client: FlaskClient, mod_id: int = 1) -> tuple[int, dict[str, int]]:
    info = client.get(f"/api/mod/{mod_id}").json
    return info["downloads"], {v["friendly_version"]: v["downloads"] for v in info["versions"]}


@pytest.mark.parametrize("url", ["/mod/1/download", "/mod/1/download/download", "/mod/1/Any%20Name/download",
                                 "/mod/1/ignored/name/download"])
def test_url_without_a_version_downloads_the_default_version(make_app: AppFactory, url: str,
                                                              storage_root: Path) -> None:
    client = make_app(USE_X_ACCEL="apache").test_client()

    response = client.get(url)

    assert response.headers["X-Sendfile"] == str(storage_root / NFE.format("1.2.0"))


def test_url_with_a_version_downloads_that_version(make_app: AppFactory, storage_root: Path) -> None:
    client = make_app(USE_X_ACCEL="apache").test_client()

    response = client.get("/mod/1/Near%20Future%20Electrical/download/1.0.0")

    assert response.headers["X-Sendfile"] == str(storage_root / NFE.format("1.0.0"))


@pytest.mark.parametrize("url", ["/mod/1/download/9.9.9", "/mod/99/download", "/mod/99/x/download/1.0"])
def test_unknown_version_or_mod_is_404(client: FlaskClient, url: str) -> None:
    assert client.get(url).status_code == 404


def test_unpublished_mod_is_403_for_others_and_downloadable_by_its_author(client: FlaskClient) -> None:
    assert client.get("/mod/3/download").status_code == 403
    log_in(client, "user")
    assert client.get("/mod/3/download").status_code == 200


def test_x_sendfile_mode_answers_an_empty_body_and_the_absolute_path(make_app: AppFactory,
                                                                     storage_root: Path) -> None:
    response = make_app(USE_X_ACCEL="apache").test_client().get("/mod/1/download")

    assert response.status_code == 200
    assert response.data == b""
    assert response.headers["Content-Type"] == "application/zip"
    assert response.headers["Content-Disposition"] == "attachment; filename=Near_Future_Electrical-1.2.0.zip"


def test_nginx_mode_answers_with_x_accel_redirect(make_app: AppFactory) -> None:
    response = make_app(USE_X_ACCEL="nginx").test_client().get("/mod/1/download")

    assert response.headers["X-Accel-Redirect"] == "/internal/" + NFE.format("1.2.0")


def test_send_file_mode_streams_the_bytes_and_honours_range(client: FlaskClient, storage_root: Path) -> None:
    expected = (storage_root / NFE.format("1.2.0")).read_bytes()

    whole = client.get("/mod/1/download")
    part = client.get("/mod/1/download", headers={"Range": "bytes=10-19"})

    assert whole.data == expected
    assert whole.headers["Cache-Control"] == "no-cache"
    assert part.status_code == 206
    assert part.data == expected[10:20]


def test_send_file_mode_is_404_when_the_file_is_missing(client: FlaskClient, storage_root: Path) -> None:
    (storage_root / NFE.format("1.2.0")).unlink()

    assert client.get("/mod/1/download").status_code == 404


def test_cdn_domain_counts_then_redirects_to_the_content_url(make_app: AppFactory) -> None:
    client = make_app(CDN_DOMAIN="spacedock.info/content", PROTOCOL="http").test_client()

    response = client.get("/mod/1/download/1.1.0")

    assert response.status_code == 302
    assert response.headers["Location"] == "http://spacedock.info/content/" + NFE.format("1.1.0")
    assert counts(client)[1]["1.1.0"] == 1


def test_each_download_moves_the_mod_and_version_counters(client: FlaskClient) -> None:
    client.get("/mod/1/download/1.0.0")
    client.get("/mod/1/download/1.0.0")
    client.get("/mod/1/download")

    assert counts(client) == (3, {"1.2.0": 1, "1.1.0": 0, "1.0.0": 2})


def test_downloads_of_one_version_within_an_hour_share_one_event_row(app: Flask) -> None:
    client = app.test_client()
    for _ in range(3):
        client.get("/mod/1/download/1.0.0")

    with app.app_context():
        events = database.session().query(DownloadEvent).all()
    assert [(event.version_id, event.downloads) for event in events] == [(1, 3)]


@pytest.mark.parametrize("headers", [{"Range": "bytes=0-99"}, {"User-Agent": "Googlebot/2.1"},
                                     {"User-Agent": "Mozilla/5.0 (compatible; bingbot/2.0)"}],
                         ids=["range", "googlebot", "bingbot"])
def test_range_requests_and_bots_are_not_counted(client: FlaskClient, headers: dict[str, str]) -> None:
    client.get("/mod/1/download", headers=headers)

    assert counts(client)[0] == 0


def test_discord_gets_the_mod_page_instead_of_the_file(client: FlaskClient) -> None:
    response = client.get("/mod/1/download", headers={"User-Agent": "Mozilla/5.0 (compatible; Discordbot/2.0)"})

    assert response.status_code == 302
    assert response.headers["Location"] == "/mod/1"
    assert counts(client)[0] == 0


def test_content_fallback_serves_without_counting(client: FlaskClient, storage_root: Path) -> None:
    response = client.get("/content/" + NFE.format("1.0.0"))

    assert response.data == (storage_root / NFE.format("1.0.0")).read_bytes()
    assert counts(client)[0] == 0


@pytest.mark.parametrize("path", ["/content/../etc/passwd", "/content/%2e%2e/%2e%2e/etc/passwd"])
def test_content_fallback_refuses_paths_outside_storage(client: FlaskClient, path: str) -> None:
    assert client.get(path).status_code == 404


def test_batch_download_counts(client: FlaskClient) -> None:
    client.get("/mod/1/download")
    client.get("/mod/2/download")
    client.get("/mod/2/download")

    response = client.post("/api/download_counts", data={"mod_id": ["1", "2", "99"]})

    assert response.json == {"1": 1, "2": 2}


def test_downloads_are_refused_with_503_while_the_storage_watch_flags_the_mount(
    make_app: AppFactory, tmp_path: Path
) -> None:
    flag = tmp_path / "storage-unavailable"
    flag.write_text("2026-01-01T00:00:00Z")
    client = make_app(STORAGE_STATUS_FILE=str(flag)).test_client()

    responses = [client.get("/mod/1/download"), client.get("/content/" + NFE.format("1.0.0"))]

    assert [response.status_code for response in responses] == [503, 503]
    assert responses[0].headers["Retry-After"] == "10"
    assert counts(client)[0] == 0


def test_x_sendfile_names_the_path_as_stored_and_leaves_refusal_to_apache(make_app: AppFactory,
                                                                         storage_root: Path) -> None:
    response = make_app(USE_X_ACCEL="apache").test_client().get("/content/../outside.zip")

    assert response.headers["X-Sendfile"] == f"{storage_root}/../outside.zip"
