"""A web container whose Apache, storage watch or smbnetfs dies (an OOM kill,
a crash) exits, naming the process and how it ended, and Docker starts it again
(restart: unless-stopped); it never sits "Up (unhealthy)" answering 503 for
good, not even with a unit that ignores the stop. (A dead gunicorn instance is
started again inside, as production's systemd does: test_production_switches.py.)"""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from lab.docker_ops import DockerLab
from lab.status import STORAGE_STATE_FILE
from lab.waiting import poll_until

# the entrypoint's stop ends within 36 s whatever is stuck (STOP_GRACE_S); then Docker starts it again
EXIT_BOUND_S = 45
# the oldest process whose command line matches: the master, not a worker
MASTERS = {"Apache": "apache2 -DFOREGROUND", "the storage watch": "storage-watch"}


def last_line_with(log: str, text: str) -> str:
    """The log's last line that holds `text` (a container's log keeps its earlier runs')."""
    return next((line for line in reversed(log.splitlines()) if text in line), "")


def killed_and_started_again(docker_lab: DockerLab, service: str, process: str, kill: list[str]) -> None:
    """Run `kill` in the service's container; wait until Docker has started it again and it is healthy."""
    restarts = docker_lab.restart_counts([service])[service]
    killed = docker_lab.exec(service, kill)
    assert killed.exit_code == 0, killed.output
    poll_until(lambda: docker_lab.restart_counts([service])[service] > restarts, timeout_s=EXIT_BOUND_S,
               awaited=f"Docker to start {service} again after its {process} was killed",
               last_state=lambda: docker_lab.healths([service])[service])
    poll_until(lambda: docker_lab.healths([service])[service] == "healthy", timeout_s=docker_lab.start_period_s(service),
               awaited=f"{service} to be healthy again", last_state=lambda: docker_lab.healths([service])[service])


@pytest.mark.usefixtures("everything_healthy_afterwards")
@pytest.mark.parametrize("process", MASTERS)
def test_a_killed_server_process_ends_the_container_naming_it_and_docker_starts_it_again(
        docker_lab: DockerLab, process: str) -> None:
    service = "sd6"
    killed_and_started_again(docker_lab, service, process,
                             ["pkill", "--signal", "KILL", "--oldest", "--full", MASTERS[process]])

    ending = last_line_with(docker_lab.logs(service), "stopping the container")
    assert f"entrypoint: {process} (pid " in ending
    assert "ended, killed by SIGKILL; stopping the container" in ending


@pytest.mark.usefixtures("everything_healthy_afterwards")
def test_a_dead_smbnetfs_ends_the_container_naming_it_and_docker_starts_it_again(docker_lab: DockerLab) -> None:
    service = "sd6"
    if "mode=smbfuse" not in docker_lab.exec(service, ["cat", STORAGE_STATE_FILE]).output:
        pytest.skip("the storage box is not mounted through smbnetfs here")
    killed_and_started_again(docker_lab, service, "smbnetfs", ["pkill", "--signal", "KILL", "--exact", "smbnetfs"])

    log = docker_lab.logs(service)
    assert "smbnetfs, the storage mount's daemon, is gone" in log
    assert "entrypoint: the storage watch (pid " in last_line_with(log, "stopping the container")


@pytest.mark.usefixtures("everything_healthy_afterwards")
def test_a_unit_that_ignores_sigterm_is_killed_32_s_later_and_the_container_still_ends(docker_lab: DockerLab) -> None:
    """A keeper stops its unit as systemd's KillMode=mixed: SIGTERM, then
    SIGKILL for what is left (a Celery task that never ends would keep
    Celery's warm shutdown waiting). The entrypoint's own limit is not needed."""
    service = "sd6"
    worker = docker_lab.command_line(service, "celery")
    assert worker, f"no Celery worker runs in {service}"
    pid = worker.split()[0]
    frozen = docker_lab.exec(service, ["kill", "-STOP", pid])  # a stopped process acts on no SIGTERM
    assert frozen.exit_code == 0, frozen.output
    killed_at = datetime.now(timezone.utc)
    killed_and_started_again(docker_lab, service, "the storage watch",
                             ["pkill", "--signal", "KILL", "--oldest", "--full", MASTERS["the storage watch"]])

    log = docker_lab.logs(service, since=killed_at)
    assert f"entrypoint: the Celery worker (pid {pid}): still running 32 s after SIGTERM" in log
    assert "after the stop" not in log  # the entrypoint's STOP_GRACE_S line
