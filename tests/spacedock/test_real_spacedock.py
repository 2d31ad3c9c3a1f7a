"""The real SpaceDock behind production's infrastructure (APP=spacedock):
each site is its branch, answered through ATS with production's Via; its own
download() redirects to /content/ on production and hands the file to Apache
by X-Sendfile on beta; downloads are counted in its own tables; uploads go
through its own API onto the storage mount."""
from __future__ import annotations

import hashlib
import subprocess
from typing import Callable

import pytest

from lab import state as lab_state
from lab import status
from lab.config import LabConfig
from lab.docker_ops import DockerLab
from lab.http import LabClient, served_by, via_hops
from lab.scenarios.faults import swap_under_load
from lab.smb import StorageBox
from lab.spacedock.client import BROWSER, DEMO_MODS, Mod, RealSpaceDockClient
from lab.spacedock.image import checkout, resolve
from lab.standin_client import make_zip
from lab.topology import WEB_SERVICES
from lab.waiting import poll_until

SITES = [("spacedock.info", "SPACEDOCK_PRODUCTION_REF"), ("beta.spacedock.info", "SPACEDOCK_BETA_REF"),
         ("alpha.spacedock.info", "SPACEDOCK_ALPHA_REF")]
Published = Callable[..., tuple[RealSpaceDockClient, Mod, bytes]]
DROPZONE_CHUNK_BYTES = 2 * 1024 * 1024
# each site's way to a download: production redirects to /content/ (Apache
# serves the file), beta hands it to Apache by X-Sendfile, alpha sends it itself
DOWNLOAD_PATHS = [
    ("spacedock.info", "backup", lambda mod: f"/content/{mod.zip_path('1.0')}"),
    ("beta.spacedock.info", "beta", lambda mod: mod.download_route("1.0")),
    ("alpha.spacedock.info", "alpha", lambda mod: mod.download_route("1.0")),
]


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize(("host", "branch_setting"), SITES)
def test_each_site_runs_its_branch_of_spacedock(config: LabConfig, visitor: LabClient, host: str,
                                                 branch_setting: str) -> None:
    commit = resolve(checkout(config), config.get(branch_setting))

    answer = visitor.get("/version", host=host)

    assert answer.status_code == 200
    assert answer.text.startswith(f"commit {commit}\n"), answer.text[:200]


@pytest.mark.parametrize("host", [host for host, _ in SITES])
def test_spacedock_s_pages_carry_the_apache_and_ats_via(visitor: LabClient, host: str) -> None:
    answer = visitor.get("/", host=host)

    assert answer.status_code == 200
    assert "SpaceDock" in answer.text
    assert via_hops(answer) == [f"1.1 {host}", "http/1.1 localhost (52K)"]


def test_spacedock_s_built_frontend_is_served_by_apache_with_only_the_ats_via(visitor: LabClient) -> None:
    answer = visitor.get("/static/mods.js")

    assert answer.status_code == 200
    assert answer.headers["Via"] == "http/1.1 localhost (52K)"
    assert served_by(answer) is not None


def test_every_web_container_mounts_the_storage_box(config: LabConfig, docker_lab: DockerLab) -> None:
    gathered = status.gather(docker_lab, lab_state.load(config))

    mounts = {name: gathered.service(name).storage.split()[0] for name in WEB_SERVICES}
    assert set(mounts.values()) <= {"cifs", "smbfuse"}, mounts


def test_an_upload_in_dropzone_s_chunks_lands_whole_on_the_storage_box(config: LabConfig,
                                                                        author: Callable[[str], RealSpaceDockClient],
                                                                        mod_name: str) -> None:
    zipball = make_zip(5 * 1024 * 1024, mod_name)  # three chunks: each opens the file for appending

    mod = author("beta.spacedock.info").create_mod(mod_name, "1.0", zipball, chunk_bytes=DROPZONE_CHUNK_BYTES)

    assert sha256(StorageBox(config, "beta").read(mod.zip_path("1.0"))) == sha256(zipball)


