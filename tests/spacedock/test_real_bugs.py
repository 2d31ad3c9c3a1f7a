"""Production's bugs on SpaceDock's own code, shown through ATS: master's
version deletion fails before it deletes anything (alpha's dbd0b53 fixes it),
and replacing a version's zip purges a filesystem path, so ATS keeps serving
the old zip (SpaceDock PR #428; no branch has a fix yet)."""
from __future__ import annotations

import hashlib
from typing import Callable

from lab.ats import TrafficServer
from lab.docker_ops import DockerLab
from lab.http import LabClient, cache_result
from lab.real_spacedock_client import Mod, RealSpaceDockClient
from lab.spacedock import make_zip
from lab.waiting import poll_until
from tests.spacedock.conftest import BROWSER

Published = Callable[..., tuple[RealSpaceDockClient, Mod, bytes]]


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_on_master_deleting_a_version_fails_with_500_and_it_stays_downloadable(
        visitor: LabClient, published: Published) -> None:
    author, mod, _ = published("spacedock.info", versions=("1.0", "1.1"))
    old = author.version_id(mod, "1.0")

    answer = author.delete_version(mod, old)

    assert answer.status_code == 500
    assert "1.0" in [v["friendly_version"] for v in author.mod(mod)["versions"]]
    assert visitor.get(f"/mod/{mod.id}/{mod.name}/download/1.0", headers=BROWSER).status_code == 302


def test_on_alpha_s_dbd0b53_deleting_a_version_works(visitor: LabClient, published: Published) -> None:
    author, mod, _ = published("alpha.spacedock.info", versions=("1.0", "1.1"))
    old = author.version_id(mod, "1.0")

    answer = author.delete_version(mod, old)

    assert answer.status_code == 302
    assert [v["friendly_version"] for v in author.mod(mod)["versions"]] == ["1.1"]
    assert visitor.get(f"/mod/{mod.id}/{mod.name}/download/1.0", host="alpha.spacedock.info",
                       headers=BROWSER).status_code == 404


def test_on_master_a_replaced_zip_stays_cached_in_ats_because_the_purge_names_a_file_path(
        docker_lab: DockerLab, ats: TrafficServer, visitor: LabClient, published: Published) -> None:
    author, mod, old_zip = published("spacedock.info")
    content = f"/content/user_2/{mod.name}/{mod.name}-1.0.zip"
    visitor.get(content)
    assert cache_result(visitor.get(content, debug=True)) == "hit-fresh"
    new_zip = make_zip(64 * 1024, f"{mod.name}-replacement")

    answer = author.replace_zip(mod, author.version_id(mod, "1.0"), new_zip)

    assert answer.status_code == 202
    on_storage = docker_lab.exec("sd1a", ["sha256sum", f"/storage/sdmods{content.removeprefix('/content')}"])
    assert on_storage.output.split()[0] == sha256(new_zip)
    served = visitor.get(content, debug=True)
    assert (cache_result(served), sha256(served.content)) == ("hit-fresh", sha256(old_zip))
    # ATS writes its log in batches
    purged = f"https://spacedock.info/content//storage/sdmods/{content.removeprefix('/content/')}"
    poll_until(lambda: purged in ats.purges_asked(), timeout_s=30, awaited=f"ATS to log the PURGE of {purged}")
