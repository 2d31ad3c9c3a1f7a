"""The scenario catalogue (lab.scenarios.catalogue): for each app its own bugs
and every fault, one entry a name; every stand-in bug with its fix beside it."""
from __future__ import annotations

from lab.app import APPS, SPACEDOCK, STAND_IN
from lab.scenarios import catalogue


def test_every_stand_in_bug_has_its_fix_beside_it() -> None:
    assert [scenario.name for scenario in catalogue.STAND_IN_BUGS if scenario.fixed is None] == []


def test_each_app_plays_its_own_bugs_and_every_fault_each_under_a_name_of_its_own() -> None:
    for app, bugs in ((APPS[STAND_IN], catalogue.STAND_IN_BUGS), (APPS[SPACEDOCK], catalogue.SPACEDOCK_BUGS)):
        entries = catalogue.entries_for(app)

        assert list(entries) == [*(bug.name for bug in bugs), *(fault.name for fault in catalogue.FAULTS)]


def test_an_entry_reads_only_options_there_are() -> None:
    assert all(entry.takes <= set(catalogue.OPTIONS) for entry in catalogue.FAULTS)


def test_the_list_under_spacedock_names_the_stand_in_s_bugs_not_yet_on_spacedock_s_code() -> None:
    listed = catalogue.stand_in_only()

    assert "worker-oom" in listed
    assert "stale-after-reupload" not in listed
