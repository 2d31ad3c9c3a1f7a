"""What every test folder shares: the evidence plugin, and the running lab
for the folders that test it (integration, scenarios, spacedock)."""
from __future__ import annotations

from pathlib import Path

import pytest

from lab import config as lab_config
from lab.config import LabConfig
from lab.docker_ops import DockerLab
from lab.errors import LabError
from lab.health import wait_until_healthy
from lab.topology import SERVICES

# Every test run saves the lab's evidence when a test that talks to the lab fails.
pytest_plugins = ["lab.pytest_evidence"]

READY_TIMEOUT_S = 60
# Tests in these folders talk to the running lab: marked `integration` (evidence saved on failure).
LAB_FOLDERS = tuple(Path(__file__).parent / folder for folder in ("integration", "scenarios", "spacedock"))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if any(folder in item.path.parents for folder in LAB_FOLDERS):
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def config() -> LabConfig:
    return lab_config.load()


@pytest.fixture(scope="session")
def docker_lab(config: LabConfig) -> DockerLab:
    """The running lab, once every service is healthy (or the run stops, saying why)."""
    try:
        lab = DockerLab(config.project)
        wait_until_healthy(lab, SERVICES, lambda line: None, timeout_s=READY_TIMEOUT_S)
    except LabError as error:
        pytest.fail(f"the lab is not up ({error}); run `make up` first", pytrace=False)
    return lab