@pytest.mark.parametrize(("host", "share", "path"), DOWNLOAD_PATHS, ids=[host for host, _, _ in DOWNLOAD_PATHS])
def test_each_site_s_downloads_come_from_the_storage_box(config: LabConfig, visitor: LabClient, published: Published,
                                                         host: str, share: str, path: Callable[[Mod], str]) -> None:
    _, mod, _ = published(host)
    on_the_box = make_zip(64 * 1024, f"{mod.name} as the storage box has it")
    StorageBox(config, share).write(mod.zip_path("1.0"), on_the_box)

    answer = visitor.get(path(mod), host=host, headers=BROWSER)

    assert answer.status_code == 200
    assert sha256(answer.content) == sha256(on_the_box)


def test_a_production_download_is_counted_then_redirected_to_content(visitor: LabClient, published: Published,
                                                                     sql: Callable[[str, str], str]) -> None:
    _, mod, zipball = published("spacedock.info")

    answer = visitor.get(f"/mod/{mod.id}/{mod.name}/download/1.0", headers=BROWSER)

    assert answer.status_code == 302
    location = answer.headers["Location"]
    assert location == f"https://spacedock.info/content/{mod.zip_path('1.0')}"
    assert sha256(visitor.get(location.removeprefix("https://spacedock.info")).content) == sha256(zipball)
    assert sql("spacedock.info", f"SELECT download_count FROM mod WHERE id = {mod.id}") == "1"
    assert sql("spacedock.info", f"SELECT sum(downloads) FROM downloadevent WHERE mod_id = {mod.id}") == "1"


def test_a_beta_download_is_sent_by_apache_through_x_sendfile(visitor: LabClient, published: Published,
                                                              sql: Callable[[str, str], str]) -> None:
    _, mod, zipball = published("beta.spacedock.info")

    answer = visitor.get(f"/mod/{mod.id}/{mod.name}/download/1.0", host="beta.spacedock.info", headers=BROWSER)

    assert answer.status_code == 200
    assert "X-Sendfile" not in answer.headers
    assert sha256(answer.content) == sha256(zipball)
    assert sql("beta.spacedock.info", f"SELECT download_count FROM modversion WHERE mod_id = {mod.id}") == "1"


def test_the_checkout_is_not_in_the_lab_s_repository(config: LabConfig) -> None:
    tracked = subprocess.run(["git", "-C", str(config.root), "ls-files", "KerbalStuff", "spacedock"],
                             capture_output=True, text=True, check=True).stdout
    assert tracked == ""


def test_a_swap_under_load_fails_no_request(config: LabConfig, docker_lab: DockerLab) -> None:
    report = swap_under_load.run(config, docker_lab, lambda line: None, clients=10, swaps=2)

    assert report.requests > 0
    assert report.failures == []


@pytest.mark.parametrize("host", [host for host, _ in SITES])
def test_make_up_published_demo_mods_through_spacedock_s_api(visitor: LabClient, host: str) -> None:
    listed = visitor.get("/api/user/user", host=host)

    assert listed.status_code == 200
    assert {mod["name"] for mod in listed.json()["mods"]} >= set(DEMO_MODS)


def test_status_hears_spacedock_s_own_celery_worker_in_every_web_container(config: LabConfig,
                                                                            docker_lab: DockerLab) -> None:
    # asked through the app each container runs (a plain `make status` after `make up APP=spacedock`)
    def workers() -> dict[str, str]:
        gathered = status.gather(docker_lab, lab_state.load(config))
        return {name: gathered.service(name).worker for name in WEB_SERVICES}

    # a worker that has just started takes a moment to answer; the deadline's message shows the last look
    poll_until(lambda: set(workers().values()) == {"answers"}, timeout_s=60, interval_s=2,
               awaited="every web container's Celery worker to answer make status", last_state=lambda: str(workers()))
