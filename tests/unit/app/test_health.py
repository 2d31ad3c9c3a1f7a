"""/healthz says whether this container can serve, and which part failed;
/version says what it runs."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import create_engine
from sqlalchemy.pool import QueuePool

from spacedock import create_app


def make_app(storage: Path, **overrides) -> Flask:
    return create_app({"STORAGE": str(storage), "STORAGE_STATUS_FILE": str(storage / "no-flag"), "SD_CONTAINER": "sd1a", "SD_BRANCH": "master",
                       "APP_VERSION": "abc123", **overrides})


@pytest.fixture
def mounted(monkeypatch: pytest.MonkeyPatch) -> None:
    """The test's storage folder taken for the share's mount point."""
    monkeypatch.setattr(os.path, "ismount", lambda path: True)


@pytest.mark.usefixtures("mounted")
def test_healthz_is_ok_when_database_and_storage_answer(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    response = app.test_client().get("/healthz")

    assert response.status_code == 200
    assert response.json["status"] == "ok"
    assert response.json["failing"] == []


def test_healthz_names_the_storage_when_the_mount_is_missing(tmp_path: Path) -> None:
    app = make_app(tmp_path / "not-mounted")
    response = app.test_client().get("/healthz")

    assert response.status_code == 503
    assert response.json["failing"] == ["storage"]
    assert "not-mounted" in response.json["checks"][1]


def test_healthz_names_the_storage_when_its_folder_is_there_but_the_mount_is_gone(tmp_path: Path) -> None:
    response = make_app(tmp_path).test_client().get("/healthz")

    assert response.status_code == 503
    assert response.json["failing"] == ["storage"]
    assert "is not a mount point" in response.json["checks"][1]


@pytest.mark.usefixtures("mounted")
def test_healthz_names_the_database_when_it_does_not_answer(tmp_path: Path) -> None:
    app = make_app(tmp_path, CONNECTION_STRING=f"sqlite:///{tmp_path}/missing-dir/db.sqlite")

    response = app.test_client().get("/healthz")

    assert response.status_code == 503
    assert response.json["failing"] == ["database"]


def test_version_names_branch_version_and_container(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    response = app.test_client().get("/version")

    assert response.text == "branch: master\nversion: abc123\ncontainer: sd1a\n"
    assert response.mimetype == "text/plain"


@pytest.mark.usefixtures("mounted")
def test_healthz_names_the_database_when_its_pool_has_no_free_connection(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    # a pool of one connection that waits 0.1 s for it, and the one connection in use
    engine = create_engine(f"sqlite:///{tmp_path}/db.sqlite", poolclass=QueuePool, pool_size=1, max_overflow=0,
                           pool_timeout=0.1)
    app.extensions["database"] = (engine, app.extensions["database"][1])

    with engine.connect():
        response = app.test_client().get("/healthz")

    assert response.status_code == 503
    assert response.json["failing"] == ["database"]
    assert response.json["checks"][0].startswith("database: TimeoutError: QueuePool limit")
