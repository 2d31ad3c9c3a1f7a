"""`python -m lab` turns errors into one line and a documented exit status."""
from __future__ import annotations

import argparse
import io
import re

import pytest

from lab import cli
from lab.config import REPO_ROOT
from lab.errors import ExitStatus, StackNotRunning


def test_lab_error_becomes_one_line_with_a_hint_and_its_exit_status(monkeypatch: pytest.MonkeyPatch) -> None:
    def fails(args, config, out):
        raise StackNotRunning("service ats has no container in project sdlab")

    monkeypatch.setitem(cli.COMMANDS, "status", (cli._add_status, fails))
    err = io.StringIO()

    status = cli.main(["status"], out=io.StringIO(), err=err)

    assert status == ExitStatus.STACK_DOWN
    assert err.getvalue() == "lab: error: service ats has no container in project sdlab; try: make up\n"


def test_ctrl_c_is_an_exit_status_not_a_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(args, config, out):
        raise KeyboardInterrupt

    monkeypatch.setitem(cli.COMMANDS, "status", (cli._add_status, interrupted))

    assert cli.main(["status"], out=io.StringIO(), err=io.StringIO()) == ExitStatus.CTRL_C


# git bisect run's test, which `make bisect` runs
UNLISTED = {"bisect-step"}


def parser_commands() -> dict[str, argparse.ArgumentParser]:
    parser = cli.build_parser()
    return next(action for action in parser._actions if isinstance(action, argparse._SubParsersAction)).choices


def test_every_command_the_makefile_runs_exists_and_has_help() -> None:
    used = set(re.findall(r"\$\(LAB\) ([a-z-]+)", (REPO_ROOT / "Makefile").read_text()))
    commands = parser_commands()

    assert used <= set(commands), used - set(commands)
    assert all(commands[name].format_help().strip() for name in used)


def test_the_readme_lists_exactly_the_commands_there_are() -> None:
    readme = (REPO_ROOT / "README.md").read_text()
    sentence = re.search(r"Everything the Makefile does is `python -m lab <command>`.*?\n\n", readme, re.DOTALL)
    assert sentence, "the README's list of lab commands is gone"
    listed = {word.split()[0] for word in re.findall(r"`([a-z][a-z -]*?)(?: <args>)?`", sentence.group(0))}

    assert listed - {"python"} == set(parser_commands()) - UNLISTED


def test_a_local_file_that_is_not_there_is_one_line_and_exit_1() -> None:
    err = io.StringIO()

    status = cli.main(["storage", "put", "/nonexistent.zip", "x.zip"], out=io.StringIO(), err=err)

    assert status == ExitStatus.ERROR
    assert err.getvalue() == "lab: error: cannot read /nonexistent.zip: no such file\n"


def test_a_scenario_given_an_option_it_does_not_read_is_refused_in_one_line() -> None:
    err = io.StringIO()

    status = cli.main(["scenario", "worker-crash", "--how", "paused"], out=io.StringIO(), err=err)

    assert status == ExitStatus.ERROR
    assert err.getvalue() == "lab: error: worker-crash takes no how\n"


def test_an_unknown_scenario_is_refused_in_one_line() -> None:
    err = io.StringIO()

    status = cli.main(["scenario", "no-such-bug"], out=io.StringIO(), err=err)

    assert status == ExitStatus.ERROR
    assert err.getvalue() == "lab: error: no scenario 'no-such-bug' for the stand-in; `make scenario` lists them\n"


def test_bisect_on_the_stand_in_is_refused_in_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APP", "stand-in")
    err = io.StringIO()

    status = cli.main(["bisect", "delete-version-500", "--good", "9269de0", "--bad", "6517c0e"], out=io.StringIO(),
                      err=err)

    assert status == ExitStatus.ERROR
    assert err.getvalue() == "lab: error: make bisect plays SpaceDock's own commits: it needs APP=spacedock\n"


def test_bisect_of_a_scenario_played_on_production_is_refused_in_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APP", "spacedock")
    err = io.StringIO()

    status = cli.main(["bisect", "purge-wrong-path", "--good", "9269de0", "--bad", "6517c0e"], out=io.StringIO(),
                      err=err)

    assert status == ExitStatus.ERROR
    assert err.getvalue() == ("lab: error: purge-wrong-path plays on the lab as configured, not on beta or alpha at "
                              "a commit: it cannot be bisected\n")
