"""Fixtures for the app's unit tests: a fresh app per test on an in-memory
SQLite database with the demo data, storage in a temporary folder."""
from __future__ import annotations

import functools
import io
import zipfile
from pathlib import Path
from typing import Any, Callable

import pytest
import werkzeug.security
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from spacedock import create_app, database, models, seed
from spacedock.models import Base

PASSWORD = "development"
AppFactory = Callable[..., Flask]


class BufferedClient(FlaskClient):
    """Reads every response whole and closes it, so a streamed file is never left open."""

    def open(self, *args: Any, **kwargs: Any):
        kwargs.setdefault("buffered", True)
        return super().open(*args, **kwargs)


@pytest.fixture
def storage_root(tmp_path: Path) -> Path:
    root = tmp_path / "storage"
    root.mkdir()
    return root


@pytest.fixture(autouse=True)
def cheap_password_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Werkzeug's default hash costs ~0.1 s; each test seeds two users."""
    monkeypatch.setattr(models, "generate_password_hash",
                        functools.partial(werkzeug.security.generate_password_hash, method="pbkdf2:sha256:1000"))


@pytest.fixture
def make_app(storage_root: Path) -> AppFactory:
    """make_app(USE_X_ACCEL="apache", ...) -> a seeded app with those settings."""
    def factory(**settings: Any) -> Flask:
        app = create_app({"STORAGE": str(storage_root), "DEMO_PASSWORD": PASSWORD, "SD_CONTAINER": "sd1a",
                          "STORAGE_STATUS_FILE": str(storage_root.parent / "storage-unavailable"), **settings})
        app.test_client_class = BufferedClient
        with app.app_context():
            Base.metadata.create_all(database.engine())
            with Session(bind=database.engine(), future=True) as session:
                seed.seed(session, str(storage_root), PASSWORD)
                session.commit()
        return app
    return factory


@pytest.fixture
def app(make_app: AppFactory) -> Flask:
    return make_app()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture(params=["in-place", "atomic"])
def writes(request: pytest.FixtureRequest) -> str:
    """Each test that asks for it runs with production's writes and the atomic ones."""
    return request.param


@pytest.fixture
def author(make_app: AppFactory, writes: str) -> FlaskClient:
    """The demo user `user`, logged in, with each UPLOAD_WRITES."""
    client = make_app(UPLOAD_WRITES=writes).test_client()
    log_in(client, "user")
    return client


def log_in(client: FlaskClient, username: str = "user") -> None:
    response = client.post("/login", data={"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.data


def zip_bytes(size: int = 5000, seed_text: str = "x") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr("GameData/Test/data.bin", (seed_text * size)[:size].encode())
    return buffer.getvalue()


def chunk_form(data: bytes, index: int, total: int, chunk: int, upload_id: str = "u1", **fields: str) -> dict:
    offset = index * chunk
    return {**fields, "dzuuid": upload_id, "dzchunkindex": str(index), "dztotalchunkcount": str(total),
            "dzchunkbyteoffset": str(offset), "dztotalfilesize": str(len(data)),
            "zipball": (io.BytesIO(data[offset:offset + chunk]), "mod.zip")}


def files_under(root: Path) -> set[str]:
    return {str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()}
