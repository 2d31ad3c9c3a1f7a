"""Sessions: anonymous visitors get no cookie (SpaceDock PR #354), a login
gets one, and no page sets caching headers itself."""
from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from tests.unit.app.conftest import PASSWORD, AppFactory, log_in


@pytest.mark.parametrize("path", ["/", "/mod/1/Near%20Future%20Electrical", "/login", "/api/mod/1"])
def test_anonymous_pages_set_no_cookie_and_no_cache_headers(client: FlaskClient, path: str) -> None:
    response = client.get(path)

    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    assert "Cache-Control" not in response.headers
    assert "Expires" not in response.headers


@pytest.mark.parametrize("path", ["/", "/mod/1/Near%20Future%20Electrical"])
def test_before_354_every_anonymous_page_sets_a_session_cookie(make_app: AppFactory, path: str) -> None:
    response = make_app(ANONYMOUS_SESSIONS="before-354").test_client().get(path)

    assert response.status_code == 200
    assert response.headers.get("Set-Cookie", "").startswith("session=")


def test_logging_in_sets_an_http_only_session_cookie(client: FlaskClient) -> None:
    response = client.post("/login", data={"username": "user", "password": PASSWORD})

    assert response.status_code == 302
    assert "session=" in response.headers["Set-Cookie"]
    assert "HttpOnly" in response.headers["Set-Cookie"]


def test_a_wrong_password_is_refused_without_a_cookie(client: FlaskClient) -> None:
    response = client.post("/login", data={"username": "user", "password": "wrong"})

    assert response.status_code == 401
    assert "Set-Cookie" not in response.headers


def test_logging_out_deletes_the_cookie(client: FlaskClient) -> None:
    log_in(client)

    response = client.post("/logout")

    assert "session=;" in response.headers["Set-Cookie"]


def test_logged_in_pages_show_the_user(client: FlaskClient) -> None:
    log_in(client)

    assert b"Log out" in client.get("/").data


@pytest.mark.parametrize("target", ["//evil.example", "/\\evil.example", "\\\\evil.example", "/\t/evil.example",
                                    "http://evil.example/", "https:evil.example", "javascript:alert(1)",
                                    " //evil.example", "/\\/evil.example", "evil.example", ""])
def test_after_logging_in_only_a_path_on_this_site_is_followed(client: FlaskClient, target: str) -> None:
    response = client.post("/login", data={"username": "user", "password": PASSWORD, "next": target})

    assert response.status_code == 302
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("target", ["/mod/1/Near%20Future%20Electrical", "/create/mod?x=1", "/"])
def test_after_logging_in_the_page_asked_for_is_shown(client: FlaskClient, target: str) -> None:
    response = client.post("/login", data={"username": "user", "password": PASSWORD, "next": target})

    assert response.headers["Location"] == target


def test_the_login_form_does_not_carry_a_foreign_next_along(client: FlaskClient) -> None:
    page = client.get("/login?next=//evil.example")

    assert b'name="next" value="/"' in page.data


def test_a_name_with_a_nul_byte_is_a_wrong_login_not_a_database_error(client: FlaskClient) -> None:
    response = client.post("/login", data={"username": "us\0er", "password": PASSWORD})

    assert response.status_code == 401
