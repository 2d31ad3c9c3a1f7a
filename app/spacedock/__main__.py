"""`python3 -m spacedock setup`: create the schema and, on an empty database,
the demo data; make any thumbnail a background lacks (data seeded before the
stand-in had thumbnails). Safe to run from several containers at once (sd1a and sd1b
share a database): the first one does the work, the others wait and skip."""
from __future__ import annotations

import argparse
import sys

from spacedock import config, database, seed, thumbnails
from spacedock.models import Base
from sqlalchemy.orm import Session


SETUP_PATIENCE_S = 60


def setup(settings: dict) -> str:
    # a container that starts before the database (after an engine restart) waits for it
    engine = database.make_engine(settings["CONNECTION_STRING"], "fixed", SETUP_PATIENCE_S)
    with database.setup_transaction(engine) as connection:
        Base.metadata.create_all(connection)
        with Session(bind=connection, future=True) as session:
            seeded = seed.seed(session, settings["STORAGE"], settings["DEMO_PASSWORD"])
            made = thumbnails.make_missing(session, settings["STORAGE"])
    done = "schema ready; demo data seeded" if seeded else "schema ready; data already present"
    return f"{done}; {made} missing thumbnails made" if made else done


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m spacedock")
    parser.add_argument("command", choices=["setup"], help="create the schema and seed an empty database")
    parser.parse_args(argv)
    settings = config.from_environment()
    print(f"spacedock: {setup(settings)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
