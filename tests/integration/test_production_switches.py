"""Each switch between production's behaviour and the lab's selects what it
says: the service is recreated with the switch thrown (lab.switches), the
behaviour shown through real traffic, and the service put back as configured."""
from __future__ import annotations

import time

from lab.ats import TrafficServer
from lab.config import LabConfig
from lab.docker_ops import DockerLab
from lab.http import LabClient, cache_result, served_by
from lab.switches import switched
from lab.topology import PRODUCTION_PAIR
from lab.waiting import poll_until
from tests.integration.conftest import quick_unit_restarts

ALPHA = "alpha.spacedock.info"
BETA = "beta.spacedock.info"
NOT_A_ZIP = b"not really a zip\n" * 100


def test_with_the_timeouts_before_250_ats_runs_its_defaults(config: LabConfig, ats: TrafficServer) -> None:
    records = ("transaction_active_timeout_in", "transaction_no_activity_timeout_in",
               "transaction_no_activity_timeout_out")
    with switched(config, ["ats"], {"ATS_TIMEOUTS": "before-250"}):
        values = [ats.record(f"proxy.config.http.{record}") for record in records]

    assert values == ["900", "30", "30"]


def test_with_purge_from_any_internal_host_the_host_may_purge(config: LabConfig, client: LabClient,
                                                             file_on_share) -> None:
    path = f"/content/{file_on_share('backup', b'cached, then purged from the host')}"
    with switched(config, ["ats"], {"ATS_PURGE_FROM": "any-internal-host"}):
        client.get(path)

        purged = client.request("PURGE", path)

        assert purged.status_code == 200
        assert cache_result(client.get(path, debug=True)) == "miss"


def test_with_content_served_by_xsendfile_gunicorn_answers_content_and_ats_keeps_nothing(
        config: LabConfig, client: LabClient, file_on_share) -> None:
    path = f"/content/{file_on_share('beta', NOT_A_ZIP, '.zip')}"
    with switched(config, ["sd2"], {"CONTENT_SERVED_BY": "xsendfile"}):
        first, second = (client.get(path, host=BETA, debug=True) for _ in range(2))

        assert first.status_code == 200 and first.content == NOT_A_ZIP
        assert "1.1 beta.spacedock.info" in first.headers["Via"]  # through gunicorn
        assert "Expires" not in first.headers
        assert (cache_result(first), cache_result(second)) == ("miss", "miss")


def test_with_content_served_by_the_alias_apache_answers_content_and_ats_keeps_it(client: LabClient,
                                                                                  file_on_share) -> None:
    path = f"/content/{file_on_share('beta', NOT_A_ZIP, '.zip')}"

    first, second = (client.get(path, host=BETA, debug=True) for _ in range(2))

    assert "beta.spacedock.info" not in first.headers["Via"]  # Apache from disk
    assert "Expires" in first.headers
    assert (cache_result(first), cache_result(second)) == ("miss", "hit-fresh")


def test_with_safe_file_reads_apache_runs_with_the_define_that_turns_off_mmap_and_sendfile(
        config: LabConfig, docker_lab: DockerLab) -> None:
    # spacedock.conf: <IfDefine SafeFileReads> EnableSendfile Off, EnableMMAP Off
    with switched(config, ["sd2"], {"APACHE_FILE_READS": "safe"}):
        assert "-DSafeFileReads" in docker_lab.command_line("sd2", "apache2")


def uncached_read_s(client: LabClient, path: str) -> float:
    """Seconds to read a file through beta's Apache from the storage box, past ATS's cache."""
    poll_until(lambda: client.get(f"/healthz?{time.monotonic()}", host=BETA).status_code == 200, timeout_s=30,
               awaited="beta to reach its storage (after the storage box was recreated)")
    started = time.monotonic()
    response = client.get(f"/content/{path}?{started}", host=BETA)
    assert response.status_code == 200, response.status_code
    return time.monotonic() - started


def test_a_storage_rate_limit_slows_reads_from_the_box_to_it(config: LabConfig, client: LabClient,
                                                            file_on_share) -> None:
    path = file_on_share("beta", bytes(4 * 1024 * 1024), ".bin")

    unlimited = uncached_read_s(client, path)
    with switched(config, ["storagebox"], {"STORAGE_RATE_MBIT": "8"}):
        limited = uncached_read_s(client, path)

    assert unlimited < 1.5
    assert limited >= 3.5  # 4 MiB at 8 Mbit/s: 4.2 s


def instance_answers(docker_lab: DockerLab, service: str, port: int = 8004) -> bool:
    """The gunicorn instance on `port` answers HTTP in the container (any status)."""
    answered = docker_lab.exec(service, ["curl", "--silent", "--max-time", "5", "--output", "/dev/null",
                                         "--header", "X-Lab-Test: instance-check", f"http://127.0.0.1:{port}/"])
    return answered.exit_code == 0


def kill_instance(docker_lab: DockerLab, service: str, port: int = 8004) -> None:
    """SIGKILL a gunicorn instance's master and wait until its keeper has cleared
    away what was left (the requests it had accepted by then get 502, as in production)."""
    logged_before = docker_lab.logs(service).count(f"gunicorn instance {port} ")
    killed = docker_lab.exec(service, ["pkill", "--signal", "KILL", "--oldest", "--full", "--",
                                       f"--bind 127.0.0.1:{port}"])
    assert killed.exit_code == 0, killed.output
    poll_until(lambda: docker_lab.logs(service).count(f"gunicorn instance {port} ") > logged_before, timeout_s=15,
               awaited=f"the keeper of gunicorn instance {port} in {service} to see it end")


def test_with_two_instances_one_dying_loses_no_later_request(config: LabConfig, client: LabClient,
                                                            docker_lab: DockerLab, live: str) -> None:
    # the idle production container, asked by its own name: the live one keeps serving the other tests
    idle = next(service for service in PRODUCTION_PAIR if service != live)
    with quick_unit_restarts(config, [idle]) as restart_s:
        kill_instance(docker_lab, idle)

        answers = [client.get(f"/version?after-kill={n}", host=f"{idle}.52k.de") for n in range(30)]

        # the lab left whole: the instance started again
        poll_until(lambda: instance_answers(docker_lab, idle), timeout_s=restart_s + 30,
                   awaited=f"gunicorn instance 8004 in {idle} to be started again")
    assert [response.status_code for response in answers] == [200] * 30
    assert {served_by(response) for response in answers} == {idle}


def test_a_single_instance_dying_gives_503_until_it_is_started_again(config: LabConfig, client: LabClient,
                                                                    docker_lab: DockerLab) -> None:
    # alpha runs one instance, as production's alpha and beta (PR #258): nothing to fail over to
    def status() -> int:
        return client.get(f"/version?{time.monotonic()}", host=ALPHA).status_code

    with quick_unit_restarts(config, ["sd6"]) as restart_s:
        logged = "gunicorn instance 8004 (pid"
        logged_before = docker_lab.logs("sd6").count(logged)
        kill_instance(docker_lab, "sd6")
        during = status()
        poll_until(lambda: status() == 200, timeout_s=30, awaited="alpha's instance to be started again")

        assert during == 503
        restarts = [line for line in docker_lab.logs("sd6").splitlines() if logged in line][logged_before:]
        assert len(restarts) == 1 and f"starting it again in {restart_s} s" in restarts[0], restarts
