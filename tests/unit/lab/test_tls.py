"""lab.tls: the lab CA and ATS's certificate, made once, made again when a host
name is missing, and unable to vouch for a name outside the lab."""
from __future__ import annotations

from pathlib import Path

import pytest

from lab import tls
from lab.config import LabConfig
from lab.topology import SITES


@pytest.fixture
def config(tmp_path: Path) -> LabConfig:
    return LabConfig(root=tmp_path, settings={"HTTPS_PORT": "58443"})


def names_in(certificate: Path) -> str:
    return tls.openssl("x509", "-in", certificate, "-noout", "-ext", "subjectAltName")


def verifies(ca: Path, certificate: Path) -> bool:
    return tls.openssl_agrees("verify", "-CAfile", ca, certificate)


def test_the_first_ensure_makes_a_ca_and_a_certificate_for_every_host_name(config: LabConfig) -> None:
    files, made = tls.ensure(config)

    assert len(made) == 2
    assert all(f"DNS:{site.host}" in names_in(files.server_cert) for site in SITES)
    assert "IP Address:127.0.0.1" in names_in(files.server_cert)
    assert verifies(files.ca_cert, files.server_cert)


def test_the_keys_are_readable_by_their_owner_only_and_the_ca_apart(config: LabConfig) -> None:
    files, _ = tls.ensure(config)

    assert {files.ca_key.stat().st_mode & 0o777, files.server_key.stat().st_mode & 0o777} == {0o600}
    assert files.ca_key.parent.stat().st_mode & 0o777 == 0o700
    assert files.ca_key.parent != files.server_key.parent


def test_a_second_ensure_makes_nothing(config: LabConfig) -> None:
    tls.ensure(config)
    before = tls.lab_tls(config).server_cert.read_bytes()

    _, made = tls.ensure(config)

    assert made == []
    assert tls.lab_tls(config).server_cert.read_bytes() == before


def test_a_certificate_missing_a_host_name_is_made_again_by_the_same_ca(config: LabConfig,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tls, "host_names", lambda: ["spacedock.info"])
    tls.ensure(config)
    ca_before = tls.lab_tls(config).ca_cert.read_bytes()
    monkeypatch.undo()

    files, made = tls.ensure(config)

    assert made == [f"ATS's certificate for {len(tls.host_names())} names"]
    assert "DNS:alpha.spacedock.localhost" in names_in(files.server_cert)
    assert files.ca_cert.read_bytes() == ca_before


def test_the_ca_cannot_vouch_for_a_name_outside_the_lab(config: LabConfig, tmp_path: Path) -> None:
    files, _ = tls.ensure(config)
    key, request, certificate = tmp_path / "evil.key", tmp_path / "evil.csr", tmp_path / "evil.crt"
    extensions = tmp_path / "evil.ext"
    extensions.write_text("subjectAltName=DNS:bank.example\n")
    tls.openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", request, "-subj", "/CN=bank.example")
    tls.openssl("x509", "-req", "-in", request, "-CA", files.ca_cert, "-CAkey", files.ca_key, "-CAcreateserial",
                "-days", "1", "-extfile", extensions, "-out", certificate)

    assert not verifies(files.ca_cert, certificate)


def test_the_trust_instructions_name_the_ca_and_the_tls_port(config: LabConfig) -> None:
    text = tls.trust_instructions(config)

    assert str(tls.lab_tls(config).ca_cert) in text
    assert "https://spacedock.localhost:58443/" in text
