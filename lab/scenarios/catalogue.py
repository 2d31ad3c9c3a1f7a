"""The scenario catalogue: every entry `make scenario` lists and plays, in the
order docs/scenarios.md tells them. Production's bugs, each played twice (in
production's configuration, then with the fix), on the stand-in or on
SpaceDock's own commits; and faults, measured against the bounds they state.
Every entry has one interface (Entry.run), so playing one is a lookup."""
from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Callable, Protocol

from lab.app import App
from lab.config import LabConfig
from lab.docker_ops import DockerLab
from lab.scenarios import engine
from lab.scenarios.bugs import (anonymous_cookie, content_through_gunicorn, corrupt_zip_cached, db_restart,
                                download_events_index, etag_zero, hidden_swap, missing_background, name_clash,
                                purge_wrong_path, shared_zip_deleted, stale_after_reupload, storage_outage,
                                uncounted_downloads, upload_idle_timeout, upload_in_memory, worker_oom)
from lab.scenarios.engine import Scenario
from lab.scenarios.faults import ats_restart, engine_restart
from lab.scenarios.faults import storage_outage as storage_away
from lab.scenarios.faults import swap_under_load, worker_crash
from lab.scenarios.spacedock import anonymous_cookie as spacedock_anonymous_cookie
from lab.scenarios.spacedock import content_through_gunicorn as spacedock_content_through_gunicorn
from lab.scenarios.spacedock import corrupt_zip_cached as spacedock_corrupt_zip_cached
from lab.scenarios.spacedock import db_restart as spacedock_db_restart
from lab.scenarios.spacedock import delete_version, delete_while_sending
from lab.scenarios.spacedock import etag_zero as spacedock_etag_zero
from lab.scenarios.spacedock import http_downloads, mount_gone
from lab.scenarios.spacedock import name_clash as spacedock_name_clash
from lab.scenarios.spacedock import purge_path, slow_upload, stale_reupload
from lab.scenarios.spacedock import storage_outage as spacedock_storage_outage
from lab.scenarios.spacedock import uncounted_downloads as spacedock_uncounted_downloads

Output = Callable[[str], None]

# Production's bugs on the stand-in (app/).
STAND_IN_BUGS: tuple[Scenario, ...] = (
    stale_after_reupload.SCENARIO,
    purge_wrong_path.SCENARIO,
    corrupt_zip_cached.SCENARIO,
    uncounted_downloads.SCENARIO,
    upload_idle_timeout.SCENARIO,
    content_through_gunicorn.SCENARIO,
    missing_background.SCENARIO,
    storage_outage.SCENARIO,
    hidden_swap.SCENARIO,
    etag_zero.SCENARIO,
    anonymous_cookie.SCENARIO,
    worker_oom.SCENARIO,
    download_events_index.SCENARIO,
    name_clash.SCENARIO,
    shared_zip_deleted.SCENARIO,
    db_restart.SCENARIO,
    upload_in_memory.SCENARIO,
)
# Production's bugs on SpaceDock's own commits (APP=spacedock).
SPACEDOCK_BUGS: tuple[Scenario, ...] = (
    delete_version.SCENARIO,
    purge_path.SCENARIO,
    stale_reupload.SCENARIO,
    spacedock_corrupt_zip_cached.SCENARIO,
    mount_gone.SCENARIO,
    delete_while_sending.SCENARIO,
    spacedock_storage_outage.SCENARIO,
    slow_upload.SCENARIO,
    http_downloads.SCENARIO,
    # the lab's swap design, played on SpaceDock's code as configured
    hidden_swap.SCENARIO,
    spacedock_etag_zero.SCENARIO,
    spacedock_db_restart.SCENARIO,
    spacedock_uncounted_downloads.SCENARIO,
    spacedock_content_through_gunicorn.SCENARIO,
    spacedock_anonymous_cookie.SCENARIO,
    spacedock_name_clash.SCENARIO,
)


@dataclass(frozen=True)
class Options:
    """What a person may tell a play (each entry names those it reads)."""
    how: str = "stopped"
    clients: int = swap_under_load.CLIENTS
    swaps: int = swap_under_load.SWAPS


OPTIONS = tuple(option.name for option in fields(Options))


class Outcome(Protocol):
    @property
    def ok(self) -> bool: ...

    def render(self) -> str: ...


@dataclass(frozen=True)
class Entry:
    name: str
    what: str
    run: Callable[[LabConfig, DockerLab, Output, Options], Outcome]
    # the Options it reads; any other given is refused
    takes: frozenset[str] = frozenset()
    # a fault that disturbs more than the lab: its test runs only with this variable set to 1
    opt_in: str = ""
    # what it changes beyond the lab, said before it starts (lab.consent)
    changes: tuple[str, ...] = ()


def bug(scenario: Scenario) -> Entry:
    return Entry(scenario.name, f"{scenario.symptom} ({scenario.upstream})",
                 lambda config, lab, out, options: engine.play(scenario, config, lab, out))


FAULTS: tuple[Entry, ...] = (
    Entry("worker-crash", "a gunicorn master killed in the idle, then the live container, under load",
          lambda config, lab, out, options: worker_crash.run(config, lab, out)),
    Entry("ats-restart", "ATS restarted under load: the time without answers, its cache kept",
          lambda config, lab, out, options: ats_restart.run(config, lab, out)),
    # restarting the engine stops every container on the machine
    Entry("engine-restart", "the Docker engine restarted (ENGINE_RESTART_COMMAND), then make up: the same lab",
          lambda config, lab, out, options: engine_restart.run(config, lab, out),
          opt_in="SDLAB_TEST_ENGINE_RESTART",
          changes=("restarts the Docker engine: every container on this machine stops; those that ran and have "
                   "no restart policy are started again afterwards",)),
    Entry("storage-away", "the storage box stopped or frozen (how=stopped|paused): downloads and /healthz "
                          "against the lab's bounds",
          lambda config, lab, out, options: storage_away.run(config, lab, options.how, out),
          takes=frozenset({"how"})),
    Entry("swap-under-load", "blue-green swaps while 20 clients keep asking (clients=, swaps=)",
          lambda config, lab, out, options: swap_under_load.run(config, lab, out, clients=options.clients,
                                                                swaps=options.swaps),
          takes=frozenset({"clients", "swaps"})),
)


def bugs_for(app: App) -> tuple[Scenario, ...]:
    """Production's bugs the app plays: the stand-in's, or SpaceDock's own."""
    return SPACEDOCK_BUGS if app.is_spacedock else STAND_IN_BUGS


def stand_in_only() -> list[str]:
    """The stand-in's bugs that do not play on SpaceDock's code yet."""
    on_spacedock = {scenario.name for scenario in SPACEDOCK_BUGS}
    return [scenario.name for scenario in STAND_IN_BUGS if scenario.name not in on_spacedock]


def entries_for(app: App) -> dict[str, Entry]:
    """Every entry the app plays, by name: its bugs, then the faults."""
    return {entry.name: entry for entry in (*map(bug, bugs_for(app)), *FAULTS)}


def spacedock_refs() -> list[str]:
    """The SpaceDock commits the real SpaceDock's scenarios move containers to."""
    return list(dict.fromkeys(ref for scenario in SPACEDOCK_BUGS for variant in (scenario.production, scenario.fixed)
                              if variant for ref in variant.refs.values()))
