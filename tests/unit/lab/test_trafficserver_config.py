"""ATS's configuration files say what docs/architecture.md says production does."""
from __future__ import annotations

import re

import pytest

from lab.config import REPO_ROOT
from lab.topology import SITES, Site, own_alias

ATS = REPO_ROOT / "trafficserver"


def records() -> dict[str, str]:
    values = {}
    for line in (ATS / "records.config").read_text().splitlines():
        match = re.match(r"CONFIG (\S+) (?:INT|STRING|FLOAT) (.+)$", line)
        if match:
            values[match.group(1)] = match.group(2)
    return values


def remap_rules() -> dict[str, str]:
    rules = {}
    for line in (ATS / "remap.config").read_text().splitlines():
        fields = line.split()
        if fields and fields[0] == "map":
            rules[fields[1]] = fields[2]
    return rules


@pytest.mark.parametrize("site", SITES, ids=[site.host for site in SITES])
def test_remap_sends_each_host_name_to_its_alias(site: Site) -> None:
    target = "sd-prod-live.52k" if site.target == "live" else own_alias(site.target)

    assert remap_rules()[f"http://{site.host}/"] == f"http://{target}/"


def test_remap_maps_nothing_beyond_the_design() -> None:
    assert len(remap_rules()) == len(SITES)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("proxy.config.proxy_name", "localhost"),
        ("proxy.config.http.response_via_str", "52K"),
        ("proxy.config.http.insert_response_via_str", "1"),
        ("proxy.config.url_remap.pristine_host_hdr", "1"),
    ],
)
def test_records_give_ats_the_production_identity(name: str, value: str) -> None:
    assert records()[name] == value


def test_xdebug_plugin_is_enabled() -> None:
    lines = [line.strip() for line in (ATS / "plugin.config").read_text().splitlines()]

    assert "xdebug.so" in lines
