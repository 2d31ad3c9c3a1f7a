"""Fixtures for tests against the running lab (`make up` first).

Every test here is marked `integration`; each request it sends through ATS
carries `X-Lab-Test: <test id>`, so its lines in the ATS and Apache logs can
be found with `make logs | grep <test name>`.
"""
from __future__ import annotations

import uuid
from contextlib import contextmanager
from typing import Callable, Iterator, Sequence

import pytest

from lab import database as lab_database
from lab import live_alias
from lab import state as lab_state
from lab.ats import TrafficServer
from lab.config import LabConfig
from lab.docker_ops import DockerLab
from lab.health import wait_until_healthy
from lab.http import LabClient
from lab.smb import StorageBox
from lab.standin_client import StandInClient, logged_in
from lab.switches import switched
from lab.topology import SERVICES

# A lab that starts a dead gunicorn instance or Celery worker again within this
# (the test lab's UNIT_RESTART_SECONDS, 10 s) is tested as it is; a slower one
# (a developer's lab: production's 60 s) is switched to QUICK_RESTART_S for the test.
TESTED_AS_IS_S = 10
QUICK_RESTART_S = 5


@contextmanager
def quick_unit_restarts(config: LabConfig, services: Sequence[str]) -> Iterator[int]:
    """The lab with a dead gunicorn instance or Celery worker of `services`
    started again within TESTED_AS_IS_S; yields UNIT_RESTART_SECONDS. Switching
    costs two recreates, so a lab quick enough already is left as it is."""
    configured = int(config.get("UNIT_RESTART_SECONDS"))
    if configured <= TESTED_AS_IS_S:
        yield configured
        return
    with switched(config, services, {"UNIT_RESTART_SECONDS": str(QUICK_RESTART_S)}):
        yield QUICK_RESTART_S

@pytest.fixture
def live(config: LabConfig, docker_lab: DockerLab) -> str:
    """The live production container; the lab's record and Docker must agree."""
    recorded = lab_state.load(config).live
    assert live_alias.holders(docker_lab) == [recorded], "the live aliases are not where .lab/state.json says"
    return recorded


@pytest.fixture
def client(config: LabConfig, docker_lab: DockerLab, request: pytest.FixtureRequest) -> LabClient:
    """HTTP through ATS's published port, tagged with this test's id."""
    return LabClient(config.http_base, test_tag=request.node.nodeid)


@pytest.fixture
def author(config: LabConfig, client: LabClient):
    """author(host) -> a StandInClient logged in as the demo user `user` on that site."""
    def log_in(host: str = "spacedock.info") -> StandInClient:
        return logged_in(config, host, test_tag=client.test_tag)
    return log_in


@pytest.fixture
def unique() -> str:
    """A short random word for names this test creates on shared services."""
    return uuid.uuid4().hex[:8]


@pytest.fixture
def sql(docker_lab: DockerLab) -> Callable[[str, str], str]:
    """sql(database, query) -> psql's unaligned output, run inside the db container."""
    return lambda database, query: lab_database.query(docker_lab, database, query)


@pytest.fixture
def ats(docker_lab: DockerLab) -> TrafficServer:
    return TrafficServer(docker_lab)


@pytest.fixture
def file_on_share(config: LabConfig, unique: str) -> Iterator[Callable[..., str]]:
    """file_on_share(share, data, suffix=".txt") -> the path of a file of this
    test's own on that share of the storage box; removed after the test."""
    written: list[tuple[str, str]] = []

    def write(share: str, data: bytes, suffix: str = ".txt") -> str:
        path = f"lab-tests/{unique}-{len(written)}{suffix}"
        StorageBox(config, share).write(path, data)
        written.append((share, path))
        return path

    yield write
    for share, path in written:
        StorageBox(config, share).remove(path)


@pytest.fixture
def everything_healthy_afterwards(docker_lab: DockerLab) -> Iterator[None]:
    """For a test that kills or stops services: those that exited are started
    again afterwards, and every service is awaited healthy."""
    yield
    for service, health in docker_lab.healths(SERVICES).items():
        if health == "exited":
            docker_lab.start(service)
    wait_until_healthy(docker_lab, SERVICES, lambda line: None, timeout_s=120)
