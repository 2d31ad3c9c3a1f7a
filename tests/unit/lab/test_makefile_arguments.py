"""What a user gives `make` (make swap REF=..., make trace URL=...) reaches the
lab as a value: no payload in it runs a command, and the lab receives it whole.
The lab is replaced by a recorder (LAB=...), and `-o venv -o preflight` keeps
make from building the virtual environment or asking Docker, so nothing real
runs and no Docker is needed."""
from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Callable

import pytest

ROOT = Path(__file__).resolve().parents[3]

# {marker} is the file a payload would create if the shell ran it.
PAYLOADS = {
    "semicolon": "main; touch {marker}",
    "command substitution": "$(touch {marker})",
    "backticks": "`touch {marker}`",
    "single quotes": "' ; touch {marker} ; '",
    "double quotes": '" ; touch {marker} ; "',
    "newline": "main\ntouch {marker}",
    "make's shell function": "$(shell touch {marker})",
}

# The variables the Makefile reads, and the environment a recorder reports.
USER_VARIABLES = ("REF", "SERVICE", "URL", "HOST", "CODES", "name", "how", "clients", "swaps", "args", "share",
                  "service", "quick", "lab", "keep", "scenario", "good", "bad", "find", "first_parent", "APP",
                  "SPACEDOCK_SRC", "LAB_ENV_FILE", "COMPOSE")
SETTINGS = ("APP", "SPACEDOCK_SRC", "LAB_ENV_FILE", "COMPOSE")

Expected = Callable[[str], list[str]]
# (target, the variable under test, the other variables the target needs, the
# lab's arguments expected for a value)
CASES: list[tuple[str, str, dict[str, str], Expected]] = [
    ("swap", "REF", {}, lambda value: ["swap", f"--ref={value}"]),
    ("deploy", "SERVICE", {}, lambda value: ["deploy", value]),
    ("deploy", "REF", {"SERVICE": "sd2"}, lambda value: ["deploy", "sd2", f"--ref={value}"]),
    ("trace", "URL", {}, lambda value: ["trace", value]),
    ("trace", "HOST", {"URL": "/"}, lambda value: ["trace", "/", f"--host={value}"]),
    ("trace", "CODES", {"URL": "/"}, lambda value: ["trace", "/", "--codes"]),
    ("purge", "URL", {}, lambda value: ["purge", value]),
    ("purge", "HOST", {"URL": "/"}, lambda value: ["purge", "/", f"--host={value}"]),
    ("scenario", "name", {}, lambda value: ["scenario", value]),
    ("scenario", "how", {}, lambda value: ["scenario", f"--how={value}"]),
    ("scenario", "clients", {}, lambda value: ["scenario", f"--clients={value}"]),
    ("scenario", "swaps", {}, lambda value: ["scenario", f"--swaps={value}"]),
    ("storage", "share", {}, lambda value: ["storage", f"--share={value}"]),
    ("bisect", "scenario", {"good": "a", "bad": "b"}, lambda value: ["bisect", value, "--good=a", "--bad=b"]),
    ("bisect", "good", {"scenario": "s", "bad": "b"}, lambda value: ["bisect", "s", f"--good={value}", "--bad=b"]),
    ("bisect", "bad", {"scenario": "s", "good": "a"}, lambda value: ["bisect", "s", "--good=a", f"--bad={value}"]),
    ("bisect", "find", {"scenario": "s", "good": "a", "bad": "b"},
     lambda value: ["bisect", "s", "--good=a", "--bad=b", f"--find={value}"]),
    ("bisect", "first_parent", {"scenario": "s", "good": "a", "bad": "b"},
     lambda value: ["bisect", "s", "--good=a", "--bad=b", "--first-parent"]),
    # args= and service= are lists of words by design, split at blanks
    ("storage", "args", {}, lambda value: ["storage", *value.split()]),
    ("logs", "service", {}, lambda value: ["compose", "logs", "--tail=100", *value.split()]),
    ("bench", "quick", {}, lambda value: ["bench", "--quick"]),
    ("bench", "lab", {}, lambda value: ["bench", "--lab"]),
    ("cifs", "quick", {}, lambda value: ["cifs", "--quick"]),
    ("test", "keep", {}, lambda value: ["test", "--keep"]),
]


