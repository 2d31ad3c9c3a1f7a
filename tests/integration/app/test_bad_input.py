"""Bad input through ATS gets a 4xx with a reason, never a 500, on every site."""
from __future__ import annotations

import pytest

from lab.http import LabClient
from lab.standin_client import make_zip

HOSTS = ["spacedock.info", "beta.spacedock.info", "alpha.spacedock.info"]


@pytest.mark.parametrize("host", HOSTS)
def test_a_nul_byte_in_a_content_path_is_a_404(client: LabClient, host: str) -> None:
    assert client.get("/content/a%00b.zip", host=host).status_code == 404


@pytest.mark.parametrize("host", HOSTS)
@pytest.mark.parametrize("value", ["²", "99999999999999999999"])
def test_a_download_count_asked_for_a_non_number_is_a_400_with_a_reason(client: LabClient, host: str,
                                                                        value: str) -> None:
    response = client.post("/api/download_counts", host=host, data={"mod_id": value})

    assert response.status_code == 400
    assert response.json() == {"error": True, "reason": f"mod_id must be a mod's number, not {value!r}"}


@pytest.mark.parametrize("path", ["/api/mod/99999999999", "/mod/2147483648/download", "/mod/99999999999/x"])
def test_an_id_no_database_column_can_hold_is_a_404(client: LabClient, path: str) -> None:
    assert client.get(path, host="alpha.spacedock.info").status_code == 404


@pytest.mark.parametrize(("field", "value"), [("short_description", "x" * 1001), ("changelog", "a\0b")],
                         ids=["description-too-long", "nul-in-changelog"])
def test_text_postgresql_could_not_keep_is_a_400_and_the_file_is_free_again(author, unique: str, field: str,
                                                                           value: str) -> None:
    spacedock = author("alpha.spacedock.info")
    data = make_zip(1000, unique)

    refused = spacedock.upload("/api/mod/create", {"name": f"Text {unique}", "version": "1.0", field: value}, data)
    retried = spacedock.create_mod(f"Text {unique}", "1.0", data)

    assert refused.status_code == 400, refused.text
    assert retried.status_code == 201, retried.text


def test_a_login_name_with_a_nul_byte_is_refused_as_a_wrong_login(client: LabClient) -> None:
    response = client.post("/login", host="alpha.spacedock.info",
                           data={"username": "us\0er", "password": "development"})

    assert response.status_code == 401
