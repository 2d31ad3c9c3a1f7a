"""Every scenario of the catalogue, in the order `make scenario` lists them."""
from __future__ import annotations

from lab.scenarios import (corrupt_zip_cached, download_events_index, etag_zero, hidden_swap, name_clash,
                           purge_wrong_path, stale_after_reupload, storage_outage, uncounted_downloads,
                           upload_idle_timeout)
from lab.scenarios.catalogue import Scenario

CATALOGUE: tuple[Scenario, ...] = (
    stale_after_reupload.SCENARIO,
    purge_wrong_path.SCENARIO,
    corrupt_zip_cached.SCENARIO,
    uncounted_downloads.SCENARIO,
    upload_idle_timeout.SCENARIO,
    download_events_index.SCENARIO,
    etag_zero.SCENARIO,
    storage_outage.SCENARIO,
    hidden_swap.SCENARIO,
    name_clash.SCENARIO,
)
BY_NAME = {scenario.name: scenario for scenario in CATALOGUE}
