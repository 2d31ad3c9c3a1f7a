"""SpaceDock PR #258: alpha and beta were set up like production, 6 gunicorn
instances of 6 workers each, on machines without the memory for 36 workers.
The kernel's OOM killer killed workers as fast as their masters started them
again, and requests failed. The fix ran a single instance there. The lab gives
beta a memory limit (BETA_MEMORY_LIMIT, set for this scenario only) that one
instance of 6 workers fits in and 6 instances do not."""
from __future__ import annotations

from lab.http import LabClient, served_by
from lab.load import Load
from lab.scenarios.catalogue import Scenario, Seen, Stage, Variant
from lab.scenarios.steps import BETA
from lab.waiting import poll_until

SERVICE = "sd2"
MEMORY_LIMIT = "1g"
CLIENTS = 8
LOAD_S = 15.0
# Apache's start, whatever gunicorn does meanwhile
APACHE_BOUND_S = 120.0


def apache_answers(client: LabClient) -> bool:
    """Beta's Apache answers through ATS (any status), as it names itself in X-Served-By."""
    return served_by(client.get("/version", host=BETA)) == SERVICE


def play(stage: Stage, variant: str) -> Seen:
    poll_until(lambda: apache_answers(stage.client), timeout_s=APACHE_BOUND_S,
               awaited=f"{SERVICE}'s Apache to answer through ATS")
    killed_at_start = stage.lab.oom_kills(SERVICE)
    with Load(stage.config.http_base, clients=CLIENTS, path="/mod/1", host=BETA, max_seconds=LOAD_S) as load:
        load.run_out()
    killed = stage.lab.oom_kills(SERVICE) - killed_at_start
    failures = load.failures()
    kinds = sorted({str(result.status or result.error)[:60] for result in failures})
    stage.out(f"  OOM kills in {SERVICE} since it started: {killed_at_start}")
    stage.out(f"  {CLIENTS} clients for {LOAD_S:g} s on {BETA}/mod/1: {len(load.results)} requests, "
              f"{len(failures)} failed{' (' + ', '.join(kinds) + ')' if kinds else ''}; {killed} more OOM kills")
    return Seen(bool(failures) and killed_at_start + killed > 0,
                f"{len(failures)} of {len(load.results)} requests failed, "
                f"{killed_at_start + killed} processes killed for memory")


def workers(instances: int) -> Variant:
    return Variant({"BETA_GUNICORN_INSTANCES": str(instances), "GUNICORN_WORKERS": "6",
                    "BETA_MEMORY_LIMIT": MEMORY_LIMIT}, (SERVICE,), healthy=instances == 1)


SCENARIO = Scenario(
    name="worker-oom",
    symptom="more gunicorn workers than the container's memory holds: OOM kills and failed requests",
    fix="one gunicorn instance",
    upstream="PR #258",
    production=workers(6),
    fixed=workers(1),
    play=play,
)
