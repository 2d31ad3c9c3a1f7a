"""The lab's own lifecycle: these tests run `make up`, `make swap` and `make down`
themselves (on the lab LAB_ENV_FILE names: the test lab under `make test`) and
leave it down. Beside it, for the whole session, stands a second lab playing a
developer's `make up` lab, which they must leave exactly as it was."""
from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest

from lab import config as lab_config
from lab import consent
from lab import database as lab_database
from lab import live_alias
from lab import state as lab_state
from lab import testlab
from lab.config import LAB_ENV_FILE, REPO_ROOT
from lab.docker_ops import DockerLab
from lab.errors import LabError
from lab.http import LabClient, cache_result

HERE = Path(__file__).parent
MAKE_TIMEOUT_S = 900
# a file ATS keeps for 30 days: cached before, it must still be a hit after
CACHED_PATH = "/static/spacedock.css?developer-lab"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.lifecycle)


def make(target: str, environment: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["make", "--no-print-directory", target], check=False, cwd=REPO_ROOT, capture_output=True,
                          text=True, timeout=MAKE_TIMEOUT_S, env=environment)


@dataclass(frozen=True)
class LabSnapshot:
    """What a developer would notice had changed."""
    containers: dict[str, tuple[str, str]]  # service -> (container id, when it started)
    live: str
    live_holders: tuple[str, ...]
    mods: str                               # rows in production's mod table
    cached: str | None                      # xdebug's X-Cache for CACHED_PATH


def snapshot(lab: testlab.SecondLab) -> LabSnapshot:
    config = lab.config
    docker_lab = DockerLab(config.project)
    mods = lab_database.query(docker_lab, "spacedock", "SELECT count(*) FROM mod")
    return LabSnapshot(
        containers={service: (container.id, container.attrs["State"]["StartedAt"])
                    for service, container in docker_lab.containers().items()},
        live=lab_state.load(config).live,
        live_holders=tuple(live_alias.holders(docker_lab)),
        mods=mods,
        cached=cache_result(LabClient(config.http_base).get(CACHED_PATH, debug=True)),
    )


@dataclass(frozen=True)
class DeveloperLab:
    lab: testlab.SecondLab
    before: LabSnapshot

    def now(self) -> LabSnapshot:
        return snapshot(self.lab)


@pytest.fixture(scope="session", autouse=True)
def developer_lab() -> Iterator[DeveloperLab]:
    """A lab up beside the one under test, as a developer's would be; removed afterwards."""
    base = lab_config.load(environ={key: value for key, value in os.environ.items() if key != LAB_ENV_FILE})
    testlab.remove(base, "developer")
    lab = testlab.prepare(base, "developer")
    try:
        started = make("up", lab.environment())
        assert started.returncode == 0, started.stdout + started.stderr
        LabClient(lab.config.http_base).get(CACHED_PATH)
        developer = DeveloperLab(lab, before=snapshot(lab))
        assert developer.before.cached == "hit-fresh"
        yield developer
    finally:
        testlab.remove(base, "developer")


@pytest.fixture(scope="session", autouse=True)
def your_lab_as_it_was() -> Iterator[None]:
    """Run against a developer's own lab (not make test's), these tests leave
    it as they found it: up again, with the images its containers were
    deployed with, on the same live container, if it was up."""
    config = lab_config.load()
    docker_lab = DockerLab(config.project)
    try:
        was_up = not consent.is_second_lab(config) and bool(live_alias.holders(docker_lab))
    except LabError:  # no lab up
        was_up = False
    before = lab_state.load(config)
    yield
    if not was_up:
        return
    state = lab_state.load(config)
    state.images = before.images
    lab_state.save(config, state)
    started = make("up")
    assert started.returncode == 0, started.stdout + started.stderr
    if lab_state.load(config).live != before.live:
        swapped = make("swap")
        assert swapped.returncode == 0, swapped.stdout + swapped.stderr
