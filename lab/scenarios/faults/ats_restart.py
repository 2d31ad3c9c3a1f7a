"""ATS restarted while 20 clients ask production for an uncached page: how
long nothing answers, and what its cache (a disk on a volume, as production's)
still holds afterwards. ATS writes its cache directory every
proxy.config.cache.dir.sync_frequency (ATS_CACHE_DIR_SYNC_SECONDS: ATS's and
production's 60 s, the test lab's 20 s): a copy older than that survives a
restart; one stored since the last write of the directory is lost."""
from __future__ import annotations

from typing import Callable

import requests

from lab.ats import TrafficServer
from lab.config import LabConfig
from lab.docker_ops import DockerLab
from lab.errors import LabError
from lab.http import LabClient, cache_result
from lab.scenarios.bounds import Bound, FaultReport
from lab.scenarios.restart_under_load import restarted_under_load
from lab.standin_client import StandInClient
from lab.waiting import poll_until

SITE = "spacedock.info"
CLIENTS = 20
ANSWERED_AGAIN_BOUND_S = 15.0
HIT = "hit-fresh"
DIRECTORY_SYNC = "proxy.config.cache.dir.sync_frequency"
# a copy this much older than the directory's interval has been written with it
SYNC_MARGIN_S = 5


def held_copy(client: LabClient, path: str) -> requests.Response:
    """ATS's copy of `path` (asked for until ATS answers from its cache)."""
    answer = client.get(path, host=SITE, debug=True)
    if cache_result(answer) != HIT:
        answer = client.get(path, host=SITE, debug=True)
    if cache_result(answer) != HIT:
        raise LabError(f"ATS does not hold {path} ({cache_result(answer)}); its cache cannot be checked")
    return answer


def age(answer: requests.Response) -> int:
    return int(answer.headers.get("Age", "0"))


def long_held(client: LabClient) -> str:
    """The copy whose survival across a restart is checked, production's first
    demo background; asking for it early spares the wait in `written_down`."""
    path = f"/content/{StandInClient(client, SITE).mod(1)['background']}"
    held_copy(client, path)
    return path


def written_down(lab: DockerLab, client: LabClient, out: Callable[[str], None]) -> tuple[str, int]:
    """A copy ATS has held long enough to be in its cache directory on disk
    (waited for if need be), and how long that is."""
    path = long_held(client)
    sync_s = int(TrafficServer(lab).record(DIRECTORY_SYNC))
    needed_s = sync_s + SYNC_MARGIN_S
    if age(held_copy(client, path)) < needed_s:
        out(f"fault: waiting until ATS has held {path} for {needed_s} s (it writes its cache directory "
            f"every {sync_s} s)")
        poll_until(lambda: age(held_copy(client, path)) >= needed_s, timeout_s=needed_s + 10, interval_s=1,
                   awaited=f"ATS to have held {path} for {needed_s} s")
    return path, needed_s


def run(config: LabConfig, lab: DockerLab, out: Callable[[str], None]) -> FaultReport:
    client = LabClient(config.http_base, test_tag="fault ats-restart")
    old, needed_s = written_down(lab, client, out)
    new = f"{old}?cached-just-before-the-restart"
    held_copy(client, new)
    out(f"fault: restarting ATS while {CLIENTS} clients ask {SITE}")
    outage = restarted_under_load(lab, config.http_base, "ats", host=SITE, path="/version", clients=CLIENTS)
    old_after = cache_result(client.get(old, host=SITE, debug=True))
    new_after = cache_result(client.get(new, host=SITE, debug=True))
    return FaultReport("ats-restart", [
        f"{CLIENTS} clients on {SITE}/version: {outage.render()}",
        f"after the restart, a copy ATS held for over {needed_s} s: {old_after}; "
        f"one stored just before: {new_after} (the cache directory is written every {needed_s - SYNC_MARGIN_S} s)",
    ], [
        Bound("good answers again after the restart began", round(outage.answered_again_s, 1),
              ANSWERED_AGAIN_BOUND_S),
        Bound(f"copies held over {needed_s} s lost from ATS's cache", 0 if old_after == HIT else 1, 0, ""),
    ])
