"""SpaceDock PR #354 (alpha, 2021-07) on SpaceDock's own commits: before it,
every page that calls set_game_info (a mod page; not the front page) writes the
game into Flask's session, so every anonymous visitor gets a session cookie,
and a cache cannot tell anonymous requests apart (the PR's goal was to let
ATS cache anonymous pages). 28411fa clears the session of an anonymous
visitor before it is saved. Played on beta (sd2) at 7a488a7 (the merge
before it), then at 28411fa; needs APP=spacedock."""
from __future__ import annotations

from lab.scenarios.engine import Scenario, Seen, Stage, Variant
from lab.scenarios.steps import BETA, ZIP_BYTES, expect
from lab.spacedock.client import BROWSER
from lab.standin_client import make_zip


def play(stage: Stage, variant: str) -> Seen:
    author = stage.real_author(BETA)
    name = stage.name("LabAnonymous").replace(" ", "")
    mod = author.create_published(name, "1.0", make_zip(ZIP_BYTES, f"{name}-1.0"))
    # over TLS, as SpaceDock's cookie is Secure
    visitor = stage.visitor(tls=True)
    for path in ("/", f"/mod/{mod.id}/{mod.name}"):
        page = expect(visitor.get(path, host=BETA, headers=BROWSER), 200, f"opening {path}")
        set_cookie = page.headers.get("Set-Cookie", "")
        stage.out(f"  an anonymous visitor opens {path}: 200, "
                  f"{'Set-Cookie ' + set_cookie.split('=', 1)[0] + '=…' if set_cookie else 'no Set-Cookie'}")
    kept = visitor.session.cookies.get("session")
    return Seen(kept is not None, f"the anonymous visitor {'keeps a' if kept else 'keeps no'} session cookie "
                                  f"after two pages")


SCENARIO = Scenario(
    name="anonymous-cookie",
    symptom="every anonymous visitor gets a session cookie, so no cache can tell them apart",
    fix="PR #354 (28411fa): no session cookie for anonymous visitors",
    upstream="PR #354",
    production=Variant(refs={"sd2": "7a488a7"}),
    fixed=Variant(refs={"sd2": "28411fa"}),
    play=play,
)
