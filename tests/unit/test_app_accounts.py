"""Sessions: anonymous visitors get no cookie (SpaceDock PR #354), a login
gets one, and no page sets caching headers itself."""
from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from tests.unit.conftest import PASSWORD, log_in


@pytest.mark.parametrize("path", ["/", "/mod/1/Near%20Future%20Electrical", "/login", "/api/mod/1"])
def test_anonymous_pages_set_no_cookie_and_no_cache_headers(client: FlaskClient, path: str) -> None:
    response = client.get(path)

    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    assert "Cache-Control" not in response.headers
    assert "Expires" not in response.headers


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
