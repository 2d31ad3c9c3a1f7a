"""The lab runs what production runs, read from the running services (never
from a copy of a file): ATS's timeouts and cache, the gunicorn instances
behind Apache's balancer, Apache's file reads, the SMB dialect, the upload
limit, the spacedock.ru block. docs/deviations.md names what deliberately
does not."""
from __future__ import annotations

import re

import pytest

from lab.ats import TrafficServer
from lab.docker_ops import DockerLab
from lab.http import LabClient, cache_result
from lab.standin_client import make_zip

ONE_HOUR_S = "3600"
PRODUCTION_PORTS = ("8004", "8006", "8009", "8010", "8011", "8012", "8013", "8014")


def listening_ports(docker_lab: DockerLab, service: str) -> set[str]:
    listing = docker_lab.exec(service, ["ss", "--listening", "--tcp", "--numeric", "--no-header"]).output
    return {line.split()[3].rsplit(":", 1)[1] for line in listing.splitlines() if "127.0.0.1:" in line}


@pytest.mark.parametrize("record", [
    "proxy.config.http.transaction_active_timeout_in",
    "proxy.config.http.transaction_no_activity_timeout_in",
    "proxy.config.http.transaction_no_activity_timeout_out",
])
def test_ats_lets_a_request_last_and_stay_silent_an_hour_as_production_since_250(ats: TrafficServer,
                                                                                  record: str) -> None:
    assert ats.record(record) == ONE_HOUR_S


def test_the_ats_cache_is_a_few_gigabytes_on_a_volume_that_outlives_the_container(docker_lab: DockerLab) -> None:
    storage = docker_lab.exec("ats", ["cat", "/etc/trafficserver/storage.config"]).output
    mounts = {mount["Destination"]: mount["Type"] for mount in docker_lab.container("ats").attrs["Mounts"]}

    assert re.search(r"^/var/cache/trafficserver 4G$", storage, re.MULTILINE), storage
    assert mounts.get("/var/cache/trafficserver") == "volume"


@pytest.mark.parametrize("service, ports", [("sd1a", PRODUCTION_PORTS[:2]), ("sd1b", PRODUCTION_PORTS[:2]),
                                            ("sd2", PRODUCTION_PORTS[:1]), ("sd6", PRODUCTION_PORTS[:1])])
def test_gunicorn_runs_as_production_s_instances_on_its_ports(docker_lab: DockerLab, service: str,
                                                              ports: tuple[str, ...]) -> None:
    assert listening_ports(docker_lab, service) & set(PRODUCTION_PORTS) == set(ports)


def test_apache_balances_over_every_instance_as_production_s_sdclusterlocal(docker_lab: DockerLab) -> None:
    balancer = docker_lab.exec("sd1a", ["cat", "/run/sdlab/balancer.conf"]).output

    assert '<Proxy "balancer://sdclusterlocal">' in balancer
    assert re.findall(r'BalancerMember "http://127\.0\.0\.1:(\d+)" route=(\d)', balancer) == [("8004", "1"),
                                                                                               ("8006", "2")]
    assert "ProxySet stickysession=ROUTEID" in balancer


def test_gunicorn_gives_running_requests_its_default_30_s_on_a_stop(docker_lab: DockerLab) -> None:
    # read as gunicorn reads it: the file run as Python
    printed = docker_lab.exec("sd1a", ["python3", "-c", "import runpy; print(runpy.run_path("
                                       "'/etc/sdlab/gunicorn.conf.py')['graceful_timeout'])"]).output

    assert printed.strip() == "30"


@pytest.mark.parametrize("service", ["sd1a", "sd2", "sd6"])
def test_apache_reads_files_with_its_defaults_as_production(docker_lab: DockerLab, service: str) -> None:
    assert "SafeFileReads" not in docker_lab.command_line(service, "apache2")


@pytest.mark.parametrize("service", ["sd1a", "sd1b", "sd2", "sd6"])
def test_every_web_container_speaks_smb_3_0_encrypted_as_production_s_vers_3_0_seal(docker_lab: DockerLab,
                                                                                    service: str) -> None:
    address = docker_lab.ip_address(service, "back")
    sessions = docker_lab.exec("storagebox", ["smbstatus", "--processes"]).output

    session = next((line for line in sessions.splitlines() if f"{address} " in line), "")

    assert "SMB3_00" in session and "AES-128-CCM" in session, sessions


def test_an_upload_may_be_as_large_as_production_s_10000_mib(author, unique: str) -> None:
    response = author().create_mod(f"Lab {unique}", "1.0", make_zip(1000, unique),
                                   declared_size=10000 * 1024 * 1024 + 1)

    assert response.status_code == 413
    assert "at most 10485760000 bytes" in response.text


def test_visitors_sent_from_spacedock_ru_are_turned_away_as_by_production_s_vhost(client: LabClient,
                                                                                  unique: str) -> None:
    # a URL of its own: ATS stores the 301 under the URL alone (nothing varies on
    # Referer), so whoever asks for it next is turned away too, as on production
    turned_away = client.get(f"/?{unique}", headers={"Referer": "https://spacedock.ru/mods"})
    next_visitor = client.get(f"/?{unique}", debug=True)

    assert turned_away.status_code == 301
    assert turned_away.headers["Location"] == f"https://spacedock.info/mod/10/refuse?{unique}"  # mod_rewrite keeps the query
    assert (next_visitor.status_code, cache_result(next_visitor)) == (301, "hit-fresh")
