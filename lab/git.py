"""git, as the lab runs it on this repository and on a SpaceDock checkout:
the output of a command, or its failure as a LabError."""
from __future__ import annotations

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