def recorder(folder: Path) -> tuple[Path, Path]:
    """A stand-in for `python -m lab` that appends its arguments and the lab's
    settings from its environment to a log: (the program, the log)."""
    log = folder / "calls.jsonl"
    program = folder / "lab-recorder"
    program.write_text(f"#!{sys.executable}\n"
                       "import json, os, sys\n"
                       f"with open({str(log)!r}, 'a') as log:\n"
                       f"    print(json.dumps({{'argv': sys.argv[1:], 'env': {{name: os.environ.get(name) "
                       f"for name in {SETTINGS!r}}}}}), file=log)\n")
    program.chmod(0o755)
    return program, log


def run_make(folder: Path, target: str, variables: dict[str, str]) -> tuple[subprocess.CompletedProcess[str], list]:
    """`make <target> VAR=value...` on the repository's Makefile with the lab
    recorded: make's result and the recorder's calls."""
    program, log = recorder(folder)
    # this test may itself run under make (make unit): nothing of that make's
    # command line or of the user's variables leaks into the one under test
    environment = {name: value for name, value in os.environ.items()
                   if name not in USER_VARIABLES and not name.startswith("MAKE") and name != "MFLAGS"}
    done = subprocess.run(["make", "--no-print-directory", "-C", str(ROOT), "-o", "venv", "-o", "preflight",
                           f"LAB={shlex.quote(str(program))}", target,
                           *(f"{name}={value}" for name, value in variables.items())],
                          env=environment, capture_output=True, text=True, timeout=60, check=False)
    calls = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    return done, calls


@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=PAYLOADS.keys())
@pytest.mark.parametrize("target, variable, others, expected", CASES,
                         ids=[f"{target}-{variable}" for target, variable, _, _ in CASES])
def test_a_user_variable_reaches_the_lab_as_a_value_and_runs_nothing(
        tmp_path: Path, target: str, variable: str, others: dict[str, str], expected: Expected,
        payload: str) -> None:
    marker = tmp_path / "ran"
    value = payload.format(marker=marker)

    done, calls = run_make(tmp_path, target, {**others, variable: value})

    assert not marker.exists(), f"make {target} {variable}=... ran the payload"
    assert done.returncode == 0, done.stderr
    assert [call["argv"] for call in calls] == [expected(value)]


@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=PAYLOADS.keys())
@pytest.mark.parametrize("setting", SETTINGS)
def test_a_setting_given_to_make_reaches_the_lab_literally_and_runs_nothing(
        tmp_path: Path, setting: str, payload: str) -> None:
    marker = tmp_path / "ran"
    value = payload.format(marker=marker)

    done, calls = run_make(tmp_path, "status", {setting: value})

    assert not marker.exists(), f"make status {setting}=... ran the payload"
    assert done.returncode == 0, done.stderr
    assert [call["env"][setting] for call in calls] == [value]


def test_a_setting_not_given_to_make_stays_out_of_the_labs_environment(tmp_path: Path) -> None:
    """An empty APP= in the environment would override the one in .env."""
    done, calls = run_make(tmp_path, "status", {})

    assert done.returncode == 0, done.stderr
    assert calls == [{"argv": ["status"], "env": {setting: None for setting in SETTINGS}}]


def test_deploy_without_a_service_says_what_it_needs(tmp_path: Path) -> None:
    done, calls = run_make(tmp_path, "deploy", {})

    assert done.returncode == 2
    assert "make deploy needs SERVICE=" in done.stdout
    assert calls == []


def test_make_help_still_lists_the_targets(tmp_path: Path) -> None:
    done, _ = run_make(tmp_path, "help", {})

    assert done.returncode == 0, done.stderr
    assert "make swap" in done.stdout and "make storage" in done.stdout
