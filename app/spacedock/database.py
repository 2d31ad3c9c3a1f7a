"""The database: one SQLAlchemy engine and session per app, a session per
request (committed by the view that changes things, rolled back on error),
and schema set-up that several containers may run at once."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from flask import Flask, current_app
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session, scoped_session, sessionmaker
from sqlalchemy.pool import StaticPool

# Arbitrary but fixed: the key of the PostgreSQL advisory lock that serialises
# schema set-up and seeding between sd1a and sd1b, which share a database.
SETUP_LOCK_KEY = 52_2024


def make_engine(url: str) -> Engine:
    if url in ("sqlite://", "sqlite:///:memory:"):
        # one in-memory database shared by every session (unit tests)
        return create_engine(url, future=True, poolclass=StaticPool,
                             connect_args={"check_same_thread": False})
    if url.startswith("postgresql"):
        # A few connections per gunicorn worker; a dead database is reported
        # within seconds, not after the OS's TCP timeout.
        return create_engine(url, future=True, pool_pre_ping=True, pool_size=2, max_overflow=3,
                             connect_args={"connect_timeout": 3})
    return create_engine(url, future=True, pool_pre_ping=True)


def init_app(app: Flask) -> None:
    engine = make_engine(app.config["CONNECTION_STRING"])
    sessions = scoped_session(sessionmaker(bind=engine, future=True, expire_on_commit=False))
    app.extensions["database"] = (engine, sessions)

    @app.teardown_appcontext
    def end_session(error: BaseException | None) -> None:
        if error is not None:
            sessions.rollback()
        sessions.remove()


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
