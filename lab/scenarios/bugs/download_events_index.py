"""CKAN #3618: downloads of mods with many releases stalled, up to an hour.
Every download looks up its version's download events of the last hour, the
newest first; without an index on (version_id, created) PostgreSQL reads the
whole table for it, on every download. SpaceDock added the index in June 2021
(c4f294d, "Speed up DownloadEvent queries") and made it descending in PR #416.
The play gives one mod EVENTS hourly rows, then times its downloads."""
from __future__ import annotations

import re
import statistics
import time

from lab import database
from lab.interrupts import ctrl_c_held
from lab.scenarios.engine import PRODUCTION, Scenario, Seen, Stage, Variant
from lab.scenarios.steps import BETA, BETA_DATABASE, expect, new_mod
from lab.standin_client import make_zip

DB = BETA_DATABASE
INDEX = "ix_downloadevent_version_id_created"
EVENTS = 300_000
DOWNLOADS = 15
# the app's lookup (downloads.count_download), for EXPLAIN
LOOKUP = ("SELECT id FROM downloadevent WHERE version_id = {version} AND created > now() - interval '1 hour' "
          "ORDER BY created DESC LIMIT 1")


def play(stage: Stage, variant: str) -> Seen:
    def sql(statement: str) -> str:
        return database.query(stage.lab, DB, statement)

    spacedock = stage.author(BETA)
    name = stage.name("Popular")
    mod = new_mod(spacedock, name, make_zip(1000, stage.tag))
    try:
        sql(f"INSERT INTO downloadevent (mod_id, version_id, downloads, created) SELECT {mod['id']}, "
            f"{mod['version_id']}, 1, now() - make_interval(hours => i) FROM generate_series(1, {EVENTS}) AS i; "
            "ANALYZE downloadevent")
        stage.out(f"  {name}: {EVENTS} hourly download events")
        if variant == PRODUCTION:
            # a download holding the table must not keep the play waiting for ever
            sql(f"SET lock_timeout = '10s'; DROP INDEX {INDEX}")
            stage.out(f"  index {INDEX} dropped, as before June 2021")
        plan = sql(f"EXPLAIN ANALYZE {LOOKUP.format(version=mod['version_id'])}")
        scans_table = "Seq Scan on downloadevent" in plan
        lookup_ms = float(re.search(r"Execution Time: ([\d.]+) ms", plan).group(1))
        times = []
        for _ in range(DOWNLOADS):
            sent = time.monotonic()
            expect(stage.client.get(f"/mod/{mod['id']}/download", host=BETA), 200, "downloading")
            times.append(time.monotonic() - sent)
        median_ms = statistics.median(times) * 1000
        stage.out(f"  the lookup {'reads the whole table' if scans_table else 'uses the index'}: "
                  f"{lookup_ms:.2f} ms in PostgreSQL")
        stage.out(f"  {DOWNLOADS} downloads: median {median_ms:.0f} ms (min {min(times) * 1000:.0f}, "
                  f"max {max(times) * 1000:.0f})")
    finally:
        with ctrl_c_held(stage.out):
            sql(f"CREATE INDEX IF NOT EXISTS {INDEX} ON downloadevent (version_id, created)")
            sql(f"DELETE FROM downloadevent WHERE mod_id = {mod['id']}")
    return Seen(scans_table, f"each download's lookup reads {'all' if scans_table else 'one'} of {EVENTS} rows "
                             f"({lookup_ms:.2f} ms); median {median_ms:.0f} ms per download")


SCENARIO = Scenario(
    name="download-events-index",
    symptom="each download of a mod with many download events reads the whole events table",
    fix="the (version_id, created) index",
    upstream="CKAN #3618, c4f294d, PR #416",
    production=Variant(),
    fixed=Variant(),
    play=play,
)
