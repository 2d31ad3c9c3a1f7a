"""Production's background work: every web container runs SpaceDock's Celery
worker with its periodic jobs (`worker -B`), on a Redis database of its own,
kept running as systemd keeps spacedock-celery.service."""
from __future__ import annotations

import json
import re
import time

import pytest

from lab.app import APPS, STAND_IN
from lab.config import LabConfig
from lab.docker_ops import DockerLab
from lab.health import wait_until_healthy
from lab.http import LabClient
from lab.topology import WEB_SERVICES
from lab.waiting import poll_until
from lab.worker import CALCULATE_MOD_SCORES, CeleryWorkers
from tests.integration.conftest import quick_unit_restarts

PRODUCTION_SCHEDULE = {"calculate mod scores": 86400, "import game versions": 3600}
# a score no mod has: set before the score job runs, gone after it
UNSCORED = -1_000_000


@pytest.fixture
def workers(docker_lab: DockerLab) -> CeleryWorkers:
    """The workers, each answering: one that lost Redis (a test stopped it)
    is started again a minute later."""
    workers = CeleryWorkers(docker_lab, APPS[STAND_IN])
    for service in WEB_SERVICES:
        poll_until(lambda service=service: workers.answers(service), timeout_s=90,
                   awaited=f"{service}'s Celery worker to answer")
    return workers


@pytest.mark.parametrize("service", WEB_SERVICES)
def test_each_web_container_runs_a_worker_with_the_periodic_jobs_in_it(docker_lab: DockerLab,
                                                                        service: str) -> None:
    assert "worker --beat" in docker_lab.command_line(service, "celery --app spacedock.tasks")


@pytest.mark.parametrize("service", WEB_SERVICES)
def test_each_container_s_tasks_go_to_its_own_worker_alone(workers: CeleryWorkers, service: str) -> None:
    assert workers.answering(service) == {f"celery@{service}"}


def test_the_periodic_jobs_are_configured_on_production_s_schedule(docker_lab: DockerLab) -> None:
    schedule = docker_lab.exec("sd1a", [
        "python3", "-c", "import json; from spacedock.tasks import app; print(json.dumps("
                         "{name: entry['schedule'] for name, entry in app.conf.beat_schedule.items()}))",
    ], user="www-data")

    assert json.loads(schedule.output.strip().splitlines()[-1]) == PRODUCTION_SCHEDULE


def scores_recalculated(workers: CeleryWorkers, sql, service: str, database: str, *, timeout_s: float) -> None:
    """Sets every mod's score in `database` to UNSCORED, queues the score job on
    the service's broker and waits until no mod is left without its score."""
    sql(database, f"UPDATE mod SET score = {UNSCORED}")

    workers.queue(service, CALCULATE_MOD_SCORES)

    left = f"SELECT count(*) FROM mod WHERE score = {UNSCORED}"
    poll_until(lambda: sql(database, left) == "0", timeout_s=timeout_s,
               awaited=f"{service}'s worker to recalculate every mod's score in {database}",
               last_state=lambda: f"{sql(database, left)} mods without a score")


def test_a_queued_score_calculation_gives_every_mod_its_score(workers: CeleryWorkers, sql, live: str) -> None:
    scores_recalculated(workers, sql, live, "spacedock", timeout_s=30)


def test_a_worker_that_dies_is_started_again_after_unit_restart_seconds(config: LabConfig, docker_lab: DockerLab,
                                                                         workers: CeleryWorkers) -> None:
    with quick_unit_restarts(config, ["sd6"]) as restart_s:
        logged = re.compile(r"the Celery worker \(pid \d+\) ended, killed by SIGKILL; "
                            rf"starting it again in {restart_s} s")
        logged_before = len(logged.findall(docker_lab.logs("sd6")))
        killed_at = time.monotonic()
        killed = docker_lab.exec("sd6", ["pkill", "--signal", "KILL", "--oldest", "--full", "--",
                                         "celery --app spacedock.tasks"])
        assert killed.exit_code == 0, killed.output

        poll_until(lambda: workers.answers("sd6"), timeout_s=60, awaited="sd6's worker to be started again")
        assert time.monotonic() - killed_at >= restart_s
        assert len(logged.findall(docker_lab.logs("sd6"))) == logged_before + 1


def test_through_a_redis_outage_the_site_serves_and_afterwards_the_work_is_done(
        docker_lab: DockerLab, client: LabClient, workers: CeleryWorkers, sql,
        everything_healthy_afterwards: None) -> None:
    docker_lab.stop("redis")
    during = client.get("/version?redis-stopped").status_code
    docker_lab.start("redis")
    wait_until_healthy(docker_lab, ["redis"], lambda line: None, timeout_s=30)

    assert during == 200
    # Debian's kombu 5.2.4 reconnected in place takes no task (Celery #8030): the
    # worker exits instead, and its keeper starts a fresh one a minute later
    scores_recalculated(workers, sql, "sd2", "spacedock_beta", timeout_s=120)
