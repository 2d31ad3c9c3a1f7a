"""The storage box: what is on the share is what the web containers serve,
and the share lets in only the lab's user, over SMB3 with encryption."""
from __future__ import annotations

import hashlib
import threading

import pytest
import smbclient
from smbprotocol.connection import Dialects

from lab.config import LabConfig
from lab.docker_ops import DockerLab
from lab.errors import LabError
from lab.http import LabClient, served_by
from lab.smb import StorageBox, probe_session
from lab.standin_client import make_zip


@pytest.fixture
def storagebox(config: LabConfig) -> StorageBox:
    return StorageBox(config, "backup")


def test_file_put_on_the_share_is_served_identically_by_sd1a_sd1b_and_content(
    client: LabClient, storagebox: StorageBox, unique: str
) -> None:
    data = make_zip(2 * 1024 * 1024, unique)
    storagebox.write(f"lab-tests/{unique}.zip", data)
    try:
        answers = {host: client.get(f"/content/lab-tests/{unique}.zip", host=host)
                   for host in ("sd1a.52k.de", "sd1b.52k.de", "spacedock.info")}
    finally:
        storagebox.remove(f"lab-tests/{unique}.zip")

    assert {host: response.status_code for host, response in answers.items()} == dict.fromkeys(answers, 200)
    assert served_by(answers["sd1a.52k.de"]) == "sd1a"
    assert served_by(answers["sd1b.52k.de"]) == "sd1b"
    assert {hashlib.sha256(response.content).hexdigest() for response in answers.values()} == \
        {hashlib.sha256(data).hexdigest()}


def test_file_uploaded_through_the_app_is_on_the_share_at_the_production_path(
    author, storagebox: StorageBox, unique: str
) -> None:
    data = make_zip(3 * 1024 * 1024, unique)

    mod = author("spacedock.info").create_mod(f"Share Test {unique}", "2.0", data).json()

    assert mod["storage_path"] == f"user_2/Share_Test_{unique}/Share_Test_{unique}-2.0.zip"
    assert storagebox.read(mod["storage_path"]) == data


def test_share_refuses_a_wrong_password(config: LabConfig) -> None:
    with pytest.raises(LabError, match="STATUS_LOGON_FAILURE|logon is invalid"):
        probe_session(config, username=config.get("SMB_USER"), password="not-the-password")


def test_share_refuses_a_client_that_cannot_encrypt(config: LabConfig) -> None:
    with pytest.raises(LabError, match="STATUS_NOT_SUPPORTED"):
        probe_session(config, username=config.get("SMB_USER"), password=config.get("SMB_PASSWORD"),
                      dialect=Dialects.SMB_2_1_0)


def test_session_is_encrypted_even_when_the_client_does_not_ask(config: LabConfig) -> None:
    granted = probe_session(config, username=config.get("SMB_USER"), password=config.get("SMB_PASSWORD"),
                            require_encryption=False)

    assert granted.encrypted


@pytest.mark.parametrize("login", [["-N"], ["-U", "guest%"]], ids=["anonymous", "guest"])
def test_share_refuses_anonymous_and_guest_sessions(docker_lab: DockerLab, login: list[str]) -> None:
    # Samba's own client, inside the storage box: smbprotocol cannot even try an anonymous login.
    result = docker_lab.exec("storagebox", ["smbclient", "//127.0.0.1/backup", *login, "-m", "SMB3",
                                            "--client-protection=encrypt", "-c", "ls"])

    assert result.exit_code != 0
    assert "NT_STATUS_ACCESS_DENIED" in result.output or "NT_STATUS_LOGON_FAILURE" in result.output


def test_removing_a_file_another_client_holds_open_waits_until_it_lets_go(storagebox: StorageBox,
                                                                          unique: str) -> None:
    name = f"lab-tests/{unique}-held.bin"
    storagebox.write(name, b"held open by another client\n")
    # another client (as smbnetfs after serving it), holding it without letting anyone delete it
    handle = smbclient.open_file(storagebox.unc(name), mode="rb", share_access="r", **storagebox.credentials)
    letting_go = threading.Timer(1.0, handle.close)
    letting_go.start()

    storagebox.remove(name)

    letting_go.join()
    assert name not in storagebox.files("lab-tests")
