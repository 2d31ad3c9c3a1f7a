"""`python3 -m spacedock setup` creates the schema and demo data once; run
again (the second production container does) it changes nothing."""
from __future__ import annotations

import zipfile
from pathlib import Path

from spacedock import config
from spacedock.__main__ import setup


def settings(tmp_path: Path, storage_root: Path) -> dict:
    return {**config.defaults(), "CONNECTION_STRING": f"sqlite:///{tmp_path}/spacedock.sqlite",
            "STORAGE": str(storage_root)}


def test_first_setup_seeds_real_zips_and_backgrounds(tmp_path: Path, storage_root: Path) -> None:
    assert setup(settings(tmp_path, storage_root)) == "schema ready; demo data seeded"

    zips = sorted(storage_root.rglob("*.zip"))
    pngs = sorted(storage_root.rglob("*.png"))
    assert len(zips) == 6
    assert all(zipfile.is_zipfile(path) for path in zips)
    assert all(path.read_bytes().startswith(b"\x89PNG") for path in pngs) and len(pngs) == 3


def test_second_setup_finds_the_data_and_leaves_it(tmp_path: Path, storage_root: Path) -> None:
    setup(settings(tmp_path, storage_root))
    before = {path: path.stat().st_mtime_ns for path in storage_root.rglob("*")}

    assert setup(settings(tmp_path, storage_root)) == "schema ready; data already present"
    assert {path: path.stat().st_mtime_ns for path in storage_root.rglob("*")} == before


def test_setup_makes_the_thumbnails_that_data_seeded_without_them_lacks(tmp_path: Path, storage_root: Path) -> None:
    setup(settings(tmp_path, storage_root))
    for thumbnail in storage_root.rglob("thumb_*.jpg"):
        thumbnail.unlink()

    assert setup(settings(tmp_path, storage_root)) == "schema ready; data already present; 3 missing thumbnails made"
    assert len(list(storage_root.rglob("thumb_*.jpg"))) == 3


def test_a_background_that_is_no_picture_is_passed_over_not_a_failed_start(tmp_path: Path, storage_root: Path) -> None:
    setup(settings(tmp_path, storage_root))
    thumbnails = sorted(storage_root.rglob("thumb_*.jpg"))
    for thumbnail in thumbnails:
        thumbnail.unlink()
    next(storage_root.rglob("*.png")).write_bytes(b"not a picture")

    assert setup(settings(tmp_path, storage_root)).endswith("; 2 missing thumbnails made")
