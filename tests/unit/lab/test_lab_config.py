"""The lab reads .env the way Compose does, and makes it on first use."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

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


ENV_WITH_QUOTES = """\
SINGLE='lab password'
DOUBLE="with \\"escapes\\""
PLAIN=value # a comment after a space
EXPANDED=${PLAIN}-more
"""
AS_COMPOSE_READS_IT = {"SINGLE": "lab password", "DOUBLE": 'with "escapes"', "PLAIN": "value",
                       "EXPANDED": "value-more"}


def test_env_file_values_lose_their_quotes_as_in_compose(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text(ENV_WITH_QUOTES)

    assert lab_config.parse_env_file(env) == AS_COMPOSE_READS_IT


@pytest.mark.parametrize("compose", [["docker", "compose"], ["docker-compose"]], ids=["v2", "v1"])
def test_the_lab_reads_env_exactly_as_compose_does(tmp_path: Path, compose: list[str]) -> None:
    if shutil.which(compose[0]) is None or subprocess.run(
            [*compose, "version"], capture_output=True, check=False).returncode != 0:
        pytest.skip(f"{' '.join(compose)} is not installed here")
    (tmp_path / ".env").write_text(ENV_WITH_QUOTES)
    (tmp_path / "compose.yaml").write_text(
        "services:\n  probe:\n    image: scratch\n    environment:\n"
        + "".join(f"      {key}: ${{{key}}}\n" for key in AS_COMPOSE_READS_IT))

    rendered = subprocess.run([*compose, "--project-directory", str(tmp_path), "--file",
                               str(tmp_path / "compose.yaml"), "config"], capture_output=True, text=True, check=True,
                              cwd=tmp_path, env={"PATH": os.environ["PATH"], "HOME": str(Path.home())})

    assert yaml.safe_load(rendered.stdout)["services"]["probe"]["environment"] == \
        lab_config.parse_env_file(tmp_path / ".env")
