"""Downloads as SpaceDock serves them: URL shapes, the three use-x-accel
modes, the CDN redirect, and which requests are counted."""
from __future__ import annotations

from pathlib import Path

import pytest
from flask.testing import FlaskClient

from spacedock import database
from spacedock.models import DownloadEvent
from tests.unit.app.conftest import AppFactory, chunk_form, log_in, zip_bytes

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


def test_production_leaves_an_x_sendfile_download_s_etag_to_mod_xsendfile(make_app: AppFactory) -> None:
    response = make_app(USE_X_ACCEL="apache", XSENDFILE_ETAGS="production").test_client().get("/mod/1/download")

    assert "ETag" not in response.headers


def test_the_fix_gives_each_version_s_file_an_etag_of_its_own(make_app: AppFactory) -> None:
    client = make_app(USE_X_ACCEL="apache", XSENDFILE_ETAGS="fixed").test_client()

    etags = {client.get(f"/mod/1/download/{version}").headers.get("ETag") for version in ("1.0.0", "1.2.0")}

    assert None not in etags and len(etags) == 2


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


@pytest.mark.parametrize("path", ["/content/../outside.zip", "/content/%2e%2e/outside.zip",
                                  "/content/user_2/%2e%2e/%2e%2e/outside.zip"])
def test_content_fallback_refuses_paths_outside_storage(client: FlaskClient, storage_root: Path, path: str) -> None:
    (storage_root.parent / "outside.zip").write_bytes(b"outside the storage root")

    response = client.get(path)

    assert response.status_code == 404
    assert b"outside the storage root" not in response.data


def test_a_nul_byte_in_a_content_path_is_a_404_not_a_500(client: FlaskClient) -> None:
    assert client.get("/content/a%00b.zip").status_code == 404


@pytest.mark.parametrize("value", ["²", "٣", "-1", "1.0", "x", "99999999999999999999"])
def test_batch_download_counts_refuses_what_is_not_a_mod_number_with_a_400(client: FlaskClient, value: str) -> None:
    response = client.post("/api/download_counts", data={"mod_id": ["1", value]})

    assert response.status_code == 400
    assert response.json == {"error": True, "reason": f"mod_id must be a mod's number, not {value!r}"}


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


@pytest.mark.parametrize("mode", ["apache", "false"])
def test_content_never_serves_a_hidden_file_an_upload_is_still_writing(make_app: AppFactory, storage_root: Path,
                                                                       mode: str) -> None:
    part = storage_root / "user_1" / "Mod" / ".Mod-1.0.zip.part"
    part.parent.mkdir(parents=True, exist_ok=True)
    part.write_bytes(b"half a zip")

    response = make_app(USE_X_ACCEL=mode).test_client().get("/content/user_1/Mod/.Mod-1.0.zip.part")

    assert response.status_code == 404
    assert "X-Sendfile" not in response.headers


@pytest.mark.parametrize("settings", [{"USE_X_ACCEL": "false"}, {"USE_X_ACCEL": "apache"},
                                      {"CDN_DOMAIN": "spacedock.info/content"}], ids=["send-file", "x-sendfile", "cdn"])
def test_the_fix_answers_404_for_a_missing_file_and_counts_nothing(make_app: AppFactory, storage_root: Path,
                                                                  settings: dict[str, str]) -> None:
    client = make_app(DOWNLOAD_COUNTS="fixed", **settings).test_client()
    (storage_root / NFE.format("1.2.0")).unlink()

    response = client.get("/mod/1/download")

    assert response.status_code == 404
    assert counts(client) == (0, {"1.2.0": 0, "1.1.0": 0, "1.0.0": 0})


def test_production_counts_a_download_that_ends_in_404(make_app: AppFactory, storage_root: Path) -> None:
    client = make_app(DOWNLOAD_COUNTS="production").test_client()
    (storage_root / NFE.format("1.2.0")).unlink()

    response = client.get("/mod/1/download")

    assert response.status_code == 404
    assert counts(client)[1]["1.2.0"] == 1


@pytest.mark.parametrize("counting", ["production", "fixed"])
def test_both_countings_keep_one_event_row_per_version_and_hour_one_at_a_time(make_app: AppFactory,
                                                                              counting: str) -> None:
    app = make_app(DOWNLOAD_COUNTS=counting)
    client = app.test_client()
    for _ in range(3):
        client.get("/mod/1/download/1.0.0")

    with app.app_context():
        events = database.session().query(DownloadEvent).all()
    assert [(event.version_id, event.downloads) for event in events] == [(1, 3)]
    assert counts(client) == (3, {"1.2.0": 0, "1.1.0": 0, "1.0.0": 3})


def test_a_mod_name_with_url_characters_gets_a_download_url_that_leads_to_its_file(make_app: AppFactory) -> None:
    client = make_app(UPLOAD_WRITES="atomic").test_client()
    log_in(client)
    data = zip_bytes(500, "what")
    created = client.post("/api/mod/create", data=chunk_form(data, 0, 1, len(data), name="What? #1", version="1.0"))

    download = client.get(created.json["download_url"])
    listed = client.get(f"/api/mod/{created.json['id']}").json["versions"][0]["download_path"]

    assert created.json["download_url"] == f"/mod/{created.json['id']}/What%3F%20%231/download/1.0"
    assert listed == created.json["download_url"]
    assert download.data == data


@pytest.mark.parametrize("url", ["/mod/2147483648/download", "/api/mod/99999999999", "/mod/99999999999/x"])
def test_an_id_no_database_column_can_hold_is_an_unknown_mod(client: FlaskClient, url: str) -> None:
    assert client.get(url).status_code == 404
