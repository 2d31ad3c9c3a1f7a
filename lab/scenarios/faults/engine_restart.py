"""The Docker engine restarted (an upgrade of docker.io, a crash): every
container stops, Docker starts again those with a restart policy (all of the
lab's), and `make up` then finds the lab as it was: the same live container,
the same data, ATS's cache still holding what it held. The engine is
restarted with ENGINE_RESTART_COMMAND (.env), run by `sh -c`. Every other
container on the machine stops too: those that ran before and Docker did not
start again (no restart policy) are started again afterwards."""
from __future__ import annotations

import subprocess
import time
from typing import Callable

import docker
from docker.errors import DockerException

from lab import database, live_alias, stack
from lab import state as lab_state
from lab.config import LabConfig
from lab.docker_ops import DockerLab
from lab.errors import LabError
from lab.http import LabClient, cache_result, served_by
from lab.interrupts import ctrl_c_held
from lab.scenarios.bounds import Bound, FaultReport
from lab.scenarios.faults import ats_restart
from lab.waiting import poll_until

SITE = "spacedock.info"
HIT = "hit-fresh"
ENGINE_BOUND_S = 120.0
# the engine answering until `make up` has every service healthy
LAB_BOUND_S = 180.0


def running_containers() -> list[str]:
    """The ids of every container running on the engine, whatever its project."""
    return [container.id for container in docker.from_env(timeout=30).containers.list()]


def start_again(ids: list[str], out: Callable[[str], None]) -> None:
    """Start those of `ids` that are not running (their restart policy did not)."""
    engine = docker.from_env(timeout=60)
    for container in engine.containers.list(all=True):
        if container.id in ids and container.status != "running":
            out(f"fault: starting {container.name} again (it ran before the engine restarted)")
            container.start()


def engine_answers() -> bool:
    try:
        return docker.from_env(timeout=5).ping()
    except DockerException:
        return False


def run(config: LabConfig, lab: DockerLab, out: Callable[[str], None]) -> FaultReport:
    command = config.get("ENGINE_RESTART_COMMAND")
    state = lab_state.load(config)
    client = LabClient(config.http_base, test_tag="fault engine-restart")
    cached = ats_restart.written_down(lab, client, out)[0]
    mods = database.query(lab, "spacedock", "SELECT count(*) FROM mod")
    running = running_containers()
    out(f"fault: restarting the Docker engine: sh -c {command!r}")
    began = time.monotonic()
    restarted = subprocess.run(["sh", "-c", command], check=False, capture_output=True, text=True, timeout=300)
    if restarted.returncode != 0:
        raise LabError(f"ENGINE_RESTART_COMMAND failed (exit {restarted.returncode}): "
                       f"{(restarted.stderr or restarted.stdout).strip()[-300:]}")
    try:
        poll_until(engine_answers, timeout_s=ENGINE_BOUND_S, awaited="the Docker engine to answer again")
        engine_back = time.monotonic()
        out(f"fault: the engine answers after {engine_back - began:.1f} s; make up")
        stack.up(config, out, build=False)
        healthy = time.monotonic()
    finally:
        if engine_answers():
            with ctrl_c_held(out, "the containers that ran before are started again"):
                start_again(running, out)
    live_after = live_alias.holders(lab)
    answer = LabClient(config.http_base).get("/version", host=SITE)
    mods_after = database.query(lab, "spacedock", "SELECT count(*) FROM mod")
    after = cache_result(client.get(cached, host=SITE, debug=True))
    return FaultReport("engine-restart", [
        f"the engine answered again {engine_back - began:.1f} s after `{command}` began; "
        f"`make up` had every service healthy {healthy - engine_back:.1f} s later",
        f"live before: {state.live}; the live aliases after: {', '.join(live_after) or 'nobody'}; "
        f"{SITE} served by {served_by(answer)} ({answer.status_code})",
        f"production's mods: {mods} before, {mods_after} after; {cached} afterwards: {after}",
    ], [
        Bound("the engine back", round(engine_back - began, 1), ENGINE_BOUND_S),
        Bound("the lab healthy after the engine", round(healthy - engine_back, 1), LAB_BOUND_S),
        Bound("the live container changed", 0 if live_after == [state.live] == [served_by(answer)] else 1, 0, ""),
        Bound("production's mods lost", int(mods) - int(mods_after), 0, ""),
        Bound("copies lost from ATS's cache", 0 if after == HIT else 1, 0, ""),
    ])
