"""lab.tls: the lab CA and ATS's certificate, made once, made again when a host
name is missing, and unable to vouch for a name outside the lab; a key that is
always its certificate's, whatever cuts a renewal short or runs beside it; the
folders Docker makes before the first `make up` named in one line."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from lab import lock, tls
from lab.errors import LabError
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


# --- a key always its certificate's ------------------------------------------------------

def public_key(path: Path) -> str:
    if "PRIVATE KEY" in path.read_text():
        return tls.openssl("pkey", "-in", path, "-pubout")
    return tls.openssl("x509", "-in", path, "-noout", "-pubkey")


def due_for_renewal(config: LabConfig, monkeypatch: pytest.MonkeyPatch) -> tls.LabTls:
    """A lab whose ATS certificate ends within the renewal margin."""
    monkeypatch.setattr(tls, "SERVER_DAYS", 1)
    files, _ = tls.ensure(config)
    monkeypatch.undo()
    return files


def test_a_key_that_is_not_its_certificate_s_is_made_anew_with_it_and_said_so(config: LabConfig) -> None:
    files, _ = tls.ensure(config)
    tls.openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", files.server_key)

    _, made = tls.ensure(config)

    assert made == [f"ATS's certificate for {len(tls.host_names())} names "
                    "(the old one: its key did not match its certificate)"]
    assert public_key(files.server_key) == public_key(files.server_cert)


def test_a_renewal_cut_short_after_the_new_key_leaves_the_old_pair_whole_and_nothing_else(
        config: LabConfig, monkeypatch: pytest.MonkeyPatch) -> None:
    files = due_for_renewal(config, monkeypatch)
    before = files.server_key.read_bytes(), files.server_cert.read_bytes()
    openssl = tls.openssl

    def signing_fails(*args: str | Path) -> str:
        if args[:2] == ("x509", "-req"):
            raise LabError("openssl x509 failed (exit 1): cut short")
        return openssl(*args)

    monkeypatch.setattr(tls, "openssl", signing_fails)
    with pytest.raises(LabError, match="cut short"):
        tls.ensure(config)
    monkeypatch.undo()

    assert (files.server_key.read_bytes(), files.server_cert.read_bytes()) == before
    assert sorted(os.listdir(files.server_key.parent)) == ["server.crt", "server.key"]
    assert tls.ensure(config)[1] == [f"ATS's certificate for {len(tls.host_names())} names"]
    assert public_key(files.server_key) == public_key(files.server_cert)


# One of two labs renewing at once: `first` stops once its new key is in
# place and its certificate not yet (before signing it, or before putting it in
# place), until `second` has run (3 s at most).
RACER = """
import os, pathlib, sys, time
from lab import tls
from lab.config import LabConfig

root, role, flags = pathlib.Path(sys.argv[1]), sys.argv[2], pathlib.Path(sys.argv[3])
config = LabConfig(root=root, settings={"HTTPS_PORT": "58443"})
files = tls.lab_tls(config)

def wait_for(flag, seconds):
    deadline = time.monotonic() + seconds
    while not (flags / flag).exists() and time.monotonic() < deadline:
        time.sleep(0.05)

if role == "first":
    openssl, replace = tls.openssl, os.replace

    def pause_if_the_new_key_is_in_place():
        key = openssl("pkey", "-in", files.server_key, "-pubout")
        if key != openssl("x509", "-in", files.server_cert, "-noout", "-pubkey") and not (flags / "paused").exists():
            (flags / "paused").touch()
            wait_for("second-done", 3)

    def signing(*args):
        if args[:2] == ("x509", "-req"):
            pause_if_the_new_key_is_in_place()
        return openssl(*args)

    def renaming(source, destination):
        if str(destination) == str(files.server_cert):
            pause_if_the_new_key_is_in_place()
        replace(source, destination)

    tls.openssl, os.replace = signing, renaming
else:
    wait_for("paused", 30)
tls.ensure(config)
(flags / f"{role}-done").touch()
"""


def test_two_labs_renewing_at_once_end_with_a_key_that_is_their_certificate_s(
        config: LabConfig, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    files = due_for_renewal(config, monkeypatch)
    flags = tmp_path / "flags"
    flags.mkdir()
    environment = {**os.environ, "PYTHONPATH": str(Path(tls.__file__).resolve().parent.parent)}
    environment.pop(lock.HELD, None)

    racers = [subprocess.Popen([sys.executable, "-c", RACER, str(config.root), role, str(flags)],
                               env=environment, stderr=subprocess.PIPE, text=True) for role in ("first", "second")]
    errors = [racer.communicate(timeout=60)[1] for racer in racers]

    assert [racer.returncode for racer in racers] == [0, 0], errors
    assert (flags / "paused").exists()
    assert public_key(files.server_key) == public_key(files.server_cert)
    assert tls.openssl_agrees("x509", "-in", files.server_cert, "-noout", "-checkend", str(tls.RENEW_BEFORE_S))


def test_ats_s_folder_holds_its_certificate_and_key_only_and_the_lock_is_beside_it(config: LabConfig) -> None:
    files, _ = tls.ensure(config)

    assert sorted(os.listdir(files.server_key.parent)) == ["server.crt", "server.key"]
    assert sorted(os.listdir(files.folder)) == ["ats", "ca", "lock"]


def test_ensure_under_the_lab_s_own_lock_leaves_that_lock_s_mark_for_the_lab_s_children(
        config: LabConfig, monkeypatch: pytest.MonkeyPatch) -> None:
    lab_lock = str(config.root / ".lab" / "lock")
    monkeypatch.setenv(lock.HELD, lab_lock)

    tls.ensure(config)

    assert os.environ.get(lock.HELD) == lab_lock


# --- what Docker makes before the first `make up` ------------------------------------------

def test_the_folders_docker_makes_before_the_first_make_up_give_one_line_saying_how_to_fix_them(
        config: LabConfig) -> None:
    files = tls.lab_tls(config)
    # `docker compose up` makes each missing bind-mount source a folder:
    # ./.lab/tls/ats, and ./.lab/tls/ca/ca.crt, which should be a file
    files.server_key.parent.mkdir(parents=True)
    files.ca_cert.mkdir(parents=True)

    with pytest.raises(LabError) as raised:
        tls.ensure(config)

    message = str(raised.value)
    assert ".lab/tls/ca/ca.crt is a folder, not a file" in message
    assert "`docker compose up`" in message and "openssl" not in message and "\n" not in message
    assert f"sudo rm -r {files.folder}" in raised.value.hint


def test_a_tls_folder_the_user_cannot_write_gives_one_line_saying_how_to_fix_it(
        config: LabConfig, monkeypatch: pytest.MonkeyPatch) -> None:
    ats = tls.lab_tls(config).server_key.parent
    ats.mkdir(parents=True)
    ats.chmod(0o555)
    if os.geteuid() == 0:
        # root writes whatever the mode: the check sees what a user sees of a root-owned folder
        monkeypatch.setattr(tls, "_writable", lambda folder: Path(folder) != ats, raising=False)

    try:
        with pytest.raises(LabError) as raised:
            tls.ensure(config)
    finally:
        ats.chmod(0o755)

    message = str(raised.value)
    assert ".lab/tls/ats is " in message and "not writable by you" in message
    assert "`docker compose up`" in message and "openssl" not in message
    assert f"sudo rm -r {ats.parent}" in raised.value.hint
