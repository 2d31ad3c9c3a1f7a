"""SpaceDock #250 (2020): uploads of big mods died, Apache logging `AH02609
read request body failed`: ATS ends a request that stays silent longer than
its transaction_no_activity_timeout_in (30 s by default) or lasts longer than
its transaction_active_timeout_in (900 s: #250's "exactly 15 minutes"), and
Apache is left with half a body. Production raised ATS's timeouts to 60
minutes (and PR #310 sent uploads in 2 MiB chunks).

The play scales ATS's defaults down (ATS_TIMEOUTS=before-250-fast: 6 s and
2 s) and sends one upload over a link that stalls for STALL_S halfway, as
slow links do. (The active timeout alone did not do: ATS 9.2 here let an
upload outlast it and then dropped only the answer, or not at all.)
"""
from __future__ import annotations

import re
import time
from typing import Iterator

from urllib3 import encode_multipart_formdata

from lab import database
from lab.errors import LabError
from lab.scenarios.engine import Scenario, Seen, Stage, Variant
from lab.scenarios.steps import BETA, BETA_DATABASE
from lab.standin_client import chunk_fields, make_zip
from lab.waiting import poll_until

# ATS_TIMEOUTS=before-250-fast's transaction_no_activity_timeout_in
SILENT_S = 2
SIZE = 4 * 1024 * 1024
PIECE = 256 * 1024
# the client's pace: a piece every 0.2 s, and halfway a stall longer than SILENT_S
PIECE_EVERY_S = 0.2
STALL_S = 5
# Apache's error for a body cut short: AH02608 in Debian's 2.4, AH02609 in #250's
BODY_FAILED = "read request body failed"


class Paced:
    """A request body sent a piece at a time at the client's pace; its length
    is known, so requests sends a Content-Length (with a bare generator it
    sends chunked, and with both ATS drops the request as smuggling)."""

    def __init__(self, body: bytes) -> None:
        self.body = body

    def __len__(self) -> int:
        return len(self.body)

    def __iter__(self) -> Iterator[bytes]:
        half = len(self.body) // 2 // PIECE * PIECE
        for start in range(0, len(self.body), PIECE):
            yield self.body[start:start + PIECE]
            time.sleep(STALL_S if start + PIECE == half else PIECE_EVERY_S)


def play(stage: Stage, variant: str) -> Seen:
    spacedock = stage.author(BETA)
    name = stage.name("Big upload")
    data = make_zip(SIZE, stage.tag)
    body, content_type = encode_multipart_formdata({
        "name": name, "version": "1.0", "short_description": "a slow upload",
        **chunk_fields(f"slow-{stage.tag}", 0, 1, 0, len(data)), "zipball": ("mod.zip", data, "application/zip"),
    })
    logged_before = stage.lab.logs("sd2").count(BODY_FAILED)
    stage.out(f"  uploading {len(data)} bytes in one request, a piece every {PIECE_EVERY_S} s, "
              f"stalling {STALL_S} s halfway")
    started = time.monotonic()
    try:
        response = spacedock.http.post("/api/mod/create", host=BETA, data=Paced(body), timeout=60,
                                       headers={"Content-Type": content_type})
        answer, answered = f"{response.status_code} {response.reason}", response.status_code == 201
    except LabError as error:
        answer, answered = f"no answer: {error}", False
    took = time.monotonic() - started
    stage.out(f"  the user, after {took:.1f} s: {answer}")
    # the app may still be at work on it when the user has been let down; Apache's
    # access log names the play's requests (X-Lab-Test)
    answered_line = re.compile(rf'"POST /api/mod/create HTTP/1.1" (\d{{3}}) .*test="scenario {stage.tag}"')
    logged = poll_until(lambda: answered_line.search(stage.lab.logs("sd2", tail=200)), timeout_s=30,
                        awaited="Apache in sd2 to log its answer to the upload")
    created = database.query(stage.lab, BETA_DATABASE, f"SELECT count(*) FROM mod WHERE name = '{name}'") == "1"
    apache_said = stage.lab.logs("sd2").count(BODY_FAILED) - logged_before
    stage.out(f"  Apache answered {logged.group(1)}: the app {'created' if created else 'did not create'} the mod; "
              f"Apache logged '{BODY_FAILED}' {apache_said} time(s)")
    # the symptom is a request ended by ATS's timeout, not one refused at once
    return Seen(not answered and took >= SILENT_S,
                f"the user got {answer} after {took:.1f} s; Apache logged '{BODY_FAILED}' {apache_said} time(s); "
                f"the mod was {'created' if created else 'not created'}")


SCENARIO = Scenario(
    name="upload-idle-timeout",
    symptom="an upload whose link stalls longer than ATS's idle timeout dies",
    fix="ATS's timeouts raised to 60 minutes",
    upstream="#250, PR #310",
    production=Variant({"ATS_TIMEOUTS": "before-250-fast"}, ("ats",)),
    fixed=Variant({"ATS_TIMEOUTS": "production"}, ("ats",)),
    play=play,
)
