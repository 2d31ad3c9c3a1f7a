"""Can this machine run the lab? A Docker CLI, an engine that answers, Compose.

Standard library only: the Makefile runs it with the system python3
(`python3 -m lab.preflight`) before the lab's virtual environment exists, so
that a missing engine is reported at once, not after a pip install.
"""
from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from typing import Mapping

from lab.errors import ExitStatus

COMPOSE_V2 = ["docker", "compose"]
COMPOSE_V1 = ["docker-compose"]


def _answers(command: list[str], timeout_s: float = 20) -> tuple[bool, str]:
    try:
        result = subprocess.run(command, check=False, capture_output=True, text=True, timeout=timeout_s)
    except (OSError, subprocess.TimeoutExpired) as error:
        return False, str(error)
    output = (result.stderr or result.stdout).strip()
    return result.returncode == 0, output.splitlines()[0] if output else ""


def detect_compose(environ: Mapping[str, str] | None = None) -> list[str] | None:
    """The Compose command: $COMPOSE if set (e.g. COMPOSE=docker-compose), else
    Compose v2 (`docker compose`) if installed, else v1 (`docker-compose`)."""
    environ = os.environ if environ is None else environ
    if environ.get("COMPOSE"):
        return shlex.split(environ["COMPOSE"])
    for candidate in (COMPOSE_V2, COMPOSE_V1):
        if shutil.which(candidate[0]) and _answers([*candidate, "version"])[0]:
            return candidate
    return None


def problems(environ: Mapping[str, str] | None = None) -> list[str]:
    """What is missing, each as a sentence that says how to get it."""
    if not shutil.which("docker"):
        return [
            "Docker is not installed: install Docker Engine "
            "(https://docs.docker.com/engine/install/; Debian: sudo apt-get install docker.io) "
            "or Docker Desktop."
        ]
    found: list[str] = []
    ok, detail = _answers(["docker", "info", "--format", "{{.ServerVersion}}"])
    if not ok:
        found.append(
            f"The Docker engine does not answer (docker info: {detail or 'no output'}). "
            "Start it (sudo systemctl start docker, or start Docker Desktop) and make sure "
            "you may use it (the docker group)."
        )
    compose = detect_compose(environ)
    if compose is None:
        found.append(
            "Docker Compose is missing: install the Compose v2 plugin "
            "(https://docs.docker.com/compose/install/linux/) or Compose v1 "
            "(Debian: sudo apt-get install docker-compose)."
        )
    elif not _answers([*compose, "version"])[0]:
        found.append(f"COMPOSE={' '.join(compose)} does not run; unset it or point it at Compose.")
    if not shutil.which("openssl"):
        found.append("openssl is missing (it makes the lab CA for ATS's TLS port): "
                     "install it (Debian: sudo apt-get install openssl).")
    return found


def main() -> int:
    found = problems()
    for problem in found:
        print(f"lab: {problem}", file=sys.stderr)
    return ExitStatus.PREREQUISITE_MISSING if found else ExitStatus.OK


if __name__ == "__main__":
    sys.exit(main())
