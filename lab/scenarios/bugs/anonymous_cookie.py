"""SpaceDock PR #354: before it, every page stored the game being browsed in
the session, so every visitor got a session cookie. With pages cached by ATS
(alpha's PAGE_CACHE_SECONDS, the app's `Vary: Cookie`), ATS keeps one copy
per Cookie header: the copy stored for visitors without a cookie never
matches a visitor who sends one, so that visitor gets every page from
gunicorn. ATS strips Set-Cookie from what it stores, so a visitor gets the
cookie from the first page ATS did not have (here a forum link with a query
of its own) and keeps it."""
from __future__ import annotations

from lab.errors import LabError
from lab.http import cache_result
from lab.scenarios.engine import Scenario, Seen, Stage, Variant
from lab.scenarios.steps import ALPHA, expect

# the front page and two demo mods, which every lab's alpha has
PAGES = ("/", "/mod/1", "/mod/2")
HIT = "hit-fresh"
# how long alpha's pages are cached: the play takes well under a second
PAGE_CACHE_SECONDS = "5"


def play(stage: Stage, variant: str) -> Seen:
    for path in PAGES:
        expect(stage.visitor().get(path, host=ALPHA), 200, f"opening {path}")
        stored = cache_result(stage.visitor().get(path, host=ALPHA, debug=True))
        if stored != HIT:
            raise LabError(f"ATS did not store {path} for visitors without a cookie ({stored}); the play cannot go on")
    stage.out(f"  new visitors, each without a cookie, opened {', '.join(PAGES)}: "
              "ATS holds them (public, Vary: Cookie)")
    visitor = stage.visitor()
    link = f"/mod/1?ref=forum-{stage.tag}"
    expect(visitor.get(link, host=ALPHA), 200, f"opening {link}")
    cookie = visitor.session.cookies.get("session")
    stage.out(f"  a visitor follows a forum link to {link} (not stored yet): "
              f"{'a session cookie' if cookie else 'no cookie'}")
    hits = 0
    for path in PAGES:
        result = cache_result(expect(visitor.get(path, host=ALPHA, debug=True), 200, f"opening {path}"))
        hits += result == HIT
        stage.out(f"  the visitor opens {path}{' with the cookie' if cookie else ''}: cache {result}")
    return Seen(hits < len(PAGES) / 2, f"{hits} of {len(PAGES)} pages that ATS holds came from its cache "
                                       f"for a visitor {'with' if cookie else 'without'} a session cookie")


SCENARIO = Scenario(
    name="anonymous-cookie",
    symptom="a session cookie on anonymous pages keeps every cached page from its visitor",
    fix="no session cookie for anonymous visitors",
    upstream="PR #354",
    production=Variant({"ALPHA_ANONYMOUS_SESSIONS": "before-354", "ALPHA_PAGE_CACHE_SECONDS": PAGE_CACHE_SECONDS},
                       ("sd6",)),
    fixed=Variant({"ALPHA_ANONYMOUS_SESSIONS": "none", "ALPHA_PAGE_CACHE_SECONDS": PAGE_CACHE_SECONDS}, ("sd6",)),
    play=play,
)
