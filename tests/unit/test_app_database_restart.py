"""What a database restart costs a request (DB_POOL): with the fix, a read
whose connection the restart cut runs once more; as SpaceDock, it fails."""
from __future__ import annotations

from flask import Flask
from sqlalchemy.exc import DBAPIError

from tests.unit.conftest import AppFactory


def app_with_a_read_cut_once(make_app: AppFactory, pool: str) -> tuple[Flask, list[str]]:
    app = make_app(DB_POOL=pool)
    calls: list[str] = []

    @app.route("/cut-once", methods=["GET", "POST"])
    def cut_once() -> str:
        calls.append("called")
        if len(calls) == 1:
            raise DBAPIError("SELECT 1", {}, Exception("terminating connection due to administrator command"),
                             connection_invalidated=True)
        return "answered"

    return app, calls


def test_with_the_fix_a_read_cut_by_a_restart_runs_once_more(make_app: AppFactory) -> None:
    app, calls = app_with_a_read_cut_once(make_app, "fixed")

    response = app.test_client().get("/cut-once")

    assert (response.status_code, response.get_data(as_text=True)) == (200, "answered")
    assert len(calls) == 2


def test_with_the_fix_a_write_cut_by_a_restart_is_not_run_again(make_app: AppFactory) -> None:
    app, calls = app_with_a_read_cut_once(make_app, "fixed")

    assert app.test_client().post("/cut-once").status_code == 500
    assert len(calls) == 1


def test_as_production_a_read_cut_by_a_restart_fails(make_app: AppFactory) -> None:
    app, calls = app_with_a_read_cut_once(make_app, "production")

    assert app.test_client().get("/cut-once").status_code == 500
    assert len(calls) == 1
