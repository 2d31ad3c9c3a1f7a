"""Mod lists show each mod's thumbnail: made when the background is set
(THUMBNAILS=stored), or, as SpaceDock in March 2016, by the first page that
lists the mod, which then fails when the background is gone (before-39d4f94)."""
from __future__ import annotations

import io
from pathlib import Path

from flask import Flask
from PIL import Image
from sqlalchemy import select

from spacedock import database
from spacedock.models import Mod
from spacedock.thumbnails import THUMBNAIL_SIZE, thumbnail_path
from tests.unit.app.conftest import AppFactory


def first_background(app: Flask) -> str:
    with app.app_context():
        return database.session().scalars(select(Mod.background).order_by(Mod.id)).first()


def test_a_thumbnail_is_made_with_the_background_no_bigger_than_spacedock_s_size(app: Flask,
                                                                                 storage_root: Path) -> None:
    thumbnail = storage_root / thumbnail_path(first_background(app))

    with Image.open(io.BytesIO(thumbnail.read_bytes())) as image:
        assert image.format == "JPEG"
        assert image.width <= THUMBNAIL_SIZE[0] and image.height <= THUMBNAIL_SIZE[1]


def test_the_mod_list_names_each_thumbnail_under_content(app: Flask) -> None:
    page = app.test_client().get("/").get_data(as_text=True)

    assert f'<img class="thumb" src="/content/{thumbnail_path(first_background(app))}"' in page


def test_with_stored_thumbnails_a_missing_background_leaves_the_mod_list_up(app: Flask, storage_root: Path) -> None:
    background = first_background(app)
    (storage_root / background).unlink()
    (storage_root / thumbnail_path(background)).unlink()

    assert app.test_client().get("/").status_code == 200


def test_before_39d4f94_the_first_listing_makes_a_missing_thumbnail(make_app: AppFactory, storage_root: Path) -> None:
    app = make_app(THUMBNAILS="before-39d4f94")
    thumbnail = storage_root / thumbnail_path(first_background(app))
    thumbnail.unlink()

    assert app.test_client().get("/").status_code == 200
    assert thumbnail.is_file()


def test_before_39d4f94_a_missing_background_makes_the_mod_list_a_500(make_app: AppFactory,
                                                                      storage_root: Path) -> None:
    app = make_app(THUMBNAILS="before-39d4f94")
    background = first_background(app)
    (storage_root / background).unlink()
    (storage_root / thumbnail_path(background)).unlink()

    assert app.test_client().get("/").status_code == 500
