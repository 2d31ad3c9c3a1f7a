"""Where the lab is and how it is set up: .env (made from .env.example on first
use), overridden by the process environment, as Compose itself reads them.

A second lab beside the developer's (the test run's, see lab/testlab.py) is the
same settings with a few overridden by the file LAB_ENV_FILE names: its own
project name, published ports, subnets and state folder."""
from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from dotenv import dotenv_values

REPO_ROOT = Path(__file__).resolve().parent.parent
# Names a file of settings for a second lab (relative to the repository or absolute).
LAB_ENV_FILE = "LAB_ENV_FILE"


def parse_env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines as Compose reads them (python-dotenv, which Compose v1
    uses; v2 reads the same): quotes stripped, escapes and ${VAR} expanded,
    comments skipped. A key without a value is left out."""
    return {key: value for key, value in dotenv_values(path).items() if value is not None}


def ensure_env_file(root: Path = REPO_ROOT) -> Path:
    """.env is the user's copy of .env.example; make it on first use."""
    env_file = root / ".env"
    if not env_file.exists():
        shutil.copyfile(root / ".env.example", env_file)
        print(f"lab: created {env_file} from .env.example (lab-only defaults)")
    return env_file


@dataclass(frozen=True)
class LabConfig:
    root: Path
    settings: Mapping[str, str]

    def get(self, key: str) -> str:
        return self.settings[key]

    @property
    def project(self) -> str:
        return self.settings["COMPOSE_PROJECT_NAME"]

    @property
    def http_port(self) -> int:
        return int(self.settings["HTTP_PORT"])

    @property
    def https_port(self) -> int:
        return int(self.settings["HTTPS_PORT"])

    @property
    def smb_port(self) -> int:
        return int(self.settings["SMB_PORT"])

    @property
    def db_port(self) -> int:
        return int(self.settings["DB_PORT"])

    @property
    def http_base(self) -> str:
        """ATS, the lab's entry point, as the host reaches it."""
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def https_base(self) -> str:
        """ATS's TLS port, as the host reaches it (certificate: lab.tls)."""
        return f"https://127.0.0.1:{self.https_port}"

    @property
    def compose_file(self) -> Path:
        return self.root / "compose.yaml"

    @property
    def state_dir(self) -> Path:
        """What the lab remembers (state.json): .lab, or a second lab's own folder."""
        return self.root / self.settings.get("LAB_STATE_DIR", ".lab")

    @property
    def artifacts_dir(self) -> Path:
        return self.root / "artifacts"


def load(root: Path = REPO_ROOT, environ: Mapping[str, str] | None = None) -> LabConfig:
    """.env.example < .env < the process environment < the file $LAB_ENV_FILE names."""
    environ = os.environ if environ is None else environ
    settings = parse_env_file(root / ".env.example")
    settings.update(parse_env_file(ensure_env_file(root)))
    settings.update({key: environ[key] for key in settings if key in environ})
    if environ.get(LAB_ENV_FILE):
        settings.update(parse_env_file(root / environ[LAB_ENV_FILE]))
    return LabConfig(root=root, settings=settings)
