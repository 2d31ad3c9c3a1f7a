"""The database restarted under load (a PostgreSQL upgrade, a host reboot).
SpaceDock's engine keeps no watch on its pooled connections: a request that
takes one the restart closed, or that asks for a new one while the database
is down, fails with 500. The fix tests each connection before use, waits out
a refused one, and runs again a read whose connection was cut under it."""
from __future__ import annotations

from lab.scenarios.engine import Scenario, Seen, Stage, Variant
from lab.scenarios.restart_under_load import restarted_under_load
from lab.scenarios.steps import BETA

CLIENTS = 8


def play(stage: Stage, variant: str) -> Seen:
    outage = restarted_under_load(stage.lab, stage.config.http_base, "db", host=BETA, path="/", clients=CLIENTS)
    stage.out(f"  {CLIENTS} clients on {BETA}'s mod list: {outage.render()}")
    return Seen(bool(outage.failed), f"{len(outage.failed)} of {outage.requests} requests failed while the "
                                     f"database restarted ({outage.restart_s:.1f} s)")


SCENARIO = Scenario(
    name="db-restart",
    symptom="a database restart fails the requests that meet it with 500",
    fix="connections tested before use, refused ones tried again, cut reads run again",
    upstream="SpaceDock's engine",
    production=Variant({"DB_POOL": "production"}, ("sd2",)),
    fixed=Variant({"DB_POOL": "fixed"}, ("sd2",)),
    play=play,
)
