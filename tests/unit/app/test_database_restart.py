"""What a database restart costs a request (DB_POOL): with the fix, a read
whose connection the restart cut runs once more; as SpaceDock, it fails."""
from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from spacedock import database
from tests.unit.app.conftest import AppFactory

CUT = DBAPIError("SELECT 1", {}, Exception("terminating connection due to administrator command"),
                 connection_invalidated=True)


def app_with_a_read_cut_once(make_app: AppFactory, pool: str) -> tuple[Flask, list[str]]:
    app = make_app(DB_POOL=pool)
    calls: list[str] = []

    @app.route("/cut-once", methods=["GET", "POST"])
    def cut_once() -> str:
        calls.append("called")
        if len(calls) == 1:
            raise CUT
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


def test_with_the_fix_a_read_that_has_committed_is_not_run_again(make_app: AppFactory) -> None:
    app = make_app(DB_POOL="fixed")
    calls: list[str] = []

    @app.get("/counts-then-is-cut")
    def counts_then_is_cut() -> str:
        calls.append("called")
        database.session().execute(text("SELECT 1"))
        database.session().commit()
        raise CUT

    assert app.test_client().get("/counts-then-is-cut").status_code == 500
    assert len(calls) == 1


def app_whose_closing_rollback_fails(make_app: AppFactory, pool: str, monkeypatch: pytest.MonkeyPatch,
                                     failure: DBAPIError = CUT) -> Flask:
    """A view that answers, and a session whose rollback at the request's end
    fails with `failure` (by default: meets a connection the restart cut)."""
    app = make_app(DB_POOL=pool)

    @app.get("/answers-then-loses-its-connection")
    def answers() -> str:
        database.session().execute(text("SELECT 1"))
        monkeypatch.setattr(database.session(), "close", lambda: (_ for _ in ()).throw(failure))
        return "answered"

    return app


def test_with_the_fix_a_connection_cut_after_the_answer_leaves_the_answer(make_app: AppFactory,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    app = app_whose_closing_rollback_fails(make_app, "fixed", monkeypatch)

    response = app.test_client().get("/answers-then-loses-its-connection")

    assert (response.status_code, response.get_data(as_text=True)) == (200, "answered")


def test_as_production_a_connection_cut_after_the_answer_fails_the_request(make_app: AppFactory,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    app = app_whose_closing_rollback_fails(make_app, "production", monkeypatch)

    # raised from the request's teardown, past Flask's handlers: gunicorn answers 500
    with pytest.raises(DBAPIError):
        app.test_client().get("/answers-then-loses-its-connection")


def test_with_the_fix_a_closing_rollback_that_fails_otherwise_still_fails_the_request(
        make_app: AppFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    broken = DBAPIError("ROLLBACK", {}, Exception("something else went wrong"), connection_invalidated=False)
    app = app_whose_closing_rollback_fails(make_app, "fixed", monkeypatch, broken)

    with pytest.raises(DBAPIError):
        app.test_client().get("/answers-then-loses-its-connection")


@pytest.mark.parametrize("message", ["could not connect to server: Connection refused",
                                     "FATAL:  the database system is shutting down",
                                     "FATAL:  the database system is starting up",
                                     'connection to server at "db" (172.26.0.5), port 5432 failed: '
                                     "server closed the connection unexpectedly",
                                     "could not connect to server: No route to host",
                                     'could not translate host name "db" to address: Name or service not known'])
def test_a_database_that_is_restarting_is_waited_for(message: str) -> None:
    assert database.restarting(Exception(message))


@pytest.mark.parametrize("message", ['FATAL:  password authentication failed for user "spacedock"',
                                     'FATAL:  database "spacedock_gamma" does not exist'])
def test_a_database_that_refuses_the_lab_s_credentials_is_not_waited_for(message: str) -> None:
    assert not database.restarting(Exception(message))
