"""2020-08-03: every download from SpaceDock answered 404 for part of a day
(reported in the Near Future mods' issues; SpaceDock never said why). A
share's mount that goes away leaves its mount point as an empty folder: the
pages, which need only the database, still work, the download route still
counts and redirects, and Apache answers 404 for every file while the storage
box holds them all. Nothing notices: a listing of an empty folder succeeds.

The play unmounts beta's share in sd2 (the bind of the mount at
/storage/sdmods) at a5b8167, the beta SpaceDock of the week before (production
ran master of 2020-06-30, whose downloads are the same), with a CDN redirect
as production's; each variant's container is made anew afterwards, with its
mount. Production has no storage watch; the lab's notices that the folder is
no longer a mount point: /content/ answers 503 and /healthz names the mount,
so Docker marks the container unhealthy. Needs APP=spacedock."""
from __future__ import annotations

import time
from urllib.parse import urlsplit

from lab.errors import LabError
from lab.health import wait_until_healthy
from lab.interrupts import ctrl_c_held
from lab.scenarios.engine import Scenario, Seen, Stage, Variant, short_sha
from lab.scenarios.steps import BETA, ZIP_BYTES, expect
from lab.spacedock.client import BROWSER
from lab.standin_client import make_zip

SERVICE = "sd2"
MOUNT_POINT = "/storage/sdmods"
# beta's downloads redirect to its /content/, as production's to the CDN's
CDN = {"BETA_CDN_DOMAIN": f"{BETA}/content"}
# how long the play watches what users get after the mount has gone
WATCH_S = 8.0


def probe(stage: Stage, path: str, sent: int) -> int:
    """A download of `path` from /content/ that ATS has no copy of (a query of its own)."""
    return stage.client.get(f"{path}?mount-gone={stage.tag}-{sent}", host=BETA).status_code


def play(stage: Stage, variant: str) -> Seen:
    author = stage.real_author(BETA)
    name = stage.name("LabMountGone").replace(" ", "")
    zipball = make_zip(ZIP_BYTES, name)
    mod = author.create_published(name, "1.0", zipball)
    route = mod.download_route("1.0")
    path = urlsplit(expect(stage.client.get(route, host=BETA, headers=BROWSER), 302,
                           "1.0's download").headers["Location"]).path
    stage.out(f"  {name} 1.0 published (sha256 {short_sha(zipball)}); its download redirects to {path} → "
              f"{probe(stage, path, 0)}")
    unmounted = stage.lab.exec(SERVICE, ["umount", "--lazy", MOUNT_POINT])
    if unmounted.exit_code != 0:
        raise LabError(f"could not unmount {MOUNT_POINT} in {SERVICE}: {unmounted.output.strip()}")
    stage.out(f"  the share's mount in {SERVICE} is gone: {MOUNT_POINT} is an empty folder")
    started = time.monotonic()
    answers: list[int] = []
    try:
        while time.monotonic() - started < WATCH_S:
            answers.append(probe(stage, path, len(answers) + 1))
            time.sleep(0.5)
        page = stage.client.get(f"/mod/{mod.id}/{name}", host=BETA, headers=BROWSER).status_code
        redirect = stage.client.get(route, host=BETA, headers=BROWSER).status_code
        health = stage.lab.run_healthcheck(SERVICE).output.strip().splitlines()[-1:]
        on_the_box = stage.stored("beta", path.removeprefix("/content/")) == zipball
    finally:
        with ctrl_c_held(stage.out, f"{SERVICE} is started again, with its mount"):
            stage.lab.restart(SERVICE)
            wait_until_healthy(stage.lab, [SERVICE], lambda line: None, timeout_s=120)
    last = answers[len(answers) // 2:]
    stage.out(f"  for {WATCH_S:.0f} s: /content/ answered {', '.join(map(str, answers))}; the mod page {page}, "
              f"the download route {redirect}; the storage box {'holds' if on_the_box else 'lacks'} the zip")
    stage.out(f"  {SERVICE}'s healthcheck: {' '.join(health) or '(nothing)'}")
    not_found = all(status == 404 for status in last) and on_the_box
    return Seen(not_found, f"in the last {WATCH_S / 2:.0f} s /content/ answered {sorted(set(last))} for a zip the "
                           "storage box holds")


SCENARIO = Scenario(
    name="mount-gone",
    symptom="the share's mount disappears: every download answers 404 and nothing notices",
    fix="a storage watch that checks the mount point (503, unhealthy container)",
    upstream="2020-08-03 outage; no upstream fix",
    production=Variant({**CDN, "STORAGE_WATCH": "production"}, (SERVICE,), refs={SERVICE: "a5b8167"}),
    fixed=Variant({**CDN, "STORAGE_WATCH": "fixed"}, (SERVICE,), refs={SERVICE: "a5b8167"}),
    play=play,
)
