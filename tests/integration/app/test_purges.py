"""Replacing or deleting a version through ATS purges ATS's copy of its file
in every environment that has a cache in front of it: afterwards the old bytes
are gone. Production keeps SpaceDock PR #428's purge of a filesystem path when
a zip is replaced (its stale copy stays, on purpose: docs/standin-app.md, the bugs the lab keeps)."""
from __future__ import annotations

import pytest

from lab.http import LabClient, cache_result
from lab.standin_client import make_zip

SITES = {"production": "spacedock.info", "beta": "beta.spacedock.info", "alpha": "alpha.spacedock.info"}


@pytest.fixture
def published(author, client: LabClient, unique: str, request: pytest.FixtureRequest):
    """published(site) -> (author, mod, its /content/ path, the bytes), with the
    file of version 1.0 held in ATS's cache; version 2.0 is added so that 1.0
    may be deleted."""
    def publish(site: str):
        host = SITES[site]
        spacedock = author(host)
        data = make_zip(200_000, f"{unique}-old")
        mod = spacedock.create_mod(f"Purge {unique}", "1.0", data).json()
        assert spacedock.add_version(mod["id"], "2.0", make_zip(1000, unique)).status_code == 201
        content = f"/content/{mod['storage_path']}"
        client.get(content, host=host)
        cached = client.get(content, host=host, debug=True)
        assert (cache_result(cached), cached.content) == ("hit-fresh", data)
        return spacedock, mod, content, data
    return publish


@pytest.mark.parametrize("site", ["production", "beta", "alpha"])
def test_deleting_a_version_purges_its_file_from_the_cache(published, client: LabClient, site: str) -> None:
    spacedock, mod, content, _ = published(site)

    deleted = spacedock.delete_version(mod["id"], mod["version_id"])
    after = client.get(content, host=SITES[site], debug=True)

    assert deleted.status_code == 302
    assert (after.status_code, cache_result(after)) == (404, "miss")


def test_replacing_a_zip_on_alpha_purges_the_old_bytes(published, client: LabClient, unique: str) -> None:
    spacedock, mod, content, _ = published("alpha")
    new = make_zip(200_000, f"{unique}-new")

    replaced = spacedock.replace_version(mod["id"], mod["version_id"], new)
    after = client.get(content, host=SITES["alpha"], debug=True)

    assert replaced.status_code == 200, replaced.text
    assert (cache_result(after), after.content) == ("miss", new)


@pytest.mark.parametrize("site", ["production", "beta"])
def test_replacing_a_zip_where_production_s_purge_path_runs_leaves_the_old_bytes_cached(
    published, client: LabClient, unique: str, site: str
) -> None:
    spacedock, mod, content, old = published(site)

    replaced = spacedock.replace_version(mod["id"], mod["version_id"], make_zip(200_000, f"{unique}-new"))
    after = client.get(content, host=SITES[site], debug=True)

    assert replaced.status_code == 200, replaced.text
    assert (cache_result(after), after.content) == ("hit-fresh", old)
