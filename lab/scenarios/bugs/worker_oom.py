"""SpaceDock PR #258: alpha and beta were set up like production, 6 gunicorn
instances of 6 workers each, on machines without the memory for 36 workers.
The kernel's OOM killer killed workers as fast as their masters started them
again, and requests failed. The fix ran a single instance there. The lab gives
beta a memory limit (BETA_MEMORY_LIMIT, set for this scenario only) that one
instance of 6 workers fits in and 6 instances do not."""
from __future__ import annotations

from lab.load import Load
from lab.scenarios.engine import FIXED, PRODUCTION, Scenario, Seen, Stage, Variant
from lab.scenarios.steps import BETA
from lab.waiting import poll_until

SERVICE = "sd2"
# PR #258: alpha and beta had production's 6 instances, then one
INSTANCES = {PRODUCTION: 6, FIXED: 1}
# the instances' ports (entrypoint.sh: 8004, 8006, 8009...)
GUNICORN_PORTS = range(8000, 8100)
# one instance of 6 workers (and Celery, Apache, smbnetfs) fits in it; 6 do not
MEMORY_LIMIT = "1g"
WORKERS = "6"
CLIENTS = 8
LOAD_S = 10.0
# the container's start and its gunicorn masters binding their ports, whatever
# their workers do meanwhile
STARTED_BOUND_S = 120.0


def apache_answers(stage: Stage) -> bool:
    """Beta's Apache serves a static file (from its disk, no gunicorn needed)."""
    return stage.lab.exec(SERVICE, ["curl", "--fail", "--silent", "--max-time", "5", "--output", "/dev/null",
                                    "--header", "X-Lab-Test: healthcheck",
                                    "http://127.0.0.1/static/spacedock.css"]).exit_code == 0


def gunicorn_listening(stage: Stage) -> int:
    """How many gunicorn instances listen in the container (their masters bind
    before they start their workers)."""
    sockets = stage.lab.exec(SERVICE, ["ss", "--listening", "--tcp", "--numeric", "--no-header", "src", "127.0.0.1"])
    ports = [int(line.split()[3].rsplit(":", 1)[1]) for line in sockets.output.splitlines() if line.strip()]
    return sum(1 for port in ports if GUNICORN_PORTS.start <= port < GUNICORN_PORTS.stop)


def play(stage: Stage, variant: str) -> Seen:
    instances = INSTANCES[variant]
    poll_until(lambda: apache_answers(stage) and gunicorn_listening(stage) >= instances,
               timeout_s=STARTED_BOUND_S, awaited=f"{SERVICE}'s Apache and {instances} gunicorn instances to listen")
    killed_at_start = stage.lab.oom_kills(SERVICE)
    with Load(stage.config.http_base, clients=CLIENTS, path="/mod/1", host=BETA, max_seconds=LOAD_S) as load:
        load.run_out()
    killed = stage.lab.oom_kills(SERVICE) - killed_at_start
    failures = load.failures()
    kinds = sorted({str(result.status or result.error)[:60] for result in failures})
    stage.out(f"  OOM kills in {SERVICE} while {instances} instances of {WORKERS} workers started: {killed_at_start}")
    stage.out(f"  {CLIENTS} clients for {LOAD_S:g} s on {BETA}/mod/1: {len(load.results)} requests, "
              f"{len(failures)} failed{' (' + ', '.join(kinds) + ')' if kinds else ''}; {killed} OOM kills meanwhile")
    return Seen(bool(failures) and killed > 0, f"{len(failures)} of {len(load.results)} requests failed, "
                                               f"{killed} processes killed for memory meanwhile")


def gunicorn(instances: int) -> Variant:
    """Beta with `instances` gunicorn instances of 6 workers, in MEMORY_LIMIT."""
    return Variant({"BETA_GUNICORN_INSTANCES": str(instances), "GUNICORN_WORKERS": WORKERS,
                    "BETA_MEMORY_LIMIT": MEMORY_LIMIT}, (SERVICE,), healthy=instances == 1)


SCENARIO = Scenario(
    name="worker-oom",
    symptom="more gunicorn workers than the container's memory holds: OOM kills and failed requests",
    fix="one gunicorn instance",
    upstream="PR #258",
    production=gunicorn(INSTANCES[PRODUCTION]),
    fixed=gunicorn(INSTANCES[FIXED]),
    play=play,
)
