"""The claims table on its own: a claim is forgotten only as it was read, so
a sweep never drops the claim of an upload that sent a chunk meanwhile."""
from __future__ import annotations

from datetime import timedelta

from flask import Flask
from sqlalchemy.orm import Session

from spacedock import claims, database

PATH = "user_2/My_Mod/My_Mod-1.0.zip"


def test_a_claim_refreshed_after_it_was_read_as_abandoned_is_not_forgotten(app: Flask) -> None:
    with app.app_context():
        sweeper = database.session()
        claims.take(sweeper, PATH, "u1", user_id=2, mod_name="My Mod", version="1.0")
        [stale] = claims.abandoned(sweeper, timedelta(seconds=-1))
        with Session(bind=database.engine(), future=True) as uploader:  # another worker, a chunk arrives
            assert claims.held(uploader, PATH, "u1") is not None

        assert claims.forget(sweeper, stale) is False
        assert claims.holder(sweeper, PATH) is not None


def test_a_claim_untouched_since_it_was_read_is_forgotten(app: Flask) -> None:
    with app.app_context():
        session = database.session()
        claims.take(session, PATH, "u1", user_id=2, mod_name="My Mod", version="1.0")
        [stale] = claims.abandoned(session, timedelta(seconds=-1))

        assert claims.forget(session, stale) is True
        assert claims.holder(session, PATH) is None


def test_a_claim_is_found_whatever_the_case_of_the_name(app: Flask) -> None:
    with app.app_context():
        session = database.session()
        claims.take(session, PATH, "u1", user_id=2, mod_name="My Mod", version="1.0")

        assert claims.holder(session, PATH.upper()).upload_id == "u1"
