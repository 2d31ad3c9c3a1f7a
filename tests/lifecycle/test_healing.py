"""`make up` heals: a container gone unhealthy is recreated; one that stays
broken is named, with its probe and the end of its log, while ATS and the
live production container go on serving; `make deploy` recreates a container
even when its image is unchanged."""
from __future__ import annotations

import os

from lab import config as lab_config
from lab import state as lab_state
from lab.docker_ops import DockerLab
from lab.http import LabClient, served_by
from lab.topology import SERVICES
from lab.waiting import poll_until
from tests.lifecycle.conftest import make

# three failed probes, 3 s apart
UNHEALTHY_BOUND_S = 40


def test_make_up_recreates_a_container_that_went_unhealthy() -> None:
    lab = DockerLab(lab_config.load().project)
    make("up").check_returncode()
    before = lab.container("sd2").id
    # the storage mount taken away, and the folder under it closed to the app:
    # /healthz fails until the container is made anew
    unmounted = lab.exec("sd2", ["sh", "-c", "umount --lazy /storage/sdmods && chmod 000 /storage/sdmods"])
    assert unmounted.exit_code == 0, unmounted.output
    poll_until(lambda: lab.healths(["sd2"])["sd2"] == "unhealthy", timeout_s=UNHEALTHY_BOUND_S,
               awaited="sd2 to be unhealthy without its storage", last_state=lambda: lab.healths(["sd2"])["sd2"])

    result = make("up")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "lab: sd2 is unhealthy" in result.stdout and "recreating it" in result.stdout
    assert lab.container("sd2").id != before
    assert set(lab.healths(SERVICES).values()) == {"healthy"}


def test_a_broken_beta_leaves_production_serving_and_make_up_names_it() -> None:
    config = lab_config.load()
    broken = {**os.environ, "BETA_GUNICORN_INSTANCES": "9"}

    result = make("up", broken)

    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "ATS and the live production container serve, but sd2 stayed broken" in output
    assert "GUNICORN_INSTANCES must be 1 to 8" in output
    live = lab_state.load(config).live
    answer = LabClient(config.http_base).get("/version")
    assert (answer.status_code, served_by(answer)) == (200, live)


def test_make_deploy_recreates_a_container_whose_image_is_unchanged() -> None:
    lab = DockerLab(lab_config.load().project)
    make("up").check_returncode()  # also the repair of the broken beta above
    before = lab.container("sd6").id

    result = make("deploy", {**os.environ, "SERVICE": "sd6"})

    assert result.returncode == 0, result.stdout + result.stderr
    assert "a new container, even if the image is unchanged" in result.stdout
    assert lab.container("sd6").id != before
    assert lab.healths(["sd6"])["sd6"] == "healthy"
