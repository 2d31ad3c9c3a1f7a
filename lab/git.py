"""git, as the lab runs it on this repository and on a SpaceDock checkout:
the output of a command, or its failure as a LabError."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

from lab.errors import LabError


def git(folder: Path, *args: str) -> str:
    """`git -C folder args...`'s output, stripped."""
    try:
        return subprocess.run(["git", "-C", str(folder), *args], check=True, capture_output=True,
                              text=True).stdout.strip()
    except subprocess.CalledProcessError as error:
        raise LabError(f"git {' '.join(args)} in {folder}: {error.stderr.strip()}") from error


def is_ancestor(folder: Path, older: str, newer: str) -> bool:
    """Whether commit `older` is in `newer`'s history (or is it); a LabError
    if git cannot tell (a commit it does not know)."""
    asked = subprocess.run(["git", "-C", str(folder), "merge-base", "--is-ancestor", older, newer],
                           check=False, capture_output=True, text=True)
    if asked.returncode not in (0, 1):  # 1: not an ancestor
        raise LabError(f"git merge-base --is-ancestor {older} {newer} in {folder}: {asked.stderr.strip()}")
    return asked.returncode == 0


def leave_repository() -> None:
    """Forget the repository this process was started in (git's local
    variables, GIT_DIR first): `git bisect run` sets GIT_DIR for its test, and
    the lab's own git commands in other folders (an image's shallow clone)
    would otherwise act on the bisected checkout."""
    for name in git(Path.cwd(), "rev-parse", "--local-env-vars").split():
        os.environ.pop(name, None)
