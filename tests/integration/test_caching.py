"""ATS caches as production's does: /content/ files per Apache's expiry, pages
per the app's headers (production's send none), never a Set-Cookie from a
cached copy; Via replays Apache's part and rewrites ATS's own; PURGE works
only from the lab's networks; the cache empties and the config reloads
without a restart. Each test uses URLs of its own (a unique query string or
file), so tests never see each other's cached copies."""
from __future__ import annotations

import pytest

from lab.ats import Target, TrafficServer
from lab.docker_ops import DockerLab
from lab.http import LabClient, cache_result, served_by
from lab.waiting import poll_until

ALPHA = "alpha.spacedock.info"  # the environment whose pages are cacheable (PAGE_CACHE_SECONDS)
ATS_VIA = "http/1.1 localhost (52K)"


@pytest.fixture
def content_files(file_on_share) -> list[str]:
    """Two files of this test's own on the production share, as /content/ paths."""
    return [f"/content/{file_on_share('backup', letter.encode() * 1000)}" for letter in "ab"]


def twice(client: LabClient, path: str, **options) -> tuple:
    return client.get(path, debug=True, **options), client.get(path, debug=True, **options)


def test_static_file_is_a_miss_then_a_fresh_hit_with_production_s_via(client: LabClient, unique: str) -> None:
    first, second = twice(client, f"/static/spacedock.css?{unique}")

    assert (cache_result(first), cache_result(second)) == ("miss", "hit-fresh")
    assert first.headers["Via"] == second.headers["Via"] == ATS_VIA


def test_gunicorn_page_is_a_miss_then_a_fresh_hit_with_production_s_via(client: LabClient, unique: str) -> None:
    first, second = twice(client, f"/mod/1/x?{unique}", host=ALPHA)

    assert (cache_result(first), cache_result(second)) == ("miss", "hit-fresh")
    assert first.headers["Via"] == second.headers["Via"] == f"1.1 {ALPHA}, {ATS_VIA}"


def test_on_a_hit_the_stored_apache_via_is_replayed_without_asking_apache(
    client: LabClient, docker_lab: DockerLab, unique: str, request: pytest.FixtureRequest
) -> None:
    path = f"/mod/1/x?{unique}"
    client.get(path, host=ALPHA)
    hit = LabClient(client.base_url, test_tag=f"{request.node.nodeid}#hit").get(path, host=ALPHA, debug=True)

    assert cache_result(hit) == "hit-fresh"
    assert hit.headers["Via"].startswith(f"1.1 {ALPHA}, ")
    assert served_by(hit) == "sd6"
    assert f"{request.node.nodeid}#hit" not in docker_lab.logs("sd6", tail=200)


def test_on_a_hit_ats_writes_its_own_via_afresh(client: LabClient, ats: TrafficServer, unique: str) -> None:
    path = f"/static/spacedock.css?{unique}"
    client.get(path)
    record = "proxy.config.http.response_via_str"
    ats.set_record(record, "52K-changed")
    try:
        poll_until(lambda: client.get("/healthz").headers["Via"].endswith("(52K-changed)"), timeout_s=20,
                   awaited="ATS to use the changed response_via_str")
        hit = client.get(path, debug=True)

        assert cache_result(hit) == "hit-fresh"
        assert hit.headers["Via"] == "http/1.1 localhost (52K-changed)"
    finally:
        ats.set_record(record, "52K")
        poll_until(lambda: client.get("/healthz").headers["Via"].endswith("(52K)"), timeout_s=20,
                   awaited="ATS to use response_via_str 52K again")


def test_content_file_is_a_miss_then_a_fresh_hit_for_a_week(client: LabClient, content_files: list[str]) -> None:
    first, second = twice(client, content_files[0])

    assert (cache_result(first), cache_result(second)) == ("miss", "hit-fresh")
    assert first.headers["Cache-Control"] == "max-age=604800"
    assert second.content == first.content


def test_production_page_without_freshness_is_never_cached(client: LabClient, unique: str) -> None:
    first, second = twice(client, f"/?{unique}")

    assert (cache_result(first), cache_result(second)) == ("miss", "miss")
    assert "Cache-Control" not in second.headers


