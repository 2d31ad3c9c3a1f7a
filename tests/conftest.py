"""What every test folder shares: the evidence plugin, and the running lab
for the folders that test it (integration, scenarios)."""
from __future__ import annotations

import pytest

from lab import config as lab_config
from lab.commands.up import wait_until_healthy
from lab.config import LabConfig
from lab.docker_ops import DockerLab
from lab.errors import LabError
from lab.topology import SERVICES

# Every test run saves the lab's evidence when a test that talks to the lab fails.
pytest_plugins = ["lab.pytest_evidence"]

READY_TIMEOUT_S = 60


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
