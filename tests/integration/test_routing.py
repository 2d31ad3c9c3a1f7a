"""Every host name in docs/architecture.md reaches the right web container through ATS."""
from __future__ import annotations

import pytest

from lab.config import LabConfig
from lab.http import LabClient, served_by, via_hops
from lab.topology import SITES, Site

pytestmark = pytest.mark.routing

BROWSABLE = [site for site in SITES if site.browsable]


def expected_container(site: Site, live: str) -> str:
    return live if site.target == "live" else site.target


@pytest.mark.parametrize("site", SITES, ids=[site.host for site in SITES])
def test_host_name_reaches_its_container(client: LabClient, live: str, site: Site) -> None:
    response = client.get("/", host=site.host)

    assert response.status_code == 200
    assert served_by(response) == expected_container(site, live)


@pytest.mark.parametrize("site", BROWSABLE, ids=[site.host for site in BROWSABLE])
def test_browser_host_with_the_published_port_reaches_its_container(
    client: LabClient, config: LabConfig, live: str, site: Site
) -> None:
    response = client.get("/", host=f"{site.host}:{config.http_port}")

    assert response.status_code == 200
    assert served_by(response) == expected_container(site, live)


def test_unknown_host_gets_the_accelerator_404_not_a_backend(client: LabClient) -> None:
    response = client.get("/", host="unknown.example.org")

    assert response.status_code == 404
    assert "Not Found on Accelerator" in response.text
    assert served_by(response) is None
    assert via_hops(response) == ["http/1.1 localhost (52K)"]
