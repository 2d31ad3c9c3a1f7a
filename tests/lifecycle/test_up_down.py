"""`make up` twice in a row is harmless; `make down` leaves nothing of the
project; and a developer's lab beside it is left exactly as it was.

The tests run in this order and end with the lab under test down.
"""
from __future__ import annotations

from lab import config as lab_config
from lab import live_alias
from lab import state as lab_state
from lab.docker_ops import DockerLab
from lab.http import LabClient, served_by
from lab.topology import SERVICES
from tests.lifecycle.conftest import DeveloperLab, make


def running_containers(lab: DockerLab) -> dict[str, tuple[str, str]]:
    """service -> (container id, when it started)."""
    return {service: (container.id, container.attrs["State"]["StartedAt"])
            for service, container in lab.containers().items()}


def test_make_up_on_a_running_lab_recreates_and_restarts_nothing() -> None:
    lab = DockerLab(lab_config.load().project)
    make("up").check_returncode()
    before = running_containers(lab)

    result = make("up")

    assert result.returncode == 0, result.stdout + result.stderr
    assert running_containers(lab) == before
    assert set(lab.healths(SERVICES).values()) == {"healthy"}
    assert "sdlab is up" in result.stdout


def test_the_live_container_survives_make_down_and_make_up() -> None:
    config = lab_config.load()
    lab = DockerLab(config.project)
    make("swap").check_returncode()
    live = lab_state.load(config).live

    make("down").check_returncode()
    result = make("up")

    assert result.returncode == 0, result.stdout + result.stderr
    assert live_alias.holders(lab) == [live]
    assert served_by(LabClient(config.http_base).get("/version")) == live


def test_make_down_leaves_no_container_or_network_of_the_project() -> None:
    lab = DockerLab(lab_config.load().project)

    result = make("down")

    assert result.returncode == 0, result.stdout + result.stderr
    assert lab.containers() == {}
    assert lab.networks() == []


def test_a_developer_s_lab_beside_it_is_left_exactly_as_it_was(developer_lab: DeveloperLab) -> None:
    after = developer_lab.now()

    assert after == developer_lab.before
    assert after.live_holders == (after.live,)
