"""KerbalStuff #135 (2016): a mod list answered 500 when a mod's background
was gone from storage. SpaceDock then made each thumbnail on the first page
that listed the mod, from the background on storage (THUMBNAILS=before-39d4f94),
and Pillow raised for a file that was not there; every page listing that mod
failed. 39d4f94 stopped the crash; SpaceDock now makes a thumbnail when the
background is set, and a page never reads storage (THUMBNAILS=stored)."""
from __future__ import annotations

from lab.database import query
from lab.scenarios.engine import Scenario, Seen, Stage, Variant
from lab.scenarios.steps import BETA, BETA_DATABASE, expect, new_mod
from lab.standin_client import make_zip


def set_background(stage: Stage, mod_id: int, background: str | None) -> None:
    value = "NULL" if background is None else "'" + background.replace("'", "''") + "'"
    query(stage.lab, BETA_DATABASE, f"UPDATE mod SET background = {value} WHERE id = {int(mod_id)}")


def play(stage: Stage, variant: str) -> Seen:
    name = stage.name("Background")
    mod = new_mod(stage.author(BETA), name, make_zip(1000, stage.tag))
    background = f"{mod['storage_path'].rsplit('/', 1)[0]}/background-{stage.tag}.png"
    try:
        # as KerbalStuff's move of backgrounds from MediaCrush left some: the
        # database names a file the storage box does not have
        set_background(stage, mod["id"], background)
        stage.out(f"  {name}'s background, {background}, is not on the storage box")
        listing = stage.client.get("/", host=BETA)
        page = stage.client.get(f"/mod/{mod['id']}", host=BETA)
    finally:
        set_background(stage, mod["id"], None)
    stage.out(f"  a visitor opens the mod list: {listing.status_code}; {name}'s page: {page.status_code}")
    expect(page, 200, f"opening {name}'s page")
    expect(stage.client.get("/", host=BETA), 200, "opening the mod list once the background is forgotten")
    return Seen(listing.status_code == 500, f"the mod list answered {listing.status_code}")


SCENARIO = Scenario(
    name="missing-background",
    symptom="one mod's background gone from storage makes the mod list a 500",
    fix="thumbnails made when the background is set, never by a page",
    upstream="#135, 39d4f94",
    # beta's pages uncached (as production's), so each request reaches the app
    production=Variant({"BETA_THUMBNAILS": "before-39d4f94", "BETA_PAGE_CACHE_SECONDS": "0"}, ("sd2",)),
    fixed=Variant({"BETA_THUMBNAILS": "stored", "BETA_PAGE_CACHE_SECONDS": "0"}, ("sd2",)),
    play=play,
)
