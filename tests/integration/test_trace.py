"""`lab trace` explains the way a request went, for each kind of answer."""
from __future__ import annotations

from typing import Iterator

import pytest

from lab import trace
from lab.ats import Target
from lab.docker_ops import DockerLab
from lab.http import LabClient
from lab.topology import FRONT_NETWORK, own_alias
from lab.waiting import poll_until

ALPHA = "alpha.spacedock.info"


def test_static_file_from_disk(client: LabClient, unique: str) -> None:
    result = trace.fetch(client, Target("spacedock.info", f"/static/spacedock.css?{unique}"))

    assert result.layers[0] == "ATS" and result.layers[1].endswith("from disk)")
    assert "gunicorn" not in result.layers
    assert "served it from disk (gunicorn not involved)" in result.explanation[0]
    assert "ATS may keep it for 2592000 s" in result.explanation[1]


def test_page_from_gunicorn_that_ats_may_not_keep(client: LabClient, live: str, unique: str) -> None:
    result = trace.fetch(client, Target("spacedock.info", f"/?{unique}"))

    assert result.layers == ("ATS", f"Apache ({live})", "gunicorn")
    assert result.explanation[0] == f"ATS had no copy (miss) and fetched it: {live}'s Apache proxied it to gunicorn (the app)."
    assert "neither Expires nor max-age" in result.explanation[1]


def test_cache_hit_names_the_container_that_produced_the_copy(client: LabClient, unique: str) -> None:
    target = Target(ALPHA, f"/mod/1/x?{unique}")
    trace.fetch(client, target)

    result = trace.fetch(client, target)

    assert result.layers == ("ATS (cache)",)
    assert result.explanation[0] == "ATS answered from its cache (fresh hit): no web container was asked."
    assert "sd6's Apache proxied it to gunicorn" in result.explanation[1]
    assert result.age is not None


@pytest.fixture
def alpha_off_the_network(docker_lab: DockerLab, client: LabClient) -> Iterator[None]:
    """sd6 taken off the front network (its name stops resolving), then put back."""
    address = docker_lab.ip_address("sd6", FRONT_NETWORK)
    aliases = docker_lab.aliases("sd6", FRONT_NETWORK)
    docker_lab.disconnect("sd6", FRONT_NETWORK)
    try:
        yield
    finally:
        docker_lab.connect("sd6", FRONT_NETWORK, aliases, address)
        poll_until(lambda: client.get("/healthz", host=ALPHA).status_code == 200, timeout_s=90,
                   awaited=f"{own_alias('sd6')} to answer through ATS again")


def test_stale_copy_served_while_the_origin_is_down(client: LabClient, unique: str, request) -> None:
    target = Target(ALPHA, f"/mod/2/x?{unique}")
    trace.fetch(client, target)
    request.getfixturevalue("alpha_off_the_network")

    result = poll_until(lambda: (found := trace.fetch(client, target)).cache == "hit-stale" and found,
                        timeout_s=20, awaited="the cached alpha page to go stale (max-age 5 s)")

    assert result.layers == ("ATS (stale cache)",)
    assert result.explanation[0].startswith("ATS served a stale copy: it had expired, and revalidating it")
    assert "the origin is down or unreachable" in result.explanation[0]
    assert "sd6's Apache proxied it to gunicorn" in result.explanation[1]


def test_unknown_host_is_answered_by_ats_alone(client: LabClient) -> None:
    result = trace.fetch(client, Target("unknown.example.org", "/"))

    assert result.layers == ("ATS",)
    assert result.explanation == ("ATS has no remap rule for Host unknown.example.org: it answered 404 itself "
                                  "and asked no web container.",)
