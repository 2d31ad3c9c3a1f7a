"""Requests that arrive at the same moment, through ATS, on the real database
and storage box: a double click on Upload ends with one version, one intact
zip and a 409 for the other upload, in every environment; concurrent
downloads of one version, while the database is slow to write, keep one
hourly row where the fix runs (alpha) and make several as production does."""
from __future__ import annotations

import hashlib
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Callable, Iterator

import pytest
from requests import Response

from lab import database as lab_database
from lab.config import LabConfig
from lab.docker_ops import DockerLab
from lab.http import LabClient
from lab.smb import StorageBox
from lab.standin_client import StandInClient, make_zip
from lab.waiting import poll_until

MIB = 1024 * 1024
SITES = {"production": ("spacedock.info", "backup"), "beta": ("beta.spacedock.info", "beta"),
         "alpha": ("alpha.spacedock.info", "alpha")}
DATABASES = {"production": "spacedock", "beta": "spacedock_beta", "alpha": "spacedock_alpha"}
DOWNLOADS = 20


def at_once(*calls: Callable[[], Response]) -> list[Response]:
    """Run the calls in threads released together."""
    start = threading.Barrier(len(calls))

    def released(call: Callable[[], Response]) -> Response:
        start.wait(timeout=10)
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(released, calls))


@pytest.mark.parametrize("site", SITES)
def test_a_double_click_on_upload_makes_one_version_and_one_intact_zip(author, config: LabConfig, unique: str,
                                                                       site: str) -> None:
    host, share = SITES[site]
    clicks: list[StandInClient] = [author(host), author(host)]
    data = make_zip(5 * MIB, unique)

    answers = at_once(*(lambda click=click, n=n: click.create_mod(f"Race {unique}", "1.0", data,
                                                                   upload_id=f"{unique}-click-{n}")
                        for n, click in enumerate(clicks)))

    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [201, 409], [answer.text for answer in answers]
    refused = next(answer for answer in answers if answer.status_code == 409).json()
    assert refused["error"] is True and refused["reason"]
    mod = next(answer for answer in answers if answer.status_code == 201).json()
    assert [v["friendly_version"] for v in clicks[0].mod(mod["id"])["versions"]] == ["1.0"]
    stored = StorageBox(config, share).read(mod["storage_path"])
    assert hashlib.sha256(stored).hexdigest() == hashlib.sha256(data).hexdigest()


@contextmanager
def slow_event_writes(docker_lab: DockerLab, database: str, sql, hold_s: float = 3.0) -> Iterator[None]:
    """The database slow to write download events, as under load: another
    session holds the table locked against writes (reads go on) for `hold_s`,
    so downloads that arrive meanwhile all wait in the middle of counting."""
    holder = threading.Thread(target=lab_database.query, args=(
        docker_lab, database, f"BEGIN; LOCK TABLE downloadevent IN EXCLUSIVE MODE; SELECT pg_sleep({hold_s}); COMMIT;"))
    holder.start()
    try:
        poll_until(lambda: sql(database, "SELECT count(*) FROM pg_locks WHERE granted AND mode = 'ExclusiveLock' "
                                         "AND relation = 'downloadevent'::regclass") == "1",
                   timeout_s=10, awaited=f"the lock on {database}'s downloadevent table")
        yield
    finally:
        holder.join(timeout=hold_s + 30)


def hourly_rows(sql, database: str, version_id: int) -> str:
    """'<rows>|<downloads in them>' for one version."""
    return sql(database, f"SELECT count(*), sum(downloads) FROM downloadevent WHERE version_id = {version_id}")


def concurrent_downloads(author, client: LabClient, docker_lab: DockerLab, sql, site: str, unique: str) -> str:
    host, _ = SITES[site]
    database = DATABASES[site]
    mod = author(host).create_mod(f"Counted {unique}", "1.0", make_zip(1000, unique)).json()
    with slow_event_writes(docker_lab, database, sql):
        answers = at_once(*(lambda: client.get(mod["download_url"], host=host) for _ in range(DOWNLOADS)))
    assert {answer.status_code for answer in answers} == {200}
    return hourly_rows(sql, database, mod["version_id"])


def test_concurrent_downloads_of_a_version_keep_one_hourly_row_with_the_fix(
    author, client: LabClient, docker_lab: DockerLab, sql, unique: str
) -> None:
    assert concurrent_downloads(author, client, docker_lab, sql, "alpha", unique) == f"1|{DOWNLOADS}"


def test_concurrent_downloads_make_several_hourly_rows_as_production_does(
    author, client: LabClient, docker_lab: DockerLab, sql, unique: str
) -> None:
    rows, downloads = concurrent_downloads(author, client, docker_lab, sql, "beta", unique).split("|")

    assert int(rows) > 1
    assert int(downloads) == DOWNLOADS
