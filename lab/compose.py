"""Runs Compose, v2 (`docker compose`) or v1.29 (`docker-compose`), on the lab's
compose.yaml with the images recorded in the lab's state."""
from __future__ import annotations

import os
import subprocess
from typing import Sequence

from lab import preflight, storage_link
from lab.app import app_for
from lab.config import LabConfig
from lab.errors import LabError, LabTimeout, PrerequisiteMissing
from lab.state import LabState

# `up` waits for the back tier to be healthy before it starts the web containers
UP_TIMEOUT_S = 600


class Compose:
    def __init__(self, config: LabConfig, state: LabState) -> None:
        command = preflight.detect_compose()
        if command is None:
            raise PrerequisiteMissing(preflight.problems()[-1])
        self.command = command
        self.config = config
        self.state = state

    @property
    def flavour(self) -> str:
        return "Compose v1" if self.command == preflight.COMPOSE_V1 else "Compose v2"

    def environment(self) -> dict[str, str]:
        """The lab's settings (.env.example < .env < process environment) win
        over Compose's own reading of .env, so a setting added to .env.example
        later reaches Compose even if an older .env lacks it. The real
        SpaceDock (APP=spacedock) has databases of its own; STORAGE_PROFILE
        fills in the storage link's settings."""
        app = {"APP_DATABASE_SUFFIX": app_for(self.config).database_suffix}
        return {**os.environ, **self.config.settings, **app, **storage_link.compose_settings(self.config),
                **self.state.compose_environment()}

    def run(self, *args: str, capture: bool = False, check: bool = True,
            timeout_s: float | None = None) -> subprocess.CompletedProcess[str]:
        command = [
            *self.command,
            "--project-directory", str(self.config.root),
            "--file", str(self.config.compose_file),
            *args,
        ]
        try:
            # a session of its own: a Ctrl-C reaches this process only, which
            # stops Compose (subprocess.run kills it) unless it holds Ctrl-C
            # while it puts the lab back (lab.interrupts)
            return subprocess.run(
                command, check=check, text=True, env=self.environment(),
                capture_output=capture, cwd=self.config.root, start_new_session=True, timeout=timeout_s,
            )
        except subprocess.TimeoutExpired as error:
            raise LabTimeout(f"{' '.join(command[:len(self.command)])} {' '.join(args)} did not finish within "
                             f"{timeout_s:g} s (a service it waits for never got healthy?)") from error
        except subprocess.CalledProcessError as error:
            detail = (error.stderr or "").strip().splitlines()[-1:] if capture else []
            raise LabError(f"{' '.join(command[:len(self.command)])} {' '.join(args)} failed "
                           f"(exit {error.returncode}){': ' + detail[0] if detail else ''}") from error

    def up(self, services: Sequence[str] = (), *, no_deps: bool = False, force_recreate: bool = False) -> None:
        """Start (or update) services without building; images come from `lab build`.
        no_deps: touch only the services named, not what they depend on;
        force_recreate: new containers even where nothing changed (a repair)."""
        extra = [*(["--no-deps"] if no_deps else []), *(["--force-recreate"] if force_recreate else [])]
        self.run("up", "--detach", "--no-build", "--remove-orphans", *extra, *services, timeout_s=UP_TIMEOUT_S)

    def down(self) -> None:
        self.run("down", "--remove-orphans")

    def ps_text(self) -> str:
        return self.run("ps", "--all", capture=True, check=False).stdout
