"""Every scenario of the catalogue, in the order `make scenario` lists them
and docs/scenarios.md tells them."""
from __future__ import annotations

from lab.scenarios import (anonymous_cookie, content_through_gunicorn, corrupt_zip_cached, download_events_index,
                           etag_zero, hidden_swap, missing_background, name_clash, purge_wrong_path,
                           shared_zip_deleted, stale_after_reupload, storage_outage, uncounted_downloads,
                           upload_idle_timeout, worker_oom)
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
)
BY_NAME = {scenario.name: scenario for scenario in CATALOGUE}
