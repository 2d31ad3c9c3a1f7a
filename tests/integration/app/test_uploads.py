"""Bad uploads through ATS get a JSON 4xx with a reason; on alpha, which runs
the atomic writes (the safe mode), nothing of them is left on the storage box."""
from __future__ import annotations

from typing import Callable

import pytest
from requests import Response

from lab.config import LabConfig
from lab.http import LabClient
from lab.smb import StorageBox
from lab.standin_client import ChunkPlan, StandInClient, make_zip

ALPHA = "alpha.spacedock.info"
CHUNK = 64 * 1024
Upload = Callable[[StandInClient, str], Response]


def stored_files(config: LabConfig, share: str) -> set[str]:
    """Every file on the share, read over SMB as the storage box's operator would."""
    return set(StorageBox(config, share).files())


CASES: dict[str, tuple[Upload, int, str]] = {
    "not a zip": (lambda s, u: s.create_mod(f"Lab {u}", "1.0", b"PK but not really" * 10000, chunk_bytes=CHUNK),
                  400, "not a zip archive"),
    "chunks out of order": (lambda s, u: s.create_mod(f"Lab {u}", "1.0", make_zip(300_000, u), chunk_bytes=CHUNK,
                                                      plan=ChunkPlan(order=[0, 1, 3])),
                            400, "chunks must be sent in order"),
    "a missing middle chunk": (lambda s, u: s.create_mod(f"Lab {u}", "1.0", make_zip(300_000, u), chunk_bytes=CHUNK,
                                                         plan=ChunkPlan(order=[0, 1, 2, 4])),
                               400, "chunks must be sent in order"),
    "a short last chunk": (lambda s, u: s.create_mod(f"Lab {u}", "1.0", make_zip(300_000, u), chunk_bytes=CHUNK,
                                                     declared_size=300_000 + 10 * CHUNK),
                           400, "the last chunk arrived after"),
    "a version that exists": (lambda s, u: s.add_version(1, "1.0.0", make_zip(1000, u)),
                              409, "already has a version 1.0.0"),
    "a name with ..": (lambda s, u: s.create_mod(f"../../{u}", "1.0", make_zip(1000, u)), 400, "may not contain"),
    "an absolute path": (lambda s, u: s.create_mod(f"/etc/{u}", "1.0", make_zip(1000, u)), 400, "may not contain"),
    "a version with ..": (lambda s, u: s.create_mod(f"Lab {u}", "../1.0", make_zip(1000, u)), 400, "version"),
    "an oversized upload": (lambda s, u: s.create_mod(f"Lab {u}", "1.0", make_zip(1000, u),
                                                      declared_size=10001 * 1024 * 1024),
                            413, "uploads may be at most"),
    "a mod that does not exist": (lambda s, u: s.add_version(999999, "1.0", make_zip(1000, u)),
                                  404, "there is no mod 999999"),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_bad_upload_gets_a_json_4xx_with_a_reason_and_leaves_nothing_in_safe_mode(
    author, config: LabConfig, unique: str, case: str
) -> None:
    upload, status, reason = CASES[case]
    spacedock = author(ALPHA)
    before = stored_files(config, "alpha")

    response = upload(spacedock, unique)

    assert response.status_code == status, response.text
    assert response.json()["error"] is True
    assert reason in response.json()["reason"]
    assert stored_files(config, "alpha") == before


def test_upload_without_a_login_is_401(client: LabClient, unique: str) -> None:
    response = StandInClient(client, ALPHA).create_mod(f"Lab {unique}", "1.0", make_zip(1000, unique))

    assert response.status_code == 401
    assert response.json() == {"error": True, "reason": "you must be logged in"}


def test_production_in_place_writes_leave_a_refused_upload_behind_as_production_does(
    author, config: LabConfig, unique: str
) -> None:
    spacedock = author("spacedock.info")
    before = stored_files(config, "backup")

    response = spacedock.create_mod(f"Lab {unique}", "1.0", make_zip(300_000, unique), chunk_bytes=CHUNK,
                                    plan=ChunkPlan(order=[0, 1, 3]))

    assert response.status_code == 400
    assert stored_files(config, "backup") - before == {f"user_2/Lab_{unique}/Lab_{unique}-1.0.zip"}


def test_the_fix_refuses_a_name_the_storage_box_takes_for_another_mod_s(author, config: LabConfig,
                                                                       unique: str) -> None:
    spacedock = author(ALPHA)
    first = spacedock.create_mod(f"Case {unique}", "1.0", make_zip(1000, f"{unique}-first")).json()
    stored = StorageBox(config, "alpha").read(first["storage_path"])

    second = spacedock.create_mod(f"case {unique}", "1.0", make_zip(1000, f"{unique}-second"))

    assert second.status_code == 409, second.text
    assert f"the file of Case {unique} 1.0" in second.json()["reason"]
    assert StorageBox(config, "alpha").read(first["storage_path"]) == stored


def test_production_lets_a_name_differing_in_case_overwrite_the_other_mod_s_zip(author, config: LabConfig,
                                                                               unique: str) -> None:
    spacedock = author("spacedock.info")
    first = spacedock.create_mod(f"Case {unique}", "1.0", make_zip(1000, f"{unique}-first")).json()
    second_zip = make_zip(1000, f"{unique}-second")

    second = spacedock.create_mod(f"case {unique}", "1.0", second_zip)

    assert second.status_code == 201, second.text
    # one file on the storage box: the first mod's download now gives the second's zip
    assert StorageBox(config, "backup").read(first["storage_path"]) == second_zip
