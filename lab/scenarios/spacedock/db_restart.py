"""db-restart on SpaceDock's own engine: KerbalStuff/database.py makes it
with `create_engine(connection-string)` and no watch on its pooled
connections (no pool_pre_ping), so a request that takes a connection the
restart closed, or asks for a new one while the database is down, fails. No
branch has a fix: played on beta as configured, production's play only (the
stand-in's db-restart plays the lab's proposed fix).

Every web container shares the database, and each SpaceDock worker keeps the
connections the restart closed until a request fails on them (measured: the
next play's login on production answered 500, which is what shows the pool
unwatched; requests sent while the database is down fail with any engine that
does not wait): afterwards the play reloads every container's gunicorn (HUP
to each master, as an operator would after restarting the database), so the
lab is as it was. Each container's Celery worker is not reloaded: its first
task after the restart may fail on a closed connection."""
from __future__ import annotations

from dataclasses import replace

from lab.docker_ops import DockerLab
from lab.errors import LabError
from lab.scenarios.bugs import db_restart
from lab.scenarios.engine import Scenario, Seen, Stage, Variant
from lab.topology import WEB_SERVICES
from lab.waiting import poll_until

# SpaceDock's workers import the app before they serve
RELOAD_TIMEOUT_S = 90.0


def gunicorns(lab: DockerLab, service: str) -> dict[str, str]:
    """The service's gunicorn processes: process id -> its parent's."""
    listing = lab.exec(service, ["ps", "-eo", "pid=,ppid=,args="]).output
    found = {}
    for line in listing.splitlines():
        pid, parent, command = line.split(None, 2)
        if "/usr/bin/gunicorn " in command:
            found[pid] = parent
    return found


def workers(lab: DockerLab, service: str) -> set[str]:
    """The process ids of the service's gunicorn workers (a gunicorn's children)."""
    found = gunicorns(lab, service)
    return {pid for pid, parent in found.items() if parent in found}


def reload_workers(stage: Stage) -> None:
    """Every web container's gunicorn workers replaced by new ones (HUP to each master)."""
    old = {service: workers(stage.lab, service) for service in WEB_SERVICES}
    for service in WEB_SERVICES:
        found = gunicorns(stage.lab, service)
        masters = [pid for pid, parent in found.items() if parent not in found]
        hup = stage.lab.exec(service, ["kill", "-HUP", *masters]) if masters else None
        if hup is None or hup.exit_code != 0:
            raise LabError(f"cannot reload {service}'s gunicorn (masters {masters or 'none found'}): "
                           f"{hup.output.strip() if hup else 'no gunicorn running'}")
    for service in WEB_SERVICES:
        poll_until(lambda service=service: (now := workers(stage.lab, service)) and not now & old[service],
                   timeout_s=RELOAD_TIMEOUT_S, awaited=f"{service}'s gunicorn workers to be replaced after HUP")
    stage.out("  every web container's gunicorn reloaded (HUP), so no worker keeps a connection the restart closed")


def play(stage: Stage, variant: str) -> Seen:
    try:
        return db_restart.play(stage, variant)
    finally:
        reload_workers(stage)


SCENARIO: Scenario = replace(db_restart.SCENARIO, fix="none yet",
                             upstream="SpaceDock's engine (KerbalStuff/database.py)", production=Variant(),
                             fixed=None, play=play)
