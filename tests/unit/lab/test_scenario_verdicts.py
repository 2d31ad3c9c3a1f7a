"""A scenario's verdict line says plainly whether production's symptom
appeared and whether the fix removed it, and the catalogue's list says what
each play runs (lab.scenarios.engine)."""
from __future__ import annotations

from dataclasses import replace

from lab.scenarios.engine import Scenario, Seen, Variant, Verdict, render_list, render_table

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


def test_the_list_names_the_commit_each_play_runs_on_spacedock_s_code() -> None:
    real = replace(SCENARIO, production=Variant(refs={"sd2": "ac7b6e2"}), fixed=Variant(refs={"sd2": "a5b8167"}))

    assert render_list((real,)).splitlines()[1].strip() == (
        "production: sd2 at SpaceDock ac7b6e2; fixed: sd2 at SpaceDock a5b8167")


def test_the_list_names_the_settings_each_play_runs_with() -> None:
    standin = replace(SCENARIO, production=Variant({"BETA_PURGE_PATHS": "before-313"}),
                      fixed=Variant({"BETA_PURGE_PATHS": "production"}))

    assert render_list((standin,)).splitlines()[1].strip() == (
        "production: BETA_PURGE_PATHS=before-313; fixed: BETA_PURGE_PATHS=production")


def test_the_list_says_when_there_is_no_fix_to_play() -> None:
    unfixed = replace(SCENARIO, fixed=None)

    assert render_list((unfixed,)).splitlines()[1].endswith("fixed: no fix upstream yet")
