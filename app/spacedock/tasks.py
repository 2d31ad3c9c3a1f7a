"""The background work, as SpaceDock's KerbalStuff/celery.py: a Celery app on
the Redis broker named by REDIS_CONNECTION (SpaceDock's `redis-connection`),
run in every web container as production's systemd runs it:

    python3 -m celery -A spacedock.tasks worker -B --loglevel=INFO

`-B` runs the periodic jobs in the worker, on production's schedule:
    every 86400 s  calculate mod scores   every mod's score from its downloads
    every 3600 s   import game versions   SpaceDock fetches each Notification's
                                          builds_url; the stand-in has no feeds

SpaceDock also queues mail and the GitHub deploy hook here; the stand-in has
neither (no registration, no followers; `make deploy` deploys).
"""
from __future__ import annotations

import functools
import logging
import time
from typing import Any

from celery import Celery
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from spacedock import config, database
from spacedock.downloads import mod_score
from spacedock.models import Mod

# SpaceDock's periodic jobs: (name, seconds between runs), celery.py's setup_periodic_tasks.
SCORES_EVERY_S = 86400
GAME_VERSIONS_EVERY_S = 3600

log = logging.getLogger(__name__)
settings = config.from_environment()
config.validate(settings)
app = Celery("tasks", broker=settings["REDIS_CONNECTION"])
# A worker that loses Redis exits, and its keeper starts a fresh one
# UNIT_RESTART_SECONDS later, as systemd would. Reconnecting in place is
# Celery's default, but Debian bookworm's kombu 5.2.4 then takes no more tasks
# while it still answers pings (Celery #8030 and #8384; kombu PR #2007, in
# 5.4.0, fixed the common case, which production's `pip install -U` brings).
app.conf.broker_connection_retry = False


@app.on_after_configure.connect
def setup_periodic_tasks(sender: Celery, **kwargs: Any) -> None:
    sender.add_periodic_task(SCORES_EVERY_S, calculate_mod_scores.s(), name="calculate mod scores")
    sender.add_periodic_task(GAME_VERSIONS_EVERY_S, game_version_import.s(), name="import game versions")


@functools.cache
def sessions() -> sessionmaker:
    """One engine per worker process, made on first use (after the fork)."""
    return sessionmaker(bind=database.make_engine(settings["CONNECTION_STRING"], settings["DB_POOL"],
                                                     settings["DB_CONNECT_PATIENCE_S"]), future=True)


def recalculate_scores(session: Session) -> int:
    """Every mod's score (SpaceDock's search.get_mod_score, also run at each
    download); returns how many mods there were."""
    mod_ids = session.scalars(select(Mod.id)).all()
    for mod_id in mod_ids:
        session.get(Mod, mod_id).score = mod_score(session, mod_id)
    session.commit()
    return len(mod_ids)


@app.task
def calculate_mod_scores() -> int:
    started = time.monotonic()
    with sessions()() as session:
        mods = recalculate_scores(session)
    log.info("calculate mod scores: %d mods in %.2f s", mods, time.monotonic() - started)
    return mods


@app.task
def game_version_import() -> None:
    log.info("import game versions: no game-version feeds in the lab (SpaceDock reads "
             "each Notification's builds_url from the internet); nothing imported")
