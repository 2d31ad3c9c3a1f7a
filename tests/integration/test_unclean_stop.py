"""A container killed uncleanly (SIGKILL: an OOM kill, the engine dying, a host
crash) starts again by itself being started: nothing the killed run left behind
(pid files, locks, sockets) stops the next one. /run is a tmpfs in every
service (compose.yaml), as on a host after a reboot."""
from __future__ import annotations

import pytest

from lab.docker_ops import DockerLab
from lab.errors import LabError, LabTimeout
from lab.topology import SERVICES
from lab.waiting import poll_until

KILLS = 3
POLL_S = 0.5


def health_after_kill_and_start(docker_lab: DockerLab, service: str) -> str:
    """SIGKILL the service's container, start it, and say whether its
    healthcheck passes within the healthcheck's start period. The check is run
    by the test every POLL_S (Docker's first one would come only after its
    3 s interval)."""
    docker_lab.kill(service)
    poll_until(lambda: docker_lab.healths([service])[service] == "exited", timeout_s=10,
               awaited=f"{service} to stop after SIGKILL", last_state=lambda: docker_lab.healths([service])[service])
    docker_lab.start(service)
    bound_s = docker_lab.start_period_s(service)
    last: list[str] = []

    def passes() -> bool:
        try:
            result = docker_lab.run_healthcheck(service)
        except LabError as error:  # the container exited again
            last[:] = [str(error)]
            return False
        last[:] = [result.output.strip()]
        return result.exit_code == 0

    try:
        poll_until(passes, timeout_s=bound_s, interval_s=POLL_S,
                   awaited=f"{service}'s healthcheck to pass after SIGKILL and start")
        return "healthy"
    except LabTimeout:
        return f"still failing its healthcheck after {bound_s:g} s: {last[0] if last else 'never run'}"


@pytest.mark.usefixtures("everything_healthy_afterwards")
@pytest.mark.parametrize("service", SERVICES)
def test_a_container_killed_three_times_in_a_row_starts_healthy_every_time(docker_lab: DockerLab,
                                                                           service: str) -> None:
    healths = [health_after_kill_and_start(docker_lab, service) for _ in range(KILLS)]

    assert healths == ["healthy"] * KILLS, docker_lab.logs(service, tail=20)


@pytest.mark.usefixtures("everything_healthy_afterwards")
def test_a_web_container_starts_though_apache_s_pid_file_names_a_live_process(docker_lab: DockerLab) -> None:
    service = "sd2"
    # the worst case: the number in the killed run's pid file belongs to a
    # process of the next run (here tini, PID 1 in every run)
    planted = docker_lab.exec(service, ["sh", "-c", "echo 1 > /run/apache2/apache2.pid"])
    assert planted.exit_code == 0, planted.output

    assert health_after_kill_and_start(docker_lab, service) == "healthy", docker_lab.logs(service, tail=20)
