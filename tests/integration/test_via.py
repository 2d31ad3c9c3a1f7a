"""The Via header has production's two forms (docs/architecture.md): ATS alone for a file
Apache served from disk, Apache and ATS for a response from gunicorn."""
from __future__ import annotations

from lab.http import LabClient, via_hops


def test_file_apache_served_from_disk_has_only_the_ats_via(client: LabClient) -> None:
    response = client.get("/static/spacedock.css")

    assert response.status_code == 200
    assert response.headers["Via"] == "http/1.1 localhost (52K)"


def test_response_from_gunicorn_has_the_apache_and_ats_via(client: LabClient) -> None:
    response = client.get("/")

    assert response.status_code == 200
    assert response.headers["Via"] == "1.1 spacedock.info, http/1.1 localhost (52K)"


def test_beta_names_its_own_server_in_via(client: LabClient) -> None:
    response = client.get("/", host="beta.spacedock.info")

    assert via_hops(response) == ["1.1 beta.spacedock.info", "http/1.1 localhost (52K)"]
