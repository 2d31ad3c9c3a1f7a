"""Every scenario of the catalogue, in the order `make scenario` lists them
and docs/scenarios.md tells them."""
from __future__ import annotations

from typing import Callable

from lab import real_spacedock
from lab.config import LabConfig
from lab.docker_ops import DockerLab
from lab.scenarios import (anonymous_cookie, ats_restart, content_through_gunicorn, corrupt_zip_cached, db_restart,
                           download_events_index, engine_restart, etag_zero, hidden_swap, missing_background,
                           name_clash, purge_wrong_path, real_delete_version, real_purge_path, real_stale_reupload,
                           shared_zip_deleted, stale_after_reupload, storage_outage, uncounted_downloads,
                           upload_idle_timeout, worker_crash, worker_oom)
from lab.scenarios.bounds import FaultReport
from lab.scenarios.catalogue import Scenario

CATALOGUE: tuple[Scenario, ...] = (
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
)
# What plays on the real SpaceDock (APP=spacedock), on its own commits.
REAL_CATALOGUE: tuple[Scenario, ...] = (
    real_delete_version.SCENARIO,
    real_purge_path.SCENARIO,
    real_stale_reupload.SCENARIO,
)


def real_catalogue_refs() -> list[str]:
    """The SpaceDock commits the real SpaceDock's scenarios move containers to."""
    return list(dict.fromkeys(ref for scenario in REAL_CATALOGUE for variant in (scenario.production, scenario.fixed)
                              if variant for ref in variant.refs.values()))


def catalogue_for(config: LabConfig) -> tuple[Scenario, ...]:
    """The scenarios the lab's app can play: the stand-in's, or the real SpaceDock's."""
    return REAL_CATALOGUE if real_spacedock.wanted(config) else CATALOGUE

# Faults measured against their bounds (no production-and-fix pair): name ->
# (what it does, how to run it).
MEASURED: dict[str, tuple[str, Callable[[LabConfig, DockerLab, Callable[[str], None]], FaultReport]]] = {
    "worker-crash": ("a gunicorn master killed in the idle, then the live container, under load",
                     worker_crash.run),
    "ats-restart": ("ATS restarted under load: the time without answers, its cache kept", ats_restart.run),
    "engine-restart": ("the Docker engine restarted (ENGINE_RESTART_COMMAND), then make up: the same lab",
                       engine_restart.run),
}
# restarting the engine stops every container on the machine: tested only when asked
OPT_IN = {"engine-restart": "SDLAB_TEST_ENGINE_RESTART"}
