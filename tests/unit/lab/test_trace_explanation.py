"""How `lab trace` reads a response's headers into words (no lab needed)."""
from __future__ import annotations

import pytest

from lab.ats import Target, parse_target
from lab.trace import Trace, explain

GUNICORN_VIA = ("1.1 spacedock.info", "http/1.1 localhost (52K [uScMsSfWpSeN:t cCMp sS])")
DISK_VIA = ("http/1.1 localhost (52K [uScMsSfWpSeN:t cCMp sS])",)


def response(**fields) -> Trace:
    base = dict(target=Target("spacedock.info", "/x"), status=200, elapsed_ms=3, cache="miss",
                cache_key="http://spacedock.info/x", remap="from=a, to=b", via=GUNICORN_VIA, served_by="sd1b",
                age=0, warning=None, cache_control=None, expires=None, not_mapped=False)
    return explain(Trace(**{**base, **fields}))


def test_miss_from_gunicorn_without_freshness_is_not_kept() -> None:
    result = response()

    assert result.layers == ("ATS", "Apache (sd1b)", "gunicorn")
    assert result.explanation[1].startswith("ATS does not keep it: it carries neither Expires nor max-age")


def test_miss_from_disk_with_max_age_is_kept() -> None:
    result = response(via=DISK_VIA, cache_control="max-age=604800")

    assert result.layers == ("ATS", "Apache (sd1b, from disk)")
    assert result.explanation == ("ATS had no copy (miss) and fetched it: sd1b's Apache served it from disk "
                                  "(gunicorn not involved).", "ATS may keep it for 604800 s (Cache-Control: max-age=604800).")


def test_fresh_hit_names_the_producer_and_age() -> None:
    result = response(cache="hit-fresh", age=42)

    assert result.layers == ("ATS (cache)",)
    assert result.explanation[1] == "The stored response was produced 42 s ago: sd1b's Apache proxied it to gunicorn (the app)."


def test_stale_with_warning_111_means_the_origin_failed() -> None:
    result = response(cache="hit-stale", warning="111 52K ", age=9)

    assert result.layers == ("ATS (stale cache)",)
    assert "revalidating it with the origin failed (Warning: 111 52K)" in result.explanation[0]


def test_stale_without_a_warning_was_revalidated() -> None:
    result = response(cache="hit-stale", cache_control="public, max-age=5")

    assert result.layers == ("ATS", "Apache (sd1b)", "gunicorn")
    assert result.explanation[0].startswith("ATS had a copy that had expired, so it asked the origin again")


@pytest.mark.parametrize(("cache_control", "status", "verdict"), [
    ("private", 200, "ATS does not keep it: Cache-Control: private."),
    (None, 404, "ATS does not keep a 404 (negative caching is off)."),
])
def test_what_ats_does_not_keep(cache_control: str | None, status: int, verdict: str) -> None:
    assert response(cache_control=cache_control, status=status).explanation[-1] == verdict


def test_unmapped_host_is_ats_alone() -> None:
    result = response(status=404, not_mapped=True, served_by=None, target=Target("nope", "/"))

    assert result.layers == ("ATS",)
    assert "no remap rule for Host nope" in result.explanation[0]


@pytest.mark.parametrize(("url", "host", "expected"), [
    ("http://beta.spacedock.info/a?b=1", None, Target("beta.spacedock.info", "/a?b=1")),
    ("/content/x.zip", None, Target("spacedock.info", "/content/x.zip")),
    ("/x", "sd1a.52k.de", Target("sd1a.52k.de", "/x")),
    ("http://spacedock.info", None, Target("spacedock.info", "/")),
])
def test_parse_target(url: str, host: str | None, expected: Target) -> None:
    assert parse_target(url, host) == expected


@pytest.mark.parametrize(("cache_control", "seconds"), [
    ("public, max-age=60, x-not-private", 60),
    ('max-age=60, no-cache="Set-Cookie-no-store"', 60),
    ("s-maxage=30, max-age=600", 30),
    ("Max-Age=60", 60),
])
def test_cache_control_is_read_by_directive_not_by_substring(cache_control: str, seconds: int) -> None:
    assert response(cache_control=cache_control).explanation[-1] == \
        f"ATS may keep it for {seconds} s (Cache-Control: {cache_control})."
