"""Fixtures for the real SpaceDock's pass (`make real-spacedock`: the lab up
with APP=spacedock, each web container at its branch of SPACEDOCK_SRC)."""
from __future__ import annotations

import uuid
from typing import Callable

import pytest

from lab import database as lab_database
from lab import state as lab_state
from lab.app import APPS, SPACEDOCK, app_running
from lab.config import LabConfig
from lab.docker_ops import DockerLab
from lab.http import LabClient
from lab.spacedock.client import Mod, RealSpaceDockClient, logged_in
from lab.standin_client import make_zip
from lab.topology import DATABASES, WEB_SERVICES


@pytest.fixture(scope="session", autouse=True)
def real_spacedock_runs(config: LabConfig, docker_lab: DockerLab) -> None:
    images = lab_state.load(config).images
    stand_ins = [service for service in WEB_SERVICES if not app_running(images.get(service, "")).is_spacedock]
    if stand_ins:
        pytest.fail(f"{', '.join(stand_ins)} run the stand-in: `make up APP=spacedock` first", pytrace=False)


@pytest.fixture
def visitor(config: LabConfig, request: pytest.FixtureRequest) -> LabClient:
    """An anonymous visitor through ATS's plain port, tagged with this test's id."""
    return LabClient(config.http_base, test_tag=request.node.nodeid)


@pytest.fixture
def author(config: LabConfig, request: pytest.FixtureRequest) -> Callable[[str], RealSpaceDockClient]:
    """author(host) -> a client logged in as the demo user `user` over TLS."""
    return lambda host: logged_in(config, host, test_tag=request.node.nodeid)


def new_mod_name() -> str:
    """A mod name no other test uses."""
    return f"Lab{uuid.uuid4().hex[:8]}"


@pytest.fixture
def mod_name() -> str:
    return new_mod_name()


@pytest.fixture
def published(author: Callable[[str], RealSpaceDockClient]) -> Callable[..., tuple[RealSpaceDockClient, Mod, bytes]]:
    """published(host, versions=("1.0",)) -> (its author, a new published mod
    with those versions, the last version's zip)."""
    def publish(host: str, versions: tuple[str, ...] = ("1.0",)) -> tuple[RealSpaceDockClient, Mod, bytes]:
        client = author(host)
        name = new_mod_name()
        zipball = make_zip(64 * 1024, f"{name}-{versions[0]}")
        mod = client.create_mod(name, versions[0], zipball)
        for version in versions[1:]:
            zipball = make_zip(64 * 1024, f"{name}-{version}")
            client.add_version(mod, version, zipball)
        client.publish(mod)
        return client, mod, zipball
    return publish


@pytest.fixture
def sql(docker_lab: DockerLab) -> Callable[[str, str], str]:
    """sql(host, query) -> psql's output in that site's real-SpaceDock database."""
    return lambda host, query: lab_database.query(docker_lab, DATABASES[host] + APPS[SPACEDOCK].database_suffix,
                                                  query)
