"""postgres/entrypoint.sh gives the database password to psql without putting
it on a command line, where the host's `ps` shows it to every user while the
database starts. The script runs whole, with every program it starts (install,
setpriv, initdb, pg_ctl, psql, postgres) replaced by a recorder on PATH: no
PostgreSQL, no root and no Docker needed."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
ENTRYPOINT = ROOT / "postgres" / "entrypoint.sh"
PROGRAMS = ("install", "setpriv", "initdb", "pg_ctl", "psql", "postgres")
# the part of the password no quoting changes, looked for in every argument
SECRET = "s3cret4711"
PASSWORD = f"{SECRET} it's \"quoted\" \\ $HOME"

RECORDER = """\
import json, os, sys
name = os.path.basename(sys.argv[0])
call = {"program": name, "argv": sys.argv[1:]}
if name == "psql":
    call["stdin"] = sys.stdin.read()
    call["env"] = dict(os.environ)
with open(os.environ["RECORD"], "a") as record:
    print(json.dumps(call), file=record)
if name == "setpriv":
    # setpriv --reuid=... --regid=... --init-groups <program> <arguments>
    command = sys.argv[1:]
    while command and command[0].startswith("--"):
        command.pop(0)
    os.execvp(command[0], command)
"""


@pytest.fixture(scope="module")
def calls(tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    """Every program call the entrypoint made, in order (one run for every test)."""
    tmp_path = tmp_path_factory.mktemp("entrypoint")
    fakes = tmp_path / "bin"
    fakes.mkdir()
    for program in PROGRAMS:
        fake = fakes / program
        fake.write_text(f"#!{sys.executable}\n{RECORDER}")
        fake.chmod(0o755)
    record = tmp_path / "calls.jsonl"
    done = subprocess.run(["bash", str(ENTRYPOINT)], stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=60, check=False,
                          env={"PATH": f"{fakes}:/usr/bin:/bin", "PGDATA": str(tmp_path / "data"),
                               "DB_USER": "spacedock", "DB_PASSWORD": PASSWORD, "RECORD": str(record)})
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in record.read_text().splitlines()]


def reaches(call: dict, password: str) -> bool:
    """psql has the password: in its standard input, or in an environment
    variable its input reads with \\getenv."""
    getenv = re.findall(r"^\\getenv\s+\S+\s+(\S+)\s*$", call["stdin"], flags=re.MULTILINE)
    return password in call["stdin"] or any(call["env"].get(name) == password for name in getenv)


def test_the_database_password_is_on_no_command_line(calls: list[dict]) -> None:
    assert [call["program"] for call in calls if any(SECRET in argument for argument in call["argv"])] == []


def test_psql_gets_the_password_it_sets_by_its_input_or_its_environment(calls: list[dict]) -> None:
    setting = [call for call in calls if call["program"] == "psql" and "PASSWORD :'password'" in call["stdin"]]

    assert len(setting) == 1
    assert reaches(setting[0], PASSWORD)


def test_the_cluster_is_made_and_every_database_ensured_before_postgres_runs(calls: list[dict]) -> None:
    programs = [call["program"] for call in calls if call["program"] != "setpriv"]
    databases = [argument.removeprefix("--set=db=") for call in calls if call["program"] == "psql"
                 for argument in call["argv"] if argument.startswith("--set=db=")]

    assert programs == ["install", "install", "initdb", "pg_ctl", "psql", *["psql"] * 6, "pg_ctl", "postgres"]
    assert databases == ["spacedock", "spacedock_beta", "spacedock_alpha",
                         "spacedock_real", "spacedock_beta_real", "spacedock_alpha_real"]
