"""Blue-green swaps of sd1a and sd1b through the live aliases, with the lab
under load through ATS (uncacheable requests, so the cache cannot hide an
outage): no request fails, ATS follows within 5 s, in-flight downloads
finish, a broken idle container is refused, and production's host-DNS
caching reproduces the bug a swap would have had."""
from __future__ import annotations

import hashlib
import os
import subprocess
import threading
from typing import Iterator

import pytest

from lab import live_alias
from lab import state as lab_state
from lab.config import REPO_ROOT, LabConfig
from lab.deploy import deploy
from lab.docker_ops import DockerLab
from lab.faults import throttled
from lab.health import wait_until_healthy
from lab.http import LabClient, served_by
from lab.load import Load
from lab.scenarios.faults import swap_under_load
from lab.smb import StorageBox
from lab.standin_client import make_zip
from lab.swap import SwapRefused, swap
from lab.switches import recreate, switched
from lab.topology import FRONT_NETWORK, PRODUCTION_PAIR

QUIET = lambda line: None  # noqa: E731  (the swap's progress lines)


@pytest.fixture(scope="module")
def swaps_under_load(config: LabConfig, docker_lab: DockerLab) -> swap_under_load.LoadReport:
    return swap_under_load.run(config, docker_lab, QUIET)


def test_five_swaps_under_twenty_clients_fail_no_request(swaps_under_load: swap_under_load.LoadReport) -> None:
    assert len(swaps_under_load.swaps) == 5
    assert swaps_under_load.clients == 20
    assert swaps_under_load.failures == [], swaps_under_load.render()
    assert swaps_under_load.requests > 1000, swaps_under_load.render()


def test_after_each_swap_every_new_request_reaches_the_new_container_within_5_s(
    swaps_under_load: swap_under_load.LoadReport,
) -> None:
    for item in swaps_under_load.swaps:
        assert item.late_to_old == 0, swaps_under_load.render()
        assert item.last_old_after_s <= swap_under_load.FOLLOW_BOUND_S, swaps_under_load.render()


def test_each_swap_alternates_the_live_container(swaps_under_load: swap_under_load.LoadReport) -> None:
    pairs = [(item.swap.old, item.swap.new) for item in swaps_under_load.swaps]

    assert all(old != new for old, new in pairs)
    assert all(pairs[n][1] == pairs[n + 1][0] for n in range(len(pairs) - 1))


def test_a_large_download_from_the_old_container_completes_across_a_swap(
    config: LabConfig, docker_lab: DockerLab, client: LabClient, live: str, unique: str
) -> None:
    data = make_zip(48 * 1024 * 1024, unique)
    name = f"lab-tests/{unique}-large.zip"
    box = StorageBox(config, "backup")
    box.write(name, data)
    digest = hashlib.sha256()
    try:
        # A slow link (5 MB/s) from the old container keeps the download going
        # while the aliases move; re-attaching the container lifts the limit.
        with throttled(docker_lab, live, FRONT_NETWORK, "40mbit"):
            response = client.session.get(f"{client.base_url}/content/{name}", stream=True, timeout=120,
                                          headers={"Host": "spacedock.info", "X-Lab-Test": client.test_tag})
            digest.update(next(response.iter_content(1024 * 1024)))
            reader = threading.Thread(target=lambda: [digest.update(c) for c in response.iter_content(1024 * 1024)])
            reader.start()
            report = swap(config, docker_lab, lab_state.load(config), QUIET)
            reader.join(timeout=120)
    finally:
        box.remove(name)

    assert served_by(response) == live == report.old
    assert report.busy_at_move >= 1, "the download had finished before the aliases moved"
    assert not reader.is_alive()
    assert digest.hexdigest() == hashlib.sha256(data).hexdigest()


@pytest.fixture(params=["frozen", "off the front network"])
def broken_idle(request: pytest.FixtureRequest, docker_lab: DockerLab, config: LabConfig) -> Iterator[str]:
    """The idle production container frozen (Docker says so), or cut off from
    ATS while Docker still calls it healthy; repaired afterwards."""
    idle = lab_state.load(config).idle
    if request.param == "frozen":
        docker_lab.pause(idle)
        repair = lambda: docker_lab.unpause(idle)  # noqa: E731
    else:
        address, aliases = docker_lab.ip_address(idle, FRONT_NETWORK), docker_lab.aliases(idle, FRONT_NETWORK)
        docker_lab.disconnect(idle, FRONT_NETWORK)
        repair = lambda: docker_lab.connect(idle, FRONT_NETWORK, aliases, address)  # noqa: E731
    try:
        yield idle
    finally:
        repair()
        wait_until_healthy(docker_lab, [idle], QUIET, timeout_s=60)


