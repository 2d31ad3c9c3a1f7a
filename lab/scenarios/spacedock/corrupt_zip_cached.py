"""SpaceDock #375/#376 (June 2021, blocking) on the real SpaceDock of its time:
CKAN found CRC errors in Near Future zips, and the copy ATS served differed
from the file on storage. Production then ran master at ebb54cb (2021-05-31),
pinned to Flask<2, and its Apache lacked the /content/ alias, so /content/
went to gunicorn (PR #373 tells it), whose route answered with Flask 1's
send_from_directory: `Cache-Control: public, max-age=43200`. An upload
appends each chunk at the zip's final path: a download while it runs gets the
part written so far, and ATS keeps that for 12 hours, for everyone. Fixed by
hand then (a PURGE), and in SpaceDock's code by PR #373 (master 4dee33b,
2021-10-20): /content/ answers X-Sendfile where use-x-accel=apache, with no
lifetime, which ATS does not store, so the next download gets the whole zip.
A download during the upload still gets the part written so far. (With
use-x-accel=false, Flask 1's send_file still gave 12 hours until Flask 2,
master 9269de0 of 2023-03, whose no-cache ATS does not store either.)

Played on beta (sd2) at each commit, configured as production: /content/ to
gunicorn, no CDN redirect, X-Sendfile on (which ebb54cb's /content/ route
does not read). Needs APP=spacedock."""
from __future__ import annotations

import io
import zipfile

from lab.http import cache_result
from lab.scenarios.engine import Scenario, Seen, Stage, Variant, short_sha
from lab.scenarios.steps import BETA, ZIP_BYTES
from lab.standin_client import CHUNK_BYTES, make_zip

CHUNKS = 3
# production's Apache without the /content/ alias (PR #373), its app with X-Sendfile
CONTENT_TO_GUNICORN = {"CONTENT_SERVED_BY": "xsendfile", "BETA_CDN_DOMAIN": "", "BETA_USE_X_ACCEL": "apache"}


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
    fix="PR #373 (master 4dee33b): /content/ by X-Sendfile, with no lifetime for ATS to keep",
    upstream="#375, #376",
    production=Variant(CONTENT_TO_GUNICORN, ("sd2",), refs={"sd2": "ebb54cb"}),
    fixed=Variant(CONTENT_TO_GUNICORN, ("sd2",), refs={"sd2": "4dee33b"}),
    play=play,
)
