"""The app's settings: SpaceDock's config keys, read from environment variables
(upper-case, `-` as `_`), plus the lab's identity of the container."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

VERSION_FILE = Path("/srv/spacedock/VERSION")


def defaults() -> dict[str, Any]:
    return {
        # Where mod files live (SpaceDock `storage`); the storage box mount.
        "STORAGE": "/storage/sdmods",
        # SQLAlchemy URL of the database (SpaceDock `connection-string`).
        "CONNECTION_STRING": "sqlite://",
        # Signs the session cookie.
        "SECRET_KEY": "unit-test-only",
        # Which environment and branch this container runs (lab identity).
        "SD_CONTAINER": "local",
        "SD_ENVIRONMENT": "development",
        "SD_BRANCH": "master",
        "APP_VERSION": "unknown",
    }


def from_environment() -> dict[str, Any]:
    settings = defaults()
    for key in settings:
        if key in os.environ:
            settings[key] = os.environ[key]
    if VERSION_FILE.exists():
        settings["APP_VERSION"] = VERSION_FILE.read_text().strip()
    return settings
