"""A scenario's verdict line says plainly whether production's symptom
appeared and whether the fix removed it (lab.scenarios.engine)."""
from __future__ import annotations

from dataclasses import replace

from lab.scenarios.engine import Scenario, Seen, Variant, Verdict, render_table

SCENARIO = Scenario(name="example", symptom="the old zip is served", fix="a PURGE", upstream="#1",
                    production=Variant(), fixed=Variant(), play=lambda stage, variant: Seen(False, ""))


def verdict(production: bool, fixed: bool, put_back: bool = True) -> Verdict:
    return Verdict(SCENARIO, Seen(production, ""), Seen(fixed, ""), seconds=1.0, put_back=put_back)


def test_a_symptom_the_fix_removes_is_reproduced_and_gone() -> None:
    result = verdict(production=True, fixed=False)

    assert result.ok
    assert result.line() == "reproduced: the old zip is served; fixed by a PURGE: gone"


def test_a_symptom_that_does_not_appear_is_said_not_to_reproduce() -> None:
    result = verdict(production=False, fixed=False)

    assert not result.ok
    assert result.line() == "did not reproduce: the old zip is served"


def test_a_symptom_the_fix_leaves_is_still_there() -> None:
    result = verdict(production=True, fixed=True)

    assert not result.ok
    assert result.line().endswith("fixed by a PURGE: still there")


def test_a_lab_not_put_back_fails_the_scenario() -> None:
    result = verdict(production=True, fixed=False, put_back=False)

    assert not result.ok
    assert result.line().endswith("(but the lab was not put back as it was)")


def test_the_table_keeps_the_longest_name_apart_from_its_result() -> None:
    long_name = replace(SCENARIO, name="content-through-gunicorn")

    table = render_table([Verdict(long_name, Seen(True, ""), Seen(False, ""), seconds=39.0, put_back=True)])

    assert table.splitlines()[1].split() == ["content-through-gunicorn", "symptom", "gone", "39s", "ok"]


def test_a_bug_with_no_fix_upstream_is_reproduced_without_a_fixed_play() -> None:
    unfixed = replace(SCENARIO, fixed=None)

    result = Verdict(unfixed, Seen(True, ""), None, seconds=1.0, put_back=True)

    assert result.ok
    assert result.line() == "reproduced: the old zip is served; no fix upstream yet"
    assert render_table([result]).splitlines()[1].split()[1:4] == ["symptom", "no", "fix"]
