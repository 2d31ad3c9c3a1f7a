"""What the pages show a person, the way SpaceDock's pages show it: sizes in
KiB/MiB, counts with the right plural, times that say they are UTC, download
links that lead to the file, and a question before a version is deleted."""
from __future__ import annotations

from datetime import datetime

import pytest
from flask.testing import FlaskClient

from spacedock.formatting import count, filesize, utc
from tests.unit.app.conftest import log_in

MOD_PAGE = "/mod/1/Near%20Future%20Electrical"


@pytest.mark.parametrize(("size", "shown"), [(None, "unknown"), (0, "0 bytes"), (1, "1 byte"), (1023, "1023 bytes"),
                                             (1024, "1.00 KiB"), (5243707, "5.00 MiB"), (3 * 1024**3, "3.00 GiB")])
def test_sizes_are_shown_as_spacedock_shows_them(size: int | None, shown: str) -> None:
    assert filesize(size) == shown


@pytest.mark.parametrize(("number", "shown"), [(0, "0 downloads"), (1, "1 download"), (1234567, "1,234,567 downloads")])
def test_counts_take_the_plural_they_need_and_thousands_separators(number: int, shown: str) -> None:
    assert count(number, "download") == shown


def test_times_say_they_are_utc() -> None:
    assert utc(datetime(2026, 11, 29, 7, 5)) == "2026-11-29 07:05 UTC"


def test_the_mod_page_shows_sizes_counts_and_utc_times(client: FlaskClient) -> None:
    client.get("/mod/1/download")

    page = client.get(MOD_PAGE).get_data(as_text=True)

    assert "<b>1 download</b>" in page
    assert "<td class=\"number\">256.47 KiB</td>" in page
    assert " UTC</td>" in page
    assert '<th class="number">Size</th>' in page


def test_download_links_on_the_mod_page_lead_to_the_file(client: FlaskClient) -> None:
    page = client.get(MOD_PAGE).get_data(as_text=True)

    assert 'href="/mod/1/Near%20Future%20Electrical/download/1.2.0"' in page


def test_deleting_a_version_asks_first(client: FlaskClient) -> None:
    log_in(client)

    page = client.get(MOD_PAGE).get_data(as_text=True)

    assert 'data-confirm="Delete version 1.0.0 of Near Future Electrical? Its zip is removed for good."' in page
    assert '<script src="/static/confirm.js"></script>' in page


def test_the_version_field_says_what_it_allows(client: FlaskClient) -> None:
    log_in(client)

    page = client.get("/create/mod").get_data(as_text=True)

    assert "title=\"Letters, digits, '.', '_', '+' and '-', starting with a letter or digit" in page
