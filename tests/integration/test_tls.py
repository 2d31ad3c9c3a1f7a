"""ATS terminates TLS as production's does (SpaceDock PR #460): every host name
has a certificate from the lab CA, HTTP/2 is offered, production's protocol is
https (its redirects and its Secure session cookie), and a copy cached over one
scheme is the copy the other gets (one cache key, one PURGE)."""
from __future__ import annotations

import socket
import ssl
import subprocess

import pytest

from lab.ats import Target, TrafficServer
from lab.config import LabConfig
from lab.docker_ops import DockerLab
from lab.http import LabClient, cache_result
from lab.tls import client as tls_client
from lab.tls import lab_tls
from lab.topology import SITES


def handshake(config: LabConfig, name: str) -> tuple[str | None, dict]:
    """A TLS handshake with ATS for `name` (SNI), verified against the lab CA
    only; returns the protocol ALPN chose and the certificate."""
    context = ssl.create_default_context(cafile=str(lab_tls(config).ca_cert))
    context.set_alpn_protocols(["h2", "http/1.1"])
    with socket.create_connection(("127.0.0.1", config.https_port), timeout=10) as raw:
        with context.wrap_socket(raw, server_hostname=name) as tls:
            return tls.selected_alpn_protocol(), tls.getpeercert()


@pytest.fixture
def secure_client(config: LabConfig) -> LabClient:
    return tls_client(config)


@pytest.mark.parametrize("name", sorted({site.host for site in SITES}))
def test_every_host_name_has_a_certificate_the_lab_ca_vouches_for_and_http2(config: LabConfig, name: str) -> None:
    protocol, certificate = handshake(config, name)  # raises unless the certificate is valid for the name

    assert protocol == "h2"
    assert ("DNS", name) in certificate["subjectAltName"]


def test_production_s_download_redirects_to_https_as_its_protocol_says(secure_client: LabClient) -> None:
    response = secure_client.get("/mod/1/download", headers={"User-Agent": "a bot that is not counted"})

    assert response.status_code == 302
    assert response.headers["Location"].startswith("https://spacedock.info/content/")


def test_production_s_session_cookie_is_secure(config: LabConfig, secure_client: LabClient) -> None:
    response = secure_client.post("/login", data={"username": "user", "password": config.get("DEMO_PASSWORD")})

    assert response.status_code == 302
    assert "; Secure" in response.headers["Set-Cookie"]


def test_beta_keeps_plain_http_as_its_protocol_and_a_cookie_that_is_not_secure(config: LabConfig,
                                                                              client: LabClient) -> None:
    response = client.post("/login", host="beta.spacedock.info",
                           data={"username": "user", "password": config.get("DEMO_PASSWORD")})

    assert response.status_code == 302
    assert "Secure" not in response.headers["Set-Cookie"]


def test_a_redirect_under_a_browser_name_keeps_the_tls_port_the_browser_used(config: LabConfig,
                                                                             secure_client: LabClient) -> None:
    host = f"spacedock.localhost:{config.https_port}"

    response = secure_client.get("/mod/1/download", host=host, headers={"User-Agent": "a bot that is not counted"})

    assert response.headers["Location"].startswith(f"https://{host}/content/")


def test_http_and_https_share_one_cached_copy_and_one_purge(client: LabClient, secure_client: LabClient,
                                                            ats: TrafficServer, file_on_share) -> None:
    path = f"/content/{file_on_share('backup', b'one copy for both schemes')}"

    over_tls = secure_client.get(path, debug=True)
    plain = client.get(path, debug=True)
    # the app's PURGE goes to ATS's plain port, as SpaceDock's cdn-internal one
    purged = ats.purge(Target("spacedock.info", path))
    after_purge = secure_client.get(path, debug=True)

    assert (cache_result(over_tls), cache_result(plain)) == ("miss", "hit-fresh")
    assert over_tls.headers["X-Cache-Key"] == plain.headers["X-Cache-Key"]
    assert (purged, cache_result(after_purge)) == (200, "miss")


def test_ats_sees_its_certificate_read_only_and_never_the_ca_s_key(config: LabConfig,
                                                                   docker_lab: DockerLab) -> None:
    mounts = {mount["Destination"]: mount for mount in docker_lab.container("ats").attrs["Mounts"]}
    seen = docker_lab.exec("ats", ["ls", "/etc/sdlab/tls"]).output.split()
    ignored = subprocess.run(["git", "check-ignore", "--quiet", str(lab_tls(config).ca_key)], cwd=config.root,
                             check=False)

    assert mounts["/etc/sdlab/tls"]["Type"] == "bind" and mounts["/etc/sdlab/tls"]["RW"] is False
    assert sorted(seen) == ["server.crt", "server.key"]
    assert ignored.returncode == 0
