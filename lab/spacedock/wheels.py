"""The Python packages a SpaceDock commit's image installs over Debian's.

Commits since SpaceDock's upgrade to Flask 2 (d2485b0, 2022-03) run on Debian
bookworm's packages and need only what Debian lacks (bleach-allowlist).
Older ones pin what Debian's releases broke (Werkzeug 0.16, Flask 1.1,
SQLAlchemy 1.3, ...): they get their requirements resolved as of the commit's
date (`uv pip compile --exclude-newer`, on the host), raised only where that
release cannot run on bookworm's Python 3.11 (real-spacedock/python3.11.txt),
and fetched on the host as wheels; where PyPI had no wheel for 3.11 then, the
source is built into one on the host with no C compiler (CC=false), so that
it falls back to pure Python and suits any Python 3.11 (MarkupSafe's,
SQLAlchemy's and wrapt's speedups are optional). Compiled packages come from
Debian instead (Pillow, psycopg2, cffi's backend), and gunicorn is the lab's
(Debian's 20.1, which gunicorn.conf.py needs).

Everything fetched is cached under .lab/cache/spacedock/wheels/, a file per
release, shared by every commit."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from lab.errors import LabError
from lab.git import git, is_ancestor

Output = Callable[[str], None]

# SpaceDock's "Upgrade to Flask 2": from it on, Debian's packages serve.
FLASK_2 = "d2485b0"
# SpaceDock's requirements that Debian bookworm lacks: pure-Python wheels.
NOT_IN_DEBIAN = ("bleach-allowlist==1.0.3",)
# The requirement names a commit since Flask 2 may list and still run on the
# image: SpaceDock's requirements files of 2024, served by Debian's packages
# (real-spacedock/Dockerfile and the stand-in's image beneath it) and
# NOT_IN_DEBIAN's wheel, or not needed in the lab (flameprof, the admin's
# profiler; uWSGI, production's server, for which the lab runs gunicorn).
SERVED = frozenset({
    "alembic", "bcrypt", "billiard", "bleach", "bleach-allowlist", "celery", "click", "dnspython", "flameprof", "flask",
    "flask-login", "future", "gitpython", "gunicorn", "jinja2", "markdown", "markupsafe", "packaging", "pillow",
    "psycopg2-binary", "pyclamd", "pygithub", "pymdown-extensions", "python-daemon", "redis", "requests",
    "sqlalchemy", "sqlalchemy-utils", "tinycss2", "urllib3", "user-agents", "uwsgi", "werkzeug"})
# Left out of a commit's resolution: compiled packages the web image has from
# Debian (Pillow, psycopg2, cffi's backend), the lab's server (Debian's
# gunicorn, with setuptools), uWSGI, which the lab does not run, and greenlet
# (compiled, with no pure-Python fallback), which SQLAlchemy 1.4 imports only
# if it can, for asyncio, which SpaceDock does not use.
LEFT_OUT = ("pillow", "psycopg2", "psycopg2-binary", "cffi", "gunicorn", "setuptools", "uwsgi", "greenlet")
# Releases the floor (python3.11.txt) raises to, and when they were out:
# celery 5.0.5 and its kombu, amqp and vine are of 2020-12, wrapt 1.14.0 of
# 2022-03.
RAISED_AS_OF = {**dict.fromkeys(("celery", "kombu", "amqp", "vine"), "2021-01-01T00:00:00Z"),
                "wrapt": "2022-03-31T00:00:00Z"}
FLOOR = Path(__file__).resolve().parents[2] / "real-spacedock" / "python3.11.txt"
# Wheels the image's CPython 3.11 on x86_64 bookworm (glibc 2.36) can install.
WHEEL_TARGET = ("--only-binary=:all:", "--python-version", "3.11", "--implementation", "cp",
                "--abi", "cp311", "--abi", "abi3", "--abi", "none",
                "--platform", "manylinux2014_x86_64", "--platform", "manylinux_2_17_x86_64",
                "--platform", "manylinux1_x86_64", "--platform", "any")
PARALLEL_DOWNLOADS = 8


def of_its_time(source: Path, commit: str) -> bool:
    """Whether the commit needs releases of its time: it predates Flask 2, or
    it names a requirement the image does not serve (from Debian, or as
    NOT_IN_DEBIAN's wheels), as Flask-Markdown and Flask-OAuthlib were until
    1e25cb7 (2023-04)."""
    try:
        since_flask_2 = is_ancestor(source, FLASK_2, commit)
    except LabError as error:
        raise LabError(f"SPACEDOCK_SRC ({source}) does not know SpaceDock's {FLASK_2}: {error}",
                       hint=f"git -C {source} fetch origin") from error
    return not since_flask_2 or not requirement_names(source, commit) <= SERVED


def requirement_names(source: Path, commit: str) -> set[str]:
    """The names the commit's top requirements file lists (with those it
    includes with -r), normalized as PEP 503 does."""
    names: set[str] = set()
    with tempfile.TemporaryDirectory(prefix="sdlab-requirements-") as folder:
        files = [requirements_of(source, commit, Path(folder))]
        read: set[Path] = set()
        while files:
            path = files.pop()
            if path in read:
                continue
            read.add(path)
            if not path.is_file():
                raise LabError(f"SpaceDock {commit[:12]}'s requirements include {path.name}, which is not beside them")
            for line in (line.split(" #", 1)[0].strip() for line in path.read_text().splitlines()):
                include = re.fullmatch(r"(?:-r|--requirement)[\s=]*(\S+)", line)
                if include:
                    files.append((path.parent / include.group(1)).resolve())
                elif line and not line.startswith(("-", "#")):
                    names.add(re.sub(r"[-_.]+", "-", re.split(r"[\s<>=!~;\[@]", line, maxsplit=1)[0]).lower())
    return names


def requirements_of(source: Path, commit: str, folder: Path) -> Path:
    """The commit's requirements files, written to `folder`; the top one."""
    for name in git(source, "ls-tree", "--name-only", commit).splitlines():
        if name.startswith("requirements") and name.endswith(".txt"):
            (folder / name).write_text(git(source, "show", f"{commit}:{name}") + "\n")
    for top in ("requirements.txt", "requirements-backend.txt"):
        if (folder / top).exists():
            return folder / top
    raise LabError(f"SpaceDock {commit[:12]} has no requirements.txt")


