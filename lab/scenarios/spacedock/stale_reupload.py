"""SpaceDock #312 on the real SpaceDock of July 2020: a version deleted and
uploaded again with the same number keeps serving the old zip from ATS, as
SpaceDock sent no PURGE then (ac7b6e2, the last merge before PR #313). PR
#313 (merged as a5b8167) purges the zip's URL on delete. Played on beta (sd2)
at each commit, with a CDN redirect as production's (BETA_CDN_DOMAIN): 2020's
downloads redirect to http://<cdn-domain>/<path>, and #313 purges that URL;
needs APP=spacedock. Commits of 2020 run on releases of their time
(lab/spacedock/wheels.py) and a database of their own schema."""
from __future__ import annotations

from urllib.parse import urlsplit

from lab.scenarios.engine import Scenario, Seen, Stage, Variant, short_sha
from lab.scenarios.steps import BETA, ZIP_BYTES, expect
from lab.spacedock.client import BROWSER
from lab.standin_client import make_zip

# beta's /content/, answered by sd2's Apache from its share and cached by ATS
CDN = {"BETA_CDN_DOMAIN": f"{BETA}/content"}


def play(stage: Stage, variant: str) -> Seen:
    author = stage.real_author(BETA)
    name = stage.name("LabReupload").replace(" ", "")
    old = make_zip(ZIP_BYTES, f"{name}-old")
    mod = author.create_mod(name, "1.0", old)
    # the default version cannot be deleted: 1.1 becomes it
    author.add_version(mod, "1.1", make_zip(ZIP_BYTES, f"{name}-1.1"))
    author.publish(mod)
    download = expect(stage.client.get(f"/mod/{mod.id}/{name}/download/1.0", host=BETA, headers=BROWSER),
                      302, "1.0's download")
    path = urlsplit(download.headers["Location"]).path
    stage.out(f"  1.0's download redirects to {download.headers['Location']}")
    stage.client.get(path, host=BETA)
    stage.fetch(BETA, path, "1.0's zip, cached")
    deleted = author.delete_version(mod, author.version_id(mod, "1.0"))
    new = make_zip(ZIP_BYTES, f"{name}-new")
    author.add_version(mod, "1.0", new)
    stage.out(f"  1.0 deleted on its page ({deleted.status_code}) and uploaded again, sha256 {short_sha(new)}")
    served = stage.fetch(BETA, path, "1.0's zip after the upload")
    stale = served.content == old
    return Seen(stale, f"ATS serves the {'old' if stale else 'new'} zip after the delete and upload "
                       f"(old {short_sha(old)}, new {short_sha(new)})")


SCENARIO = Scenario(
    name="stale-after-reupload",
    symptom="a version deleted and uploaded again keeps serving the old zip from ATS",
    fix="PR #313: a PURGE of the zip's URL on delete (a5b8167)",
    upstream="#312, PR #313",
    production=Variant(CDN, ("sd2",), refs={"sd2": "ac7b6e2"}),
    fixed=Variant(CDN, ("sd2",), refs={"sd2": "a5b8167"}),
    play=play,
)
