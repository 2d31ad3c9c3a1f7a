"""A gunicorn master killed (SIGKILL: an OOM kill, a crash) in the idle, then
in the live production container, while 20 clients ask production for an
uncached page. The container's keeper starts the instance again after
UNIT_RESTART_SECONDS, as production's systemd does (RestartSec=60), and
Apache's balancer sends its requests to the other instance meanwhile."""
from __future__ import annotations

import time
from typing import Callable

from lab import state as lab_state
from lab.config import LabConfig
from lab.docker_ops import DockerLab
from lab.errors import LabError
from lab.load import Load
from lab.scenarios.bounds import Bound, FaultReport
from lab.waiting import poll_until

SITE = "spacedock.info"
CLIENTS = 20
INSTANCE = 8004  # the first of each production container's gunicorn instances
# production's traffic seen after the idle container's kill, before the live one's
IDLE_WATCH_S = 5.0
# the keeper's wait, then the app's start
BACK_MARGIN_S = 30.0


def kill_master(lab: DockerLab, service: str) -> None:
    killed = lab.exec(service, ["pkill", "--signal", "KILL", "--oldest", "--full", f"spacedock@{INSTANCE}"])
    if killed.exit_code != 0:
        raise LabError(f"no gunicorn master of instance {INSTANCE} to kill in {service}: {killed.output.strip()}")


def instance_answers(lab: DockerLab, service: str) -> bool:
    return lab.exec(service, ["curl", "--fail", "--silent", "--max-time", "5", "--output", "/dev/null",
                              "--header", "X-Lab-Test: healthcheck", f"http://127.0.0.1:{INSTANCE}/healthz"]
                    ).exit_code == 0


def run(config: LabConfig, lab: DockerLab, out: Callable[[str], None]) -> FaultReport:
    state = lab_state.load(config)
    back_bound_s = int(config.get("UNIT_RESTART_SECONDS")) + BACK_MARGIN_S
    # production loses at most the requests the killed instance held, one per
    # worker (a 502, as on production); Apache's balancer sends the rest to the other
    failed_bound = int(config.get("GUNICORN_WORKERS"))
    killed_at: dict[str, float] = {}
    back_after: dict[str, float] = {}

    def back(service: str) -> bool:
        if service not in back_after and instance_answers(lab, service):
            back_after[service] = time.monotonic() - killed_at[service]
        return service in back_after

    with Load(config.http_base, clients=CLIENTS, path="/version", host=SITE,
              max_seconds=2 * back_bound_s + 60) as load:
        load.until_running()
        for service in (state.idle, state.live):
            killed_at[service] = time.monotonic()
            kill_master(lab, service)
            out(f"fault: killed gunicorn instance {INSTANCE}'s master in the "
                f"{'idle' if service == state.idle else 'live'} {service}")
            if service == state.idle:
                poll_until(lambda: time.monotonic() >= killed_at[state.idle] + IDLE_WATCH_S and
                           any(True for _ in load.between(killed_at[state.idle] + IDLE_WATCH_S, float("inf"))),
                           timeout_s=60, awaited="production's answers after the idle container's kill")
        out(f"fault: waiting for both instances to answer again (the keeper waits "
            f"{config.get('UNIT_RESTART_SECONDS')} s, as systemd's RestartSec)")
        poll_until(lambda: back(state.idle) and back(state.live), timeout_s=back_bound_s + 30,
                   awaited=f"gunicorn instance {INSTANCE} to answer again in {state.idle} and {state.live}")
    after_idle = [result for result in load.answered_since(killed_at[state.idle])
                  if result.answered_at < killed_at[state.live]]
    after_live = load.answered_since(killed_at[state.live])
    failed_idle = [result for result in after_idle if not result.ok]
    failed_live = [result for result in after_live if not result.ok]
    return FaultReport("worker-crash", [
        f"{CLIENTS} clients on {SITE}/version; the gunicorn master of instance {INSTANCE} killed with SIGKILL",
        f"in the idle {state.idle}: {len(failed_idle)} of {len(after_idle)} requests failed meanwhile; "
        f"the instance answered again after {back_after[state.idle]:.1f} s",
        f"in the live {state.live}: {len(failed_live)} of {len(after_live)} requests failed until it was back; "
        f"the instance answered again after {back_after[state.live]:.1f} s (UNIT_RESTART_SECONDS "
        f"{config.get('UNIT_RESTART_SECONDS')})",
    ], [
        Bound(f"production's requests failed after the idle {state.idle}'s kill", len(failed_idle), 0, ""),
        Bound(f"production's requests failed after the live {state.live}'s kill", len(failed_live), failed_bound, ""),
        Bound(f"{state.idle}'s instance back", round(back_after[state.idle], 1), back_bound_s),
        Bound(f"{state.live}'s instance back", round(back_after[state.live], 1), back_bound_s),
    ])