def test_swap_to_a_broken_idle_container_is_refused_and_fails_no_request(
    config: LabConfig, docker_lab: DockerLab, live: str, broken_idle: str
) -> None:
    with (Load(config.http_base, clients=20, max_seconds=120) as load,
          pytest.raises(SwapRefused, match=f"{broken_idle} .*; nothing was moved")):
        swap(config, docker_lab, lab_state.load(config), QUIET)

    assert load.failures() == []
    assert {result.container for result in load.results} == {live}
    assert lab_state.load(config).live == live
    assert live_alias.holders(docker_lab) == [live]


def commit_of_tree(tree: str, message: str) -> str:
    """A commit object for `tree` on top of HEAD; no branch or ref points at it,
    so it changes nothing in the checkout (git gc removes it in time)."""
    return subprocess.run(["git", "-C", str(REPO_ROOT), "-c", "user.name=sdlab tests",
                           "-c", "user.email=tests@sdlab.localhost", "commit-tree", tree, "-p", "HEAD",
                           "-m", message], check=True, capture_output=True, text=True).stdout.strip()


def head_tree_with(path: str, content: str) -> str:
    """HEAD's tree with one file replaced, written without touching the work tree."""
    index = REPO_ROOT / ".git" / "sdlab-test-index"
    env = {**os.environ, "GIT_INDEX_FILE": str(index)}
    try:
        run = lambda *args, **kw: subprocess.run(["git", "-C", str(REPO_ROOT), *args], check=True,  # noqa: E731
                                                 capture_output=True, text=True, env=env, **kw).stdout.strip()
        run("read-tree", "HEAD")
        blob = run("hash-object", "-w", "--stdin", input=content)
        run("update-index", "--cacheinfo", f"100644,{blob},{path}")
        return run("write-tree")
    finally:
        index.unlink(missing_ok=True)


@pytest.fixture
def restore_idle(config: LabConfig, docker_lab: DockerLab) -> Iterator[None]:
    """Afterwards, both production containers run the images they ran before
    (the working tree's, in make test's lab; a developer's deployed refs)."""
    before = dict(lab_state.load(config).images)
    yield
    state = lab_state.load(config)
    for service in [service for service in PRODUCTION_PAIR if state.images.get(service) != before.get(service)]:
        if service == state.live:
            swap(config, docker_lab, state, QUIET)
            state = lab_state.load(config)
        if service in before:
            state.images[service] = before[service]
            lab_state.save(config, state)
            recreate(config, [service], QUIET)
        else:
            deploy(config, docker_lab, state, service, None, QUIET)


def head_tree() -> str:
    return subprocess.run(["git", "-C", str(REPO_ROOT), "rev-parse", "HEAD^{tree}"], check=True,
                          capture_output=True, text=True).stdout.strip()


def test_swap_to_a_ref_puts_that_version_live(config: LabConfig, docker_lab: DockerLab, client: LabClient,
                                              restore_idle: None) -> None:
    commit = commit_of_tree(head_tree(), "sdlab test: a new version to deploy")

    report = swap(config, docker_lab, lab_state.load(config), QUIET, ref=commit)

    version = client.get("/version").text
    assert f"version: {commit[:12]}\n" in version
    assert f"container: {report.new}\n" in version
    assert docker_lab.image_version(report.new) == commit[:12]


def test_swap_to_a_ref_that_does_not_come_up_is_refused(config: LabConfig, docker_lab: DockerLab,
                                                        client: LabClient, live: str, restore_idle: None) -> None:
    broken = head_tree_with("app/spacedock/__init__.py", 'raise SystemExit("broken on purpose by an sdlab test")\n')
    commit = commit_of_tree(broken, "sdlab test: an app that cannot start")

    with pytest.raises(SwapRefused, match="did not come up"):
        swap(config, docker_lab, lab_state.load(config), QUIET, ref=commit)

    assert lab_state.load(config).live == live
    assert served_by(client.get("/version")) == live


@pytest.fixture
def ats_with_production_dns_caching(config: LabConfig) -> Iterator[None]:
    with switched(config, ["ats"], {"ATS_DNS_CACHE": "production"}):
        yield


def test_with_production_dns_caching_ats_keeps_sending_to_the_old_container(
    config: LabConfig, docker_lab: DockerLab, client: LabClient, live: str, ats_with_production_dns_caching: None
) -> None:
    assert served_by(client.get("/version")) == live  # ATS has looked the alias up: TTL 600 s

    report = swap(config, docker_lab, lab_state.load(config), QUIET, follow_timeout_s=5)
    answers = {served_by(client.get(f"/version?after-swap={n}")) for n in range(50)}

    assert report.followed_after_s is None
    assert lab_state.load(config).live == report.new
    assert answers == {report.old}
