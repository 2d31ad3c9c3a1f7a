"""The database: one SQLAlchemy engine and session per app, a session per
request (committed by the view that changes things, rolled back on error),
and schema set-up that several containers may run at once."""
from __future__ import annotations

import time
from contextlib import contextmanager
from typing import Any, Iterator

from flask import Flask, current_app, g, has_request_context
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, scoped_session, sessionmaker
from sqlalchemy.pool import StaticPool

# Arbitrary but fixed: the key of the PostgreSQL advisory lock that serialises
# schema set-up and seeding between sd1a and sd1b, which share a database.
SETUP_LOCK_KEY = 52_2024
RETRY_INTERVAL_S = 0.25
# what libpq says while PostgreSQL stops, starts, or nobody listens yet (a
# postmaster that is stopping may accept a connection and close it unanswered);
# and, as Docker's DNS forgets a stopped container, while its name does not
# resolve or its old address no longer answers
RESTARTING_SIGNS = ("connection refused", "shutting down", "starting up", "not yet accepting connections",
                    "in recovery mode", "server closed the connection unexpectedly",
                    "could not translate host name", "no route to host")


def make_engine(url: str, pool: str = "fixed", patience_s: float = 0) -> Engine:
    """The engine for `url`; `pool` and `patience_s` are DB_POOL and
    DB_CONNECT_PATIENCE_S (config.py): what a database restart costs."""
    if url in ("sqlite://", "sqlite:///:memory:"):
        # one in-memory database shared by every session (unit tests)
        return create_engine(url, future=True, poolclass=StaticPool,
                             connect_args={"check_same_thread": False})
    fixed = pool == "fixed"
    if not url.startswith("postgresql"):
        return create_engine(url, future=True, pool_pre_ping=fixed)
    # A few connections per gunicorn worker; a dead database host is reported
    # within seconds, not after the OS's TCP timeout.
    engine = create_engine(url, future=True, pool_pre_ping=fixed, pool_size=2, max_overflow=3,
                           connect_args={"connect_timeout": 3})
    if fixed and patience_s > 0:
        retry_refused_connections(engine, patience_s)
    return engine


def retry_refused_connections(engine: Engine, patience_s: float) -> None:
    """A new connection the database refuses (it is restarting: "the database
    system is shutting down", or nobody listens yet) is tried again every
    quarter second for `patience_s`, so a request waits out a restart."""
    @event.listens_for(engine, "do_connect")
    def connect(dialect: Any, connection_record: Any, cargs: tuple, cparams: dict) -> Any:
        deadline = time.monotonic() + patience_s
        while True:
            try:
                return dialect.connect(*cargs, **cparams)
            except dialect.dbapi.OperationalError as error:
                if not restarting(error) or time.monotonic() >= deadline:
                    raise
                time.sleep(RETRY_INTERVAL_S)


def restarting(error: Exception) -> bool:
    """Whether a failed connection says the database is (re)starting, rather
    than wrong: a bad password is not waited out (an unknown host name is: in
    Docker that is a database container that is restarting)."""
    message = str(error).lower()
    return any(sign in message for sign in RESTARTING_SIGNS)


def init_app(app: Flask) -> None:
    engine = make_engine(app.config["CONNECTION_STRING"], app.config["DB_POOL"], app.config["DB_CONNECT_PATIENCE_S"])
    factory = sessionmaker(bind=engine, future=True, expire_on_commit=False)
    sessions = scoped_session(factory)
    app.extensions["database"] = (engine, sessions)

    @event.listens_for(factory, "after_commit")
    def remember_the_commit(session: Session) -> None:
        if has_request_context():
            g.database_committed = True

    @app.teardown_appcontext
    def end_session(error: BaseException | None) -> None:
        try:
            if error is not None:
                sessions.rollback()
            sessions.remove()
        except DBAPIError as failure:
            # With the fix, a connection the database cut after the view had
            # answered (a restart under load) fails only the session's closing
            # rollback, which has nothing to undo: the pool has dropped the
            # connection, and the answer stands. As SpaceDock, it is a 500.
            if app.config["DB_POOL"] != "fixed" or not failure.connection_invalidated:
                raise
        finally:
            # the next request in this thread starts a new session either way
            sessions.registry.clear()


def engine() -> Engine:
    return current_app.extensions["database"][0]


def session() -> Session:
    """The current request's session."""
    return current_app.extensions["database"][1]()


@contextmanager
def setup_transaction(bound: Engine) -> Iterator[Connection]:
    """One transaction that holds the set-up lock (PostgreSQL) until it ends, so
    that only one container at a time creates the schema and seeds data."""
    with bound.begin() as connection:
        if bound.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SETUP_LOCK_KEY})
        yield connection
