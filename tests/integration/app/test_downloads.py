"""Mods uploaded and downloaded through ATS, on every download path the lab
runs: production's CDN redirect to /content/, beta's X-Sendfile, alpha's
send_file; and the download counter, which only requests reaching the app move."""
from __future__ import annotations

import hashlib

import pytest

from lab.config import LabConfig
from lab.docker_ops import DockerLab
from lab.http import LabClient, cache_result, served_by, via_hops
from lab.smb import StorageBox
from lab.standin_client import StandInClient, make_zip

MIB = 1024 * 1024
FROM_DISK = ["http/1.1 localhost (52K)"]


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def content_path(location: str) -> str:
    """https://spacedock.info/content/<path> -> /content/<path>"""
    assert location.startswith("https://spacedock.info/content/"), location
    return location[len("https://spacedock.info"):]


@pytest.fixture
def production_mod(author, unique: str) -> tuple[StandInClient, dict, bytes]:
    """A 5 MiB mod uploaded to production in three 2 MiB chunks."""
    spacedock = author("spacedock.info")
    data = make_zip(5 * MIB, unique)
    response = spacedock.create_mod(f"Lab Mod {unique}", "1.0.0", data)
    assert response.status_code == 201, response.text
    return spacedock, response.json(), data


def test_chunked_upload_on_production_downloads_identically_from_sd1a_and_sd1b(
    client: LabClient, production_mod: tuple[StandInClient, dict, bytes]
) -> None:
    _, mod, data = production_mod
    for host, container in (("sd1a.52k.de", "sd1a"), ("sd1b.52k.de", "sd1b")):
        redirect = client.get(mod["download_url"], host=host)
        response = client.get(content_path(redirect.headers["Location"]), host=host)

        assert redirect.status_code == 302
        assert served_by(redirect) == container
        assert response.status_code == 200
        assert sha256(response.content) == sha256(data), host


def test_cdn_redirect_leads_to_bytes_apache_serves_from_content(
    client: LabClient, production_mod: tuple[StandInClient, dict, bytes]
) -> None:
    _, mod, data = production_mod

    redirect = client.get(mod["download_url"])
    response = client.get(content_path(redirect.headers["Location"]))

    assert redirect.headers["Location"] == f"https://spacedock.info/content/{mod['storage_path']}"
    assert via_hops(redirect) == ["1.1 spacedock.info", "http/1.1 localhost (52K)"]
    assert via_hops(response) == FROM_DISK
    assert response.content == data


def test_only_requests_that_reach_the_app_move_the_counter(
    client: LabClient, production_mod: tuple[StandInClient, dict, bytes]
) -> None:
    spacedock, mod, _ = production_mod
    content = f"/content/{mod['storage_path']}"

    client.get(mod["download_url"])                                   # counted
    client.get(mod["download_url"], headers={"Range": "bytes=0-99"})  # reaches the app, a Range
    client.get(mod["download_url"], headers={"User-Agent": "Googlebot/2.1"})  # reaches the app, a bot
    first = client.get(content, debug=True)                           # Apache, not the app
    second = client.get(content, debug=True)                          # ATS's cache

    assert (cache_result(first), cache_result(second)) == ("miss", "hit-fresh")
    assert spacedock.download_count(mod["id"]) == 1
    assert spacedock.version_downloads(mod["id"], "1.0.0") == 1


@pytest.mark.parametrize(
    ("host", "container", "how"),
    [("beta.spacedock.info", "sd2", "X-Sendfile"), ("alpha.spacedock.info", "sd6", "send_file")],
    ids=["beta-x-sendfile", "alpha-send-file"],
)
def test_download_delivers_the_uploaded_bytes_and_serves_ranges_uncounted(
    client: LabClient, author, unique: str, host: str, container: str, how: str
) -> None:
    spacedock = author(host)
    data = make_zip(3 * MIB, unique)
    mod = spacedock.create_mod(f"Lab Mod {unique}", "1.0", data).json()

    whole = client.get(mod["download_url"], host=host)
    part = client.get(mod["download_url"], host=host, headers={"Range": "bytes=1000-1999"})

    assert whole.status_code == 200, how
    assert served_by(whole) == container
    assert via_hops(whole) == [f"1.1 {host}", "http/1.1 localhost (52K)"]
    assert sha256(whole.content) == sha256(data)
    assert part.status_code == 206
    assert part.content == data[1000:2000]
    assert spacedock.download_count(mod["id"]) == 1


def test_x_sendfile_answers_404_for_a_file_that_is_not_there(client: LabClient, author, unique: str,
                                                              config: LabConfig) -> None:
    spacedock = author("beta.spacedock.info")
    mod = spacedock.create_mod(f"Lab Mod {unique}", "1.0", make_zip(1000, unique)).json()
    StorageBox(config, "beta").remove(mod["storage_path"])

    response = client.get(mod["download_url"], host="beta.spacedock.info")

    assert response.status_code == 404


def test_x_sendfile_refuses_a_path_outside_the_storage_mount(client: LabClient, author, unique: str,
                                                             docker_lab: DockerLab) -> None:
    spacedock = author("beta.spacedock.info")
    mod = spacedock.create_mod(f"Lab Mod {unique}", "1.0", make_zip(1000, unique)).json()
    # A version row whose path climbs out of storage; like SpaceDock, the app
    # passes it on in X-Sendfile unchecked, and XSendFilePath must refuse it.
    update = docker_lab.exec("db", ["psql", "--dbname=spacedock_beta", "--command",
                                    "UPDATE modversion SET download_path = '../../../etc/passwd' "
                                    f"WHERE id = {mod['version_id']}"], user="postgres")
    assert update.output.strip() == "UPDATE 1", update.output

    response = client.get(mod["download_url"], host="beta.spacedock.info")

    assert response.status_code == 404
    assert b"root:" not in response.content
    assert "xsendfile: unable to find file" in docker_lab.logs("sd2", tail=50)
