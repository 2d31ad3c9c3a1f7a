"""What the lab reads from a SpaceDock commit before building it
(lab/spacedock/image.py, lab/spacedock/wheels.py): whether it predates Flask 2,
the newest schema revision it knows, and PyPI as of its date."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from lab.config import LabConfig
from lab.errors import LabError
from lab.spacedock import wheels as spacedock_wheels
from lab.spacedock.image import alembic_head, database_schema


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True).stdout.strip()


def commit(repo: Path, files: dict[str, str]) -> str:
    for name, text in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text)
    git(repo, "add", "--all")
    git(repo, "-c", "user.name=lab", "-c", "user.email=lab@example.com", "commit", "--quiet", "-m", "step")
    return git(repo, "rev-parse", "HEAD")


def migration(revision: str, down: str) -> str:
    return f'"""a step"""\nrevision = \'{revision}\'\ndown_revision = {down}\n\ndef upgrade():\n    pass\n'


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    git(tmp_path, "init", "--quiet")
    return tmp_path


def test_the_head_is_the_revision_nothing_follows(repo: Path) -> None:
    head = commit(repo, {"alembic/versions/a.py": migration("aaaa1111", "None"),
                         "alembic/versions/b.py": migration("bbbb2222", "'aaaa1111'"),
                         "alembic/versions/c.py": migration("cccc3333", "'bbbb2222'")})

    assert alembic_head(repo, head) == "cccc3333"


def test_a_merge_revision_is_the_head_of_the_branches_it_joins(repo: Path) -> None:
    head = commit(repo, {"alembic/versions/a.py": migration("aaaa1111", "None"),
                         "alembic/versions/b.py": migration("bbbb2222", "'aaaa1111'"),
                         "alembic/versions/c.py": migration("cccc3333", "'aaaa1111'"),
                         "alembic/versions/m.py": migration("dddd4444", "('bbbb2222', 'cccc3333')")})

    assert alembic_head(repo, head) == "dddd4444"


def test_two_heads_are_refused_by_name(repo: Path) -> None:
    head = commit(repo, {"alembic/versions/a.py": migration("aaaa1111", "None"),
                         "alembic/versions/b.py": migration("bbbb2222", "'aaaa1111'"),
                         "alembic/versions/c.py": migration("cccc3333", "'aaaa1111'")})

    with pytest.raises(LabError, match="2 heads: bbbb2222, cccc3333"):
        alembic_head(repo, head)


def branches_at(repo: Path, commit: str) -> LabConfig:
    """A lab whose web containers all run the branch `lab-tip`, at `commit`."""
    git(repo, "branch", "--force", "lab-tip", commit)
    return LabConfig(repo, {"SPACEDOCK_PRODUCTION_REF": "lab-tip", "SPACEDOCK_BETA_REF": "lab-tip",
                            "SPACEDOCK_ALPHA_REF": "lab-tip"})


def test_a_commit_that_knows_every_branch_s_schema_runs_on_its_container_s_database(repo: Path) -> None:
    first = commit(repo, {"alembic/versions/a.py": migration("aaaa1111", "None")})
    tip = commit(repo, {"alembic/versions/b.py": migration("bbbb2222", "'aaaa1111'")})

    assert database_schema(branches_at(repo, first), repo, tip) == ""


def test_an_older_commit_gets_a_database_of_its_own_schema(repo: Path) -> None:
    older = commit(repo, {"alembic/versions/a.py": migration("aaaa1111", "None")})
    tip = commit(repo, {"alembic/versions/b.py": migration("bbbb2222", "'aaaa1111'")})

    assert database_schema(branches_at(repo, tip), repo, older) == "aaaa1111"


def test_commits_before_flask_2_are_of_their_time_and_later_ones_not(
        repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    older = commit(repo, {"requirements.txt": "werkzeug==0.16.1\n"})
    flask_2 = commit(repo, {"requirements.txt": "flask\n"})
    newer = commit(repo, {"README": "later\n"})
    monkeypatch.setattr(spacedock_wheels, "FLASK_2", flask_2)

    assert [spacedock_wheels.of_its_time(repo, c) for c in (older, flask_2, newer)] == [True, False, False]


def test_a_commit_since_flask_2_that_needs_what_debian_lacks_is_of_its_time(
        repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    flask_2 = commit(repo, {"requirements.txt": "-r ./requirements-backend.txt\n",
                            "requirements-backend.txt": "Flask\nFlask_Markdown>=0.3  # the editor's preview\n"})
    later = commit(repo, {"requirements-backend.txt": "Flask\nmarkdown\n"})
    monkeypatch.setattr(spacedock_wheels, "FLASK_2", flask_2)

    assert [spacedock_wheels.of_its_time(repo, c) for c in (flask_2, later)] == [True, False]


def test_pypi_is_taken_as_of_the_commit_s_date_in_utc() -> None:
    options = spacedock_wheels.as_of("2020-07-20T19:34:18-04:00")

    assert options[:2] == ["--exclude-newer", "2020-07-20T23:34:18Z"]


def test_the_releases_the_floor_raises_to_are_taken_from_when_they_were_out() -> None:
    options = spacedock_wheels.as_of("2020-07-20T23:34:18Z")

    assert "--exclude-newer-package=celery=2021-01-01T00:00:00Z" in options
    assert "--exclude-newer-package=vine=2021-01-01T00:00:00Z" in options
    assert "--exclude-newer-package=wrapt=2022-03-31T00:00:00Z" in options


def test_a_commit_newer_than_the_floor_s_releases_is_not_held_back_by_them() -> None:
    options = spacedock_wheels.as_of("2021-09-01T12:00:00Z")

    assert "--exclude-newer-package=celery=2021-09-01T12:00:00Z" in options


def test_a_checkout_that_lacks_flask_2_s_commit_is_refused_by_name(repo: Path) -> None:
    head = commit(repo, {"requirements.txt": "flask\n"})

    with pytest.raises(LabError, match=f"does not know SpaceDock's {spacedock_wheels.FLASK_2}"):
        spacedock_wheels.of_its_time(repo, head)
