"""A command or test target that changes a developer's own lab says what it
will change and asks first; without a terminal it is refused unless told yes;
a second lab (make test's) is never asked (lab.consent)."""
from __future__ import annotations

import io
from pathlib import Path

import pytest

from lab import consent
from lab.config import LabConfig
from lab.errors import LabError

CHANGES = ("swaps production six times (put back)",)


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def own_lab(tmp_path: Path) -> LabConfig:
    return LabConfig(root=tmp_path, settings={"COMPOSE_PROJECT_NAME": "sdlab"})


def test_without_a_terminal_it_is_refused_and_says_how_to_go_on(own_lab: LabConfig) -> None:
    said: list[str] = []

    with pytest.raises(LabError, match="no terminal to ask; nothing was done") as refused:
        consent.confirm(own_lab, "make bench", CHANGES, said.append, io.StringIO())

    assert refused.value.hint == "add yes=1 to go on"
    assert said == ["lab: make bench changes your lab sdlab:", f"  - {CHANGES[0]}"]


@pytest.mark.parametrize("answer", ["y\n", "yes\n", "Y\n"])
def test_a_yes_at_the_terminal_goes_on(own_lab: LabConfig, answer: str) -> None:
    consent.confirm(own_lab, "make bench", CHANGES, lambda line: None, Terminal(answer))


@pytest.mark.parametrize("answer", ["\n", "n\n", "no\n", ""], ids=["enter", "n", "no", "end of input"])
def test_anything_else_at_the_terminal_stops_it(own_lab: LabConfig, answer: str) -> None:
    with pytest.raises(LabError, match="not confirmed; nothing was done"):
        consent.confirm(own_lab, "make bench", CHANGES, lambda line: None, Terminal(answer))


def test_yes_goes_on_without_asking(own_lab: LabConfig) -> None:
    said: list[str] = []

    consent.confirm(own_lab, "make bench", CHANGES, said.append, io.StringIO(), yes=True)

    assert said == []


def test_the_test_lab_is_never_asked(tmp_path: Path) -> None:
    test_lab = LabConfig(root=tmp_path, settings={"LAB_STATE_DIR": ".lab/test"})

    consent.confirm(test_lab, "make integration", consent.TEST_TARGETS["integration"], pytest.fail, io.StringIO())


def test_what_reaches_beyond_the_lab_is_asked_even_in_a_second_lab(tmp_path: Path) -> None:
    test_lab = LabConfig(root=tmp_path, settings={"LAB_STATE_DIR": ".lab/test", "COMPOSE_PROJECT_NAME": "sdlab-test"})

    with pytest.raises(LabError, match="no terminal to ask"):
        consent.confirm(test_lab, "make scenario name=engine-restart", ("restarts the Docker engine",),
                        lambda line: None, io.StringIO(), beyond_the_lab=True)
