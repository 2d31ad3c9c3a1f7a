"""A web container whose Apache or storage watch dies (an OOM kill, a crash)
exits at once, naming the process and how it ended, so Docker restarts or
reports it; it never sits "Up (unhealthy)" answering 503 for good. (A dead
gunicorn instance is started again inside, as production's systemd does:
test_production_switches.py.)"""
from __future__ import annotations

import pytest

from lab.docker_ops import DockerLab
from lab.waiting import poll_until

EXIT_BOUND_S = 30
# the oldest process whose command line matches: the master, not a worker
MASTERS = {"Apache": "apache2 -DFOREGROUND", "the storage watch": "storage-watch"}


@pytest.mark.usefixtures("everything_healthy_afterwards")
@pytest.mark.parametrize("process", MASTERS)
def test_a_killed_server_process_stops_the_container_naming_it(docker_lab: DockerLab, process: str) -> None:
    service = "sd6"
    killed = docker_lab.exec(service, ["pkill", "--signal", "KILL", "--oldest", "--full", MASTERS[process]])
    assert killed.exit_code == 0, killed.output

    poll_until(lambda: docker_lab.healths([service])[service] == "exited", timeout_s=EXIT_BOUND_S,
               awaited=f"{service} to exit after its {process} was killed",
               last_state=lambda: docker_lab.healths([service])[service])

    state = docker_lab.container(service).attrs["State"]
    assert state["ExitCode"] == 1
    assert f"entrypoint: {process} (pid " in docker_lab.logs(service, tail=20)
    assert "ended, killed by SIGKILL; stopping the container" in docker_lab.logs(service, tail=20)
