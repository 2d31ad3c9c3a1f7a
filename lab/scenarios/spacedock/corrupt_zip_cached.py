"""SpaceDock #375/#376 (June 2021, blocking) on the real SpaceDock of its time:
CKAN found CRC errors in Near Future zips, and the copy ATS served differed
from the file on storage. Production then ran master at ebb54cb (2021-05-31),
pinned to Flask<2, with the CDN redirect off, so /content/ fell through to
gunicorn (PR #373 tells it), whose send_from_directory answered
`Cache-Control: public, max-age=43200`. An upload appends each chunk at the
zip's final path: a download while it runs gets the part written so far, and
ATS keeps that for 12 hours, for everyone. Fixed by hand then (a PURGE), and
in SpaceDock's code by Flask 2 (#472, 9269de0, 2023-03), whose send_file says
`no-cache` and gives no lifetime, so ATS keeps nothing (it stores only what
has Expires or max-age) and the next download gets the whole zip. A download
during the upload still gets the part written so far.

Played on beta (sd2) at each commit, configured as production in June 2021
(/content/ to gunicorn, no CDN redirect, no X-Sendfile); the fixed play runs
master's 6517c0e, the lab's production: master from 9269de0 until c2c01c1
(2023-12, bringing 1e25cb7) imports Flask-Markdown, which Jinja 3.1 broke,
so it cannot start on Debian's releases. Needs APP=spacedock."""
from __future__ import annotations

import io
import zipfile

from lab.http import cache_result
from lab.scenarios.engine import Scenario, Seen, Stage, Variant, short_sha
from lab.scenarios.steps import BETA, ZIP_BYTES
from lab.standin_client import CHUNK_BYTES, make_zip

CHUNKS = 3
JUNE_2021 = {"CONTENT_SERVED_BY": "xsendfile", "BETA_CDN_DOMAIN": "", "BETA_USE_X_ACCEL": "false"}


def as_a_zip_reader_finds_it(data: bytes) -> str:
    """What a zip reader makes of a download (CKAN found CRC mismatches in a
    zip whose structure was intact)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            bad = archive.testzip()
    except zipfile.BadZipFile as error:
        return f"a zip reader refuses it: {error}"
    return f"a zip, CRC mismatch in {bad}" if bad else "a zip, every CRC right"


def play(stage: Stage, variant: str) -> Seen:
    author = stage.real_author(BETA)
    name = stage.name("LabCorrupt").replace(" ", "")
    mod = author.create_published(name, "1.0", make_zip(ZIP_BYTES, name))
    new = make_zip(CHUNKS * CHUNK_BYTES - 1000, f"{name}-2.0")
    path = f"/content/{mod.zip_path('2.0')}"
    author.send_version_chunks(mod, "2.0", new, [0])
    stage.out(f"  {name} 2.0 ({len(new)} bytes, sha256 {short_sha(new)}): chunk 1 of {CHUNKS} sent")
    during = stage.fetch(BETA, path, "CKAN downloads 2.0 meanwhile")
    stage.out(f"    Cache-Control: {during.headers.get('Cache-Control', '-')}")
    author.send_version_chunks(mod, "2.0", new, range(1, CHUNKS))
    stage.out("  the upload finished")
    served = stage.fetch(BETA, path, "everyone downloads 2.0 afterwards")
    stored = stage.stored("beta", mod.zip_path("2.0"))
    corrupt = served.content != stored
    return Seen(corrupt, f"ATS served {len(served.content)} bytes, sha256 {short_sha(served.content)} "
                         f"({cache_result(served)}): {as_a_zip_reader_finds_it(served.content)}; the storage "
                         f"box holds {len(stored)} bytes, sha256 {short_sha(stored)}")


SCENARIO = Scenario(
    name="corrupt-zip-cached",
    symptom="a download during an upload gets a truncated zip that ATS then serves to everyone for 12 hours",
    fix="Flask 2 (#472, 9269de0; played at master's 6517c0e): send_file's no-cache, which ATS does not keep",
    upstream="#375, #376",
    production=Variant(JUNE_2021, ("sd2",), refs={"sd2": "ebb54cb"}),
    fixed=Variant(JUNE_2021, ("sd2",), refs={"sd2": "6517c0e"}),
    play=play,
)