def test_set_cookie_never_reaches_a_client_from_a_cached_copy(client: LabClient, unique: str) -> None:
    stale_cookie = {"Cookie": "session=left-over-from-a-logout"}

    first, second = twice(client, f"/mod/2/x?{unique}", host=ALPHA, headers=stale_cookie)

    assert cache_result(first) == "miss"
    assert first.headers["Set-Cookie"].startswith("session=;")
    assert cache_result(second) == "hit-fresh"
    assert "Set-Cookie" not in second.headers


def test_logged_in_pages_are_not_cached_nor_given_the_anonymous_copy(client: LabClient, author,
                                                                    unique: str) -> None:
    path = f"/mod/1/x?{unique}"
    anonymous = client.get(path, host=ALPHA, debug=True)
    logged_in = author(ALPHA)

    first, second = (logged_in.http.get(path, host=ALPHA, debug=True) for _ in range(2))

    assert b"Log out" not in anonymous.content
    assert (cache_result(first), cache_result(second)) == ("miss", "miss")
    assert first.headers["Cache-Control"] == "private"
    assert b"Log out" in second.content


def test_purge_from_inside_the_lab_invalidates_exactly_that_url(client: LabClient, ats: TrafficServer,
                                                                content_files: list[str]) -> None:
    purged, kept = content_files
    for path in content_files:
        client.get(path)

    status = ats.purge(Target("spacedock.info", purged))

    assert status == 200
    assert cache_result(client.get(purged, debug=True)) == "miss"
    assert cache_result(client.get(kept, debug=True)) == "hit-fresh"


@pytest.mark.parametrize("method", ["PURGE", "DELETE"])
def test_purge_and_delete_from_the_host_are_refused_with_403(client: LabClient, content_files: list[str],
                                                             method: str) -> None:
    client.get(content_files[0])

    response = client.request(method, content_files[0])

    assert response.status_code == 403
    assert cache_result(client.get(content_files[0], debug=True)) == "hit-fresh"


def test_delete_from_inside_the_lab_is_let_through_to_apache(ats: TrafficServer, content_files: list[str]) -> None:
    # ATS's own refusal would be 403; Apache, asked, allows no DELETE on a file
    assert ats.purge(Target("spacedock.info", content_files[0]), method="DELETE") == 405


def test_cache_clear_empties_the_cache_without_restarting_ats(client: LabClient, ats: TrafficServer,
                                                              docker_lab: DockerLab, content_files: list[str]) -> None:
    started = docker_lab.container("ats").attrs["State"]["StartedAt"]
    client.get(content_files[0])

    ats.clear_cache(client)

    assert cache_result(client.get(content_files[0], debug=True)) == "miss"
    assert docker_lab.container("ats").attrs["State"]["StartedAt"] == started


def test_config_reload_applies_a_changed_remap_without_a_restart(client: LabClient, ats: TrafficServer,
                                                                 docker_lab: DockerLab) -> None:
    host = "reload-check.localhost"
    add_rule = f"cp /etc/trafficserver/remap.config /tmp/remap.config && echo 'map http://{host}/ http://sd6.52k/' >> /etc/trafficserver/remap.config"
    assert docker_lab.exec("ats", ["bash", "-c", add_rule]).exit_code == 0
    try:
        ats.reload()
        poll_until(lambda: served_by(client.get("/", host=host)) == "sd6", timeout_s=20,
                   awaited=f"the reloaded remap.config to route {host}")
    finally:
        docker_lab.exec("ats", ["cp", "/tmp/remap.config", "/etc/trafficserver/remap.config"])
        ats.reload()
        poll_until(lambda: client.get("/", host=host).status_code == 404, timeout_s=20,
                   awaited=f"{host} to be unmapped again")


def test_access_log_names_the_cache_result_both_urls_and_the_via(client: LabClient, docker_lab: DockerLab,
                                                                 unique: str) -> None:
    client.get(f"/static/spacedock.css?{unique}")

    line = poll_until(
        lambda: next((line for line in docker_lab.logs("ats", tail=300).splitlines() if unique in line), None),
        timeout_s=10, awaited="ATS to write the access log line of the request")

    assert "TCP_MISS/200 GET" in line
    assert f"http://spacedock.info/static/spacedock.css?{unique} -> http://sd-prod-live.52k/static/spacedock.css?{unique}" in line
    assert f'via="{ATS_VIA}"' in line
    assert "served_by=sd1a" in line or "served_by=sd1b" in line
