"""The real SpaceDock's schema and demo data, made with SpaceDock's own tooling
(its `spacedock` command, run in its working directory):

  database initialize --force   the first time: create the database if need
                                be, create_all() and alembic stamp head
  database migrate              every start: alembic upgrade head, as a deploy does
  database populate             every start, a no-op once done: the confirmed
                                users admin and user, publisher Squad, the game
                                Kerbal Space Program and its version 1.0

then gives admin and user the lab's DEMO_PASSWORD (populate's is `development`)
with SpaceDock's User.set_password. sd1a and sd1b share a database and start
together: a PostgreSQL advisory lock on the database's name, held on a
connection of this script's own to the server's `postgres` database (the
app's may not exist yet) while it works, lets one container at a time do it."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from contextlib import closing

import psycopg2

# Arbitrary but fixed, and not the stand-in's (52_2024).
SETUP_LOCK_KEY = 52_2025
DATABASE_WAIT_S = 120
DEMO_USERS = ("admin", "user")


def log(message: str) -> None:
    print(f"setup_database: {message}", file=sys.stderr, flush=True)


def connect(url: str, **options: str) -> psycopg2.extensions.connection:
    """The database server, waited for: the container may start before it accepts."""
    deadline = time.monotonic() + DATABASE_WAIT_S
    while True:
        try:
            return psycopg2.connect(url, connect_timeout=3, **options)
        except psycopg2.OperationalError as error:
            if time.monotonic() >= deadline:
                raise SystemExit(f"setup_database: the database did not answer in {DATABASE_WAIT_S} s: {error}") from error
            time.sleep(1)


def spacedock(*args: str) -> None:
    log(f"spacedock {' '.join(args)}")
    subprocess.run([sys.executable, "spacedock", *args], check=True)


def set_demo_passwords(password: str) -> None:
    from KerbalStuff.database import db
    from KerbalStuff.objects import User
    for name in DEMO_USERS:
        User.query.filter(User.username == name).one().set_password(password)
    db.commit()


def has_schema(url: str) -> bool:
    with closing(connect(url)) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('public.alembic_version') IS NOT NULL")
        return bool(cursor.fetchone()[0])


def main() -> None:
    url = os.environ["CONNECTION_STRING"]
    name = psycopg2.extensions.parse_dsn(url)["dbname"]
    with closing(connect(url, dbname="postgres")) as connection:
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s, hashtext(%s))", (SETUP_LOCK_KEY, name))
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
            exists = cursor.fetchone() is not None
        if not exists or not has_schema(url):
            spacedock("database", "initialize", "--force")
        spacedock("database", "migrate")
        spacedock("database", "populate")
        set_demo_passwords(os.environ["DEMO_PASSWORD"])
        log(f"{name}: schema at alembic head, demo data in place")
        # the lock ends with the connection


if __name__ == "__main__":
    main()
