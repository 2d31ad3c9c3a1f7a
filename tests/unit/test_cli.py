"""`python -m lab` turns errors into one line and a documented exit status."""
from __future__ import annotations

import io

import pytest

from lab import cli
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


def test_every_command_has_help() -> None:
    parser = cli.build_parser()
    help_text = parser.format_help()

    assert all(name in help_text for name in cli.COMMANDS)
