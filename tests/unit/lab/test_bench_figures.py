"""make bench's arithmetic and report (lab/bench/), on recorded samples: a
figure is the median of at least five samples with their range, a comparison
divides two medians of one run, and the tables say what the host lacks."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from lab.bench import tables
from lab.bench.measure import parse_curl, parse_writes, parse_wrk
from lab.cifsvm import tables as cifs_tables
from lab.errors import LabError
from lab.results import report
from lab.results.figures import Figure, Observation, Results, Unavailable, ratio

RECORDED = Path(__file__).parent / "data" / "bench-results.json"
# what wrk 4.1 printed against the lab's cached page
WRK_OUTPUT = """Running 1s test @ http://127.0.0.1:58080/
  2 threads and 20 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.45ms    1.02ms  21.30ms   92.11%
    Req/Sec     7.21k   612.33     8.10k    70.00%
  Latency Distribution
     50%    1.21ms
     75%    1.62ms
     90%    2.31ms
     99%    5.80ms
  14352 requests in 1.00s, 80.11MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 4
Requests/sec:  14301.27
Transfer/sec:     79.83MB
"""


@pytest.fixture
def recorded() -> Results:
    return Results.from_json(json.loads(RECORDED.read_text()))


def test_a_figure_is_the_median_of_its_samples_with_their_range() -> None:
    figure = Figure("downloads", "row", "1 MB", "MB/s", (310.0, 290.0, 1000.0, 300.0, 305.0))

    assert (figure.median, figure.low, figure.high) == (305.0, 290.0, 1000.0)


def test_fewer_than_five_samples_make_no_figure() -> None:
    with pytest.raises(ValueError, match="4 samples, fewer than 5"):
        Figure("downloads", "row", "1 MB", "MB/s", (1.0, 2.0, 3.0, 4.0))


def test_a_comparison_divides_two_medians() -> None:
    hit = Figure("downloads", "hit", "1 MB", "MB/s", (600.0, 610.0, 620.0, 1.0, 2000.0))
    baseline = Figure("downloads", "baseline", "1 MB", "MB/s", (1200.0, 1220.0, 1240.0, 1230.0, 1210.0))

    assert ratio(hit, baseline) == pytest.approx(610.0 / 1220.0)


def test_results_survive_their_json(recorded: Results) -> None:
    assert Results.from_json(json.loads(json.dumps(recorded.to_json()))) == recorded


def test_the_downloads_table_shows_median_range_and_share_of_the_baseline(recorded: Results) -> None:
    lines = report.table_markdown(recorded, tables.DOWNLOADS)
    hit = next(line for line in lines if line.startswith("| ATS cache hit, published port |"))
    base = recorded.find("downloads", tables.DOWNLOADS.baseline, "1 MB")
    figure = recorded.find("downloads", "ATS cache hit, published port", "1 MB")
    assert base is not None and figure is not None

    assert f"| {report.cell(figure)} |" in hit
    assert f"| {figure.median / base.median:.2f} |" in hit


def test_a_path_the_host_lacks_is_named_with_its_reason(recorded: Results) -> None:
    recorded.unavailable.append(Unavailable("storage", "cifs, fsc", "the kernel has no CIFS"))

    text = report.markdown(recorded, tables.TABLES)

    assert "| cifs, fsc | not available on this host: the kernel has no CIFS |" in text


def test_the_report_names_the_machine(recorded: Results) -> None:
    assert f"cores {recorded.machine['cores']}" in report.markdown(recorded, tables.TABLES)


def test_wrk_s_rate_latencies_and_failures_are_read() -> None:
    run = parse_wrk(WRK_OUTPUT)

    assert (run.requests, run.requests_per_s, run.p50_ms, run.p99_ms, run.errors) == (14352, 14301.27, 1.21, 5.80, 7)


def test_wrk_s_microseconds_and_seconds_become_milliseconds() -> None:
    run = parse_wrk(WRK_OUTPUT.replace("50%    1.21ms", "50%  850.00us").replace("99%    5.80ms", "99%    1.20s"))

    assert (run.p50_ms, run.p99_ms) == (pytest.approx(0.85), pytest.approx(1200.0))


def test_curl_s_downloads_become_mb_per_second() -> None:
    assert parse_curl("200 1000000 0.010000\n200 1000000 0.002000\n", 1_000_000, "hit") == [100.0, 500.0]


@pytest.mark.parametrize("line", ["404 233 0.001", "200 524288 0.01"], ids=["not found", "cut short"])
def test_a_download_that_is_not_the_whole_zip_is_refused(line: str) -> None:
    with pytest.raises(LabError, match="not 200 with 1000000"):
        parse_curl(line, 1_000_000, "hit")


def test_an_observation_is_listed_under_its_table_even_without_figures(recorded: Results) -> None:
    outage = next(table for table in cifs_tables.TABLES if table.name == "cifs-outage")
    recorded.observations.append(Observation("cifs-outage", "soft (production)", "returned after 207 s"))

    lines = report.table_markdown(recorded, outage)

    assert lines[0] == f"### {outage.title}"
    assert "- soft (production): returned after 207 s" in lines
    assert Results.from_json(json.loads(json.dumps(recorded.to_json()))).observations == recorded.observations


def test_timed_writes_become_mb_per_s() -> None:
    assert parse_writes("0.5\n0.25\n", 50_000_000, "smbfuse") == [100.0, 200.0]


def test_writes_that_said_something_else_are_reported_with_what_they_said() -> None:
    with pytest.raises(LabError, match="smbfuse: the writes said .*Permission denied"):
        parse_writes("PermissionError: [Errno 13] Permission denied", 50_000_000, "smbfuse")