def as_of(commit_date: str) -> list[str]:
    """uv's --exclude-newer options for a commit of `commit_date` (ISO 8601):
    PyPI as it was then, but for the releases the floor raises to."""
    then = datetime.fromisoformat(commit_date).astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return ["--exclude-newer", then, *(f"--exclude-newer-package={name}={max(then, raised)}"
                                       for name, raised in sorted(RAISED_AS_OF.items()))]


def resolve_as_of(source: Path, commit: str, folder: Path, out: Output) -> list[str]:
    """`name==version` for what the commit needed, as resolved on its date."""
    date = git(source, "show", "-s", "--format=%cI", commit)
    out(f"lab: resolving SpaceDock {commit[:12]}'s requirements as of {date} (uv pip compile)")
    command = [sys.executable, "-m", "uv", "pip", "compile", "--quiet", "--no-header", "--no-annotate", *as_of(date),
               "--python-version", "3.11", "--python-platform", "x86_64-manylinux_2_17",
               "--constraint", str(FLOOR), *(f"--no-emit-package={name}" for name in LEFT_OUT),
               str(requirements_of(source, commit, folder))]
    resolved = subprocess.run(command, capture_output=True, text=True, check=False)
    if resolved.returncode != 0:
        raise LabError(f"SpaceDock {commit[:12]}'s requirements do not resolve as of {date}: "
                       f"{resolved.stderr.strip().splitlines()[-1] if resolved.stderr.strip() else 'uv failed'}")
    return [line.strip() for line in resolved.stdout.splitlines() if "==" in line and not line.startswith("#")]


def fetch(pin: str, pool: Path) -> Path:
    """One release's wheel in the pool: PyPI's, if it has one the image can
    install, else built from its source without a compiler."""
    folder = pool / pin.replace("==", "-")
    found = sorted(folder.glob("*"))
    if found:
        return found[0]
    partial = folder.with_name(folder.name + ".partial")
    partial.mkdir(parents=True, exist_ok=True)
    pip = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--dest", str(partial)]
    wheel = subprocess.run([*pip, *WHEEL_TARGET, pin], capture_output=True, text=True, check=False)
    if wheel.returncode != 0:
        built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-binary=:all:",
                                "--wheel-dir", str(partial), pin], capture_output=True, text=True, check=False,
                               env={**os.environ, "CC": "false"})
        if built.returncode != 0:
            raise LabError(f"{pin}: PyPI has no wheel for CPython 3.11, and its source does not build: "
                           f"{built.stderr.strip().splitlines()[-1] if built.stderr.strip() else 'pip failed'}")
    os.replace(partial, folder)
    return sorted(folder.glob("*"))[0]


def for_commit(source: Path, commit: str, cache: Path, out: Output) -> list[Path]:
    """The files the commit's image installs over Debian's packages."""
    pool = cache / "wheels"
    if of_its_time(source, commit):
        lock = cache / "locks" / f"{commit}.txt"
        if not lock.exists():
            lock.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryDirectory(prefix="sdlab-requirements-") as folder:
                lock.write_text("\n".join(resolve_as_of(source, commit, Path(folder), out)) + "\n")
        pins = lock.read_text().split()
        out(f"lab: SpaceDock {commit[:12]} predates Flask 2 ({FLASK_2}) or needs what Debian's packages lack: "
            f"{len(pins)} releases of its time over Debian's, listed in {lock}")
    else:
        pins = list(NOT_IN_DEBIAN)
    with ThreadPoolExecutor(PARALLEL_DOWNLOADS) as pool_of_threads:
        return list(pool_of_threads.map(lambda pin: fetch(pin, pool), pins))
