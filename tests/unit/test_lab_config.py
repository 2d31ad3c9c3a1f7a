"""The lab reads .env the way Compose does, and makes it on first use."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from lab import config as lab_config
from lab.config import REPO_ROOT


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    shutil.copyfile(REPO_ROOT / ".env.example", tmp_path / ".env.example")
    return tmp_path


def test_first_use_copies_env_example_to_env(checkout: Path) -> None:
    config = lab_config.load(checkout, environ={})

    assert (checkout / ".env").read_text() == (checkout / ".env.example").read_text()
    assert config.http_port == int(lab_config.parse_env_file(checkout / ".env.example")["HTTP_PORT"])


def test_env_file_overrides_the_example_and_the_process_environment_overrides_both(checkout: Path) -> None:
    (checkout / ".env").write_text("HTTP_PORT=18080\nSMB_PORT=18445\n")

    config = lab_config.load(checkout, environ={"SMB_PORT": "28445"})

    assert (config.http_port, config.smb_port) == (18080, 28445)
    assert config.http_base == "http://127.0.0.1:18080"


def test_env_file_parsing_skips_comments_and_keeps_equals_signs_in_values(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("# a comment\n\nCIFS_OPTIONS=vers=3.0,seal\n  SPACED = value \n")

    assert lab_config.parse_env_file(env) == {"CIFS_OPTIONS": "vers=3.0,seal", "SPACED": "value"}


def test_every_setting_compose_needs_has_a_default_in_env_example() -> None:
    needed = set(re.findall(r"\$\{([A-Z0-9_]+)\}", (REPO_ROOT / "compose.yaml").read_text()))

    assert needed <= set(lab_config.parse_env_file(REPO_ROOT / ".env.example"))
