"""What `make bisect` asks of a scenario and tells git (lab.scenarios.bisect):
the container it moves, the answer each verdict gives, and how the found
commit is said."""
from __future__ import annotations

import pytest

from lab.errors import LabError
from lab.scenarios.bisect import NEW, OLD, Bisection, Found, container_of
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
