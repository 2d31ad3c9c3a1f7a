"""The stand-in's Celery jobs (spacedock.tasks), as SpaceDock's celery.py."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from spacedock import database, tasks
from spacedock.downloads import mod_score
from spacedock.models import Mod

UNSCORED = -1_000_000


def test_recalculating_scores_gives_every_mod_the_score_a_download_would(make_app) -> None:
    app = make_app()
    with app.app_context(), Session(bind=database.engine(), future=True) as session:
        session.execute(update(Mod).values(score=UNSCORED, download_count=Mod.id * 10))
        session.commit()

        recalculated = tasks.recalculate_scores(session)

        mods = session.scalars(select(Mod)).all()
        assert recalculated == len(mods) > 1
        assert [mod.score for mod in mods] == [mod_score(session, mod.id) for mod in mods]
        assert UNSCORED not in [mod.score for mod in mods]


def test_the_periodic_jobs_are_production_s() -> None:
    schedule = {name: (entry["task"], entry["schedule"]) for name, entry in tasks.app.conf.beat_schedule.items()}

    assert schedule == {
        "calculate mod scores": ("spacedock.tasks.calculate_mod_scores", 86400),
        "import game versions": ("spacedock.tasks.game_version_import", 3600),
    }


def test_a_score_is_spacedock_s_formula_of_downloads_versions_description_and_age(make_app) -> None:
    app = make_app()
    with app.app_context(), Session(bind=database.engine(), future=True) as session:
        mod = session.get(Mod, 1)
        versions = len(mod.versions)
        session.execute(update(Mod).where(Mod.id == 1).values(
            download_count=1000, short_description="short", updated=datetime.utcnow() - timedelta(days=250),
            created=datetime.utcnow() - timedelta(days=400)))
        session.commit()

        score = mod_score(session, 1)

    # downloads, a point per 5 versions, -10 for a short description, at most
    # -20 for age, and SpaceDock's new-mod bonus that every mod gets
    assert score == 1000 + versions // 5 - 10 - 20 + 100
