"""SpaceDock #375/#376 (June 2021, blocking): CKAN found CRC errors in Near
Future zips; the copy ATS served differed from the file on storage. An upload
appends each chunk at the file's final path, so a download while it runs gets
the part written so far, with the week's Expires of /content/, and ATS keeps
that truncated zip for everyone. The fix writes aside and renames the complete
file into place: a download meanwhile gets a 404, which ATS does not keep."""
from __future__ import annotations

from lab.http import cache_result
from lab.scenarios.engine import Scenario, Seen, Stage, Variant, short_sha
from lab.scenarios.steps import BETA, expect, new_mod
from lab.standin_client import CHUNK_BYTES, ChunkPlan, make_zip

CHUNKS = 3


def play(stage: Stage, variant: str) -> Seen:
    spacedock = stage.author(BETA)
    name = stage.name("Corrupt")
    mod = new_mod(spacedock, name, make_zip(1000, stage.tag))
    new = make_zip(CHUNKS * CHUNK_BYTES - 1000, f"{stage.tag}-2.0")
    # where 2.0 will be: beside 1.0, SpaceDock's <Mod>-<version>.zip
    path = mod["storage_path"].replace("-1.0.zip", "-2.0.zip")
    url, fields, upload_id = f"/api/mod/{mod['id']}/update", {"version": "2.0"}, f"corrupt-{stage.tag}"
    expect(spacedock.upload(url, fields, new, plan=ChunkPlan([0]), upload_id=upload_id), 202, "sending chunk 1")
    stage.out(f"  {name} 2.0 ({len(new)} bytes, sha256 {short_sha(new)}): chunk 1 of {CHUNKS} sent")
    stage.fetch(BETA, f"/content/{path}", "CKAN downloads 2.0 meanwhile")
    expect(spacedock.upload(url, fields, new, plan=ChunkPlan(range(1, CHUNKS)), upload_id=upload_id), 201,
           "sending the other chunks")
    stage.out("  the upload finished")
    served = stage.fetch(BETA, f"/content/{path}", "everyone downloads 2.0 afterwards")
    stored = stage.stored("beta", path)
    corrupt = served.content != stored
    return Seen(corrupt, f"ATS served {len(served.content)} bytes, sha256 {short_sha(served.content)} "
                         f"({cache_result(served)}); the storage box holds {len(stored)} bytes, sha256 "
                         f"{short_sha(stored)}: {'a truncated zip' if corrupt else 'the whole zip'}")


SCENARIO = Scenario(
    name="corrupt-zip-cached",
    symptom="a download during an upload gets a truncated zip that ATS then serves to everyone",
    fix="writing aside and renaming the complete file into place",
    upstream="#375, #376",
    production=Variant({"BETA_UPLOAD_WRITES": "in-place"}, ("sd2",)),
    fixed=Variant({"BETA_UPLOAD_WRITES": "atomic"}, ("sd2",)),
    play=play,
)
