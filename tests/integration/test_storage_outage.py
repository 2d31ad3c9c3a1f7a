"""When the storage box stops or freezes, downloads and /healthz fail with a
clear 503 within the lab's bounds, no request hangs, and service returns by
itself when the box does (lab.scenarios.faults.storage_outage)."""
from __future__ import annotations

import uuid
from typing import Callable

import pytest

from lab.config import LabConfig
from lab.docker_ops import DockerLab
from lab.health import wait_until_healthy
from lab.http import LabClient
from lab.scenarios.faults import storage_outage
from lab.scenarios.outage import ANSWER_BOUND_S, RECOVERED_WITHIN_S, REFUSED_WITHIN_S, OutageReport
from lab.topology import SERVICES
from lab.waiting import poll_until


@pytest.fixture(scope="module", params=storage_outage.HOWS)
def outage(request: pytest.FixtureRequest, config: LabConfig, docker_lab: DockerLab) -> OutageReport:
    return storage_outage.run(config, docker_lab, request.param, out=lambda line: None)


def test_every_probe_answers_503_within_the_bound(outage: OutageReport) -> None:
    assert outage.refused_after_s <= REFUSED_WITHIN_S, outage.render()


def test_no_request_waits_past_the_answer_bound(outage: OutageReport) -> None:
    assert all(answer.status is not None for answer in outage.answers), outage.render()
    assert outage.slowest_answer_s <= ANSWER_BOUND_S, outage.render()


def test_service_returns_by_itself_within_the_bound(outage: OutageReport) -> None:
    assert outage.recovered_after_s <= RECOVERED_WITHIN_S, outage.render()


def test_web_container_started_while_the_box_is_down_says_so_and_comes_up_after(docker_lab: DockerLab) -> None:
    docker_lab.stop("storagebox")
    try:
        docker_lab.restart("sd6")
        poll_until(lambda: "the storage box storagebox:445 does not answer" in docker_lab.logs("sd6", tail=20),
                   timeout_s=30, awaited="sd6 to say in its log that the storage box does not answer")
        # Docker says "starting" for the first 60 s whatever happens; ask the probe itself
        probe = docker_lab.exec("sd6", ["/usr/local/bin/healthcheck"])
        assert probe.exit_code != 0, probe.output
        assert "Failed to connect to 127.0.0.1 port 80" in probe.output
    finally:
        docker_lab.start("storagebox")
    wait_until_healthy(docker_lab, SERVICES, lambda line: None, timeout_s=90)


def test_a_mount_that_is_gone_is_noticed_though_its_empty_folder_lists(
        config: LabConfig, docker_lab: DockerLab, file_on_share: Callable[..., str]) -> None:
    path = file_on_share("alpha", b"mount-gone probe\n")
    client = LabClient(config.http_base)
    unmounted = docker_lab.exec("sd6", ["umount", "--lazy", "/storage/sdmods"])
    assert unmounted.exit_code == 0, unmounted.output
    try:
        def content_status() -> int:
            return client.get(f"/content/{path}?gone={uuid.uuid4().hex}", host="alpha.spacedock.info").status_code

        poll_until(lambda: content_status() == 503, timeout_s=10,
                   awaited="alpha's /content/ to answer 503 once its mount has gone")
        assert docker_lab.exec("sd6", ["/usr/local/bin/healthcheck"]).exit_code != 0
        assert "is not a mount point" in docker_lab.exec("sd6", ["curl", "-s", "http://127.0.0.1/healthz"]).output
    finally:
        docker_lab.restart("sd6")
        wait_until_healthy(docker_lab, SERVICES, lambda line: None, timeout_s=120)
