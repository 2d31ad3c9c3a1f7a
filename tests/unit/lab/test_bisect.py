"""What `make bisect` asks of a scenario and tells git (lab.scenarios.bisect):
the container it moves, the answer each verdict gives, what it reads from
git's log (read from real git runs) and how the found commit is said."""
from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pytest

from lab import cli
from lab.errors import LabError
from lab.scenarios.bisect import ABORT, NEW, OLD, Bisection, Found, container_of, first_commits
from lab.scenarios.engine import Scenario, Seen, Variant

SCENARIO = Scenario(name="example", symptom="a 500", fix="a commit", upstream="#1",
                    production=Variant(refs={"sd2": "bad"}), fixed=Variant(refs={"sd2": "good"}),
                    play=lambda stage, variant: Seen(False, ""))


def test_looking_for_a_bug_the_symptom_is_git_s_new_state() -> None:
    bisection = Bisection(SCENARIO, good="a", bad="b")

    assert (bisection.answer(symptom=True), bisection.answer(symptom=False)) == (NEW, OLD)


def test_looking_for_a_fix_the_symptom_is_git_s_old_state() -> None:
    bisection = Bisection(SCENARIO, good="a", bad="b", find="fix")

    assert (bisection.answer(symptom=True), bisection.answer(symptom=False)) == (OLD, NEW)


def test_a_step_moves_the_container_production_s_commit_plays_on() -> None:
    assert container_of(SCENARIO) == "sd2"


@pytest.mark.parametrize("refs", [{}, {"sd1a": "bad"}, {"sd2": "bad", "sd6": "bad"}], ids=str)
def test_a_scenario_not_on_one_idle_container_cannot_be_bisected(refs: dict[str, str]) -> None:
    scenario = Scenario(**{**SCENARIO.__dict__, "production": Variant(refs=refs)})

    with pytest.raises(LabError, match="cannot be bisected"):
        container_of(scenario)


def test_the_found_commit_is_named_with_its_subject_and_the_time_taken() -> None:
    found = Found(("269e281 Merge pull request #482 (2023-04-06)",), 136.4)

    assert found.render(Bisection(SCENARIO, "a", "b")) == (
        "bisect: the first commit with the symptom: 269e281 Merge pull request #482 (2023-04-06); 136 s")


def test_candidates_git_could_not_tell_apart_are_each_named() -> None:
    found = Found(("b0c2642 Purge ATS cache upon deletion", "a4d9ddb Send PURGE request"), 110)

    lines = found.render(Bisection(SCENARIO, "a", "b", find="fix")).splitlines()

    assert lines[0].startswith("bisect: the first commit without the symptom is one of these 2")
    assert lines[1:] == ["  b0c2642 Purge ATS cache upon deletion", "  a4d9ddb Send PURGE request"]


def history(repo: Path, count: int) -> list[str]:
    """A repository of `count` commits, the oldest first; commit i writes i to `n`."""
    def run(*args: str) -> str:
        return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True,
                              text=True).stdout.strip()
    run("init", "--quiet")
    for number in range(count):
        (repo / "n").write_text(f"{number}\n")
        run("add", "n")
        run("-c", "user.name=lab", "-c", "user.email=lab@example.com", "commit", "--quiet", "-m", f"c{number}")
    return run("rev-list", "--reverse", "HEAD").split()


def bisect_log(repo: Path, good: str, bad: str, test: str) -> str:
    """git bisect run of the shell `test` (given the commit's n as $n) with the lab's terms for a fix; its log."""
    def run(*args: str) -> None:
        subprocess.run(["git", "-C", str(repo), *args], check=False, capture_output=True, text=True)
    run("bisect", "start", "--term-old=broken", "--term-new=fixed", bad, good)
    run("bisect", "run", "sh", "-c", f"n=$(cat n); {test}")
    log = subprocess.run(["git", "-C", str(repo), "bisect", "log"], check=True, capture_output=True,
                         text=True).stdout
    run("bisect", "reset")
    return log


def test_the_first_commit_is_read_from_git_s_log(tmp_path: Path) -> None:
    commits = history(tmp_path, 8)

    log = bisect_log(tmp_path, commits[0], commits[7], "[ $n -lt 5 ]")

    assert first_commits(log) == [commits[5]]


def test_skipped_commits_leave_each_candidate_in_git_s_log(tmp_path: Path) -> None:
    commits = history(tmp_path, 8)

    log = bisect_log(tmp_path, commits[0], commits[7], "case $n in 4|5) exit 125;; esac; [ $n -lt 5 ]")

    assert sorted(first_commits(log)) == sorted(commits[4:7])


def test_ends_with_nothing_between_name_the_newer_at_once(tmp_path: Path) -> None:
    commits = history(tmp_path, 2)

    log = bisect_log(tmp_path, commits[0], commits[1], "exit 1")

    assert first_commits(log) == [commits[1]]


def test_a_step_that_fails_stops_the_bisection_instead_of_counting_as_a_verdict(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APP", "stand-in")
    out = io.StringIO()

    status = cli.main(["bisect-step", "delete-version-500"], out=out, err=io.StringIO())

    assert status == ABORT
    assert "bisect: the step failed, the bisection stops: LabError" in out.getvalue()
