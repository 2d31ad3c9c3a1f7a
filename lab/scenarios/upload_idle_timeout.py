"""SpaceDock #250 (2020): uploads of big mods died after exactly 15 minutes:
ATS ends a request that lasts longer than its transaction_active_timeout_in,
900 s by default. Production raised ATS's timeouts to 60 minutes (and PR #310
sent uploads in chunks). The play scales the 15 minutes to 6 s
(ATS_TIMEOUTS=before-250-fast) and sends one upload over about 10 s.

#250's Apache logged `AH02609 read request body failed`: its ATS cut the body.
ATS 9.2 passes the whole body on and drops only the answer, so the app creates
the mod while the user is told nothing (and a retry is refused: the version exists).
"""
from __future__ import annotations

import re
import time
from typing import Iterator

from urllib3 import encode_multipart_formdata

from lab import database
from lab.errors import LabError
from lab.scenarios.catalogue import Scenario, Seen, Stage, Variant
from lab.waiting import poll_until
from lab.spacedock import make_zip

BETA = "beta.spacedock.info"
SIZE = 8 * 1024 * 1024
PIECE = 256 * 1024
# the client's pace: 32 pieces, one every 0.3 s, so the upload lasts about 10 s
PIECE_EVERY_S = 0.3


class Paced:
    """A request body sent a piece at a time at the client's pace; its length
    is known, so requests sends a Content-Length (with a bare generator it
    sends chunked, and with both ATS drops the request as smuggling)."""

    def __init__(self, body: bytes) -> None:
        self.body = body

    def __len__(self) -> int:
        return len(self.body)

    def __iter__(self) -> Iterator[bytes]:
        for start in range(0, len(self.body), PIECE):
            yield self.body[start:start + PIECE]
            time.sleep(PIECE_EVERY_S)


def play(stage: Stage, variant: str) -> Seen:
    spacedock = stage.author(BETA)
    name = stage.name("Big upload")
    data = make_zip(SIZE, stage.tag)
    body, content_type = encode_multipart_formdata({
        "name": name, "version": "1.0", "short_description": "a slow upload", "dzuuid": f"slow-{stage.tag}",
        "dzchunkindex": "0", "dztotalchunkcount": "1", "dzchunkbyteoffset": "0", "dztotalfilesize": str(len(data)),
        "zipball": ("mod.zip", data, "application/zip"),
    })
    logged_before = stage.lab.logs("sd2").count("AH02609")
    stage.out(f"  uploading {len(data)} bytes in one request, over about {len(body) // PIECE * PIECE_EVERY_S:.0f} s")
    started = time.monotonic()
    try:
        response = spacedock.http.post("/api/mod/create", host=BETA, data=Paced(body), timeout=60,
                                       headers={"Content-Type": content_type})
        answer, answered = f"{response.status_code} {response.text[:100].strip()}", response.status_code == 201
    except LabError as error:
        answer, answered = f"no answer: {error}", False
    took = time.monotonic() - started
    stage.out(f"  the user, after {took:.1f} s: {answer}")
    # the app may still be at work on it when the user has been let down; Apache's
    # access log names the play's requests (X-Lab-Test)
    answered_line = re.compile(rf'"POST /api/mod/create HTTP/1.1" (\d{{3}}) .*test="scenario {stage.tag}"')
    logged = poll_until(lambda: answered_line.search(stage.lab.logs("sd2", tail=200)), timeout_s=30,
                        awaited="Apache in sd2 to log its answer to the upload")
    created = database.query(stage.lab, "spacedock_beta", f"SELECT count(*) FROM mod WHERE name = '{name}'") == "1"
    apache_said = stage.lab.logs("sd2").count("AH02609") - logged_before
    stage.out(f"  Apache answered {logged.group(1)}: the app {'created' if created else 'did not create'} the mod; "
              f"AH02609 (read request body failed) logged {apache_said} time(s)")
    return Seen(not answered, f"the user {'got no answer' if not answered else 'got 201'} after {took:.1f} s; "
                              f"the mod was {'created' if created else 'not created'}")


SCENARIO = Scenario(
    name="upload-idle-timeout",
    symptom="an upload that lasts longer than ATS's request timeout gets no answer",
    fix="ATS's timeouts raised to 60 minutes",
    upstream="#250, PR #310",
    production=Variant({"ATS_TIMEOUTS": "before-250-fast"}, ("ats",)),
    fixed=Variant({"ATS_TIMEOUTS": "production"}, ("ats",)),
    play=play,
)
