"""From the lab's review of SpaceDock's uploads: names that secure_filename
makes equal ("Clash x" and "Clash_x") share one file on storage, so the second
mod's upload overwrites the first mod's published zip."""
from __future__ import annotations

from lab.scenarios.engine import Scenario, Seen, Stage, Variant, short_sha
from lab.scenarios.steps import BETA, new_mod
from lab.standin_client import make_zip


def play(stage: Stage, variant: str) -> Seen:
    spacedock = stage.author(BETA)
    name = stage.name("Clash")
    first_data = make_zip(100_000, f"{stage.tag}-first")
    first = new_mod(spacedock, name, first_data)
    stage.out(f"  {name!r} 1.0 published, sha256 {short_sha(first_data)}")
    clash = name.replace(" ", "_")
    second_data = make_zip(100_000, f"{stage.tag}-second")
    second = spacedock.create_mod(clash, "1.0", second_data)
    reason = second.json().get("reason", "") if second.status_code >= 400 else ""
    stage.out(f"  {clash!r} 1.0 uploaded by someone else: {second.status_code} {reason}".rstrip())
    stored = stage.stored("beta", first["storage_path"])
    lost = stored != first_data
    return Seen(lost, f"{name!r}'s zip on the storage box is sha256 {short_sha(stored)}: "
                      f"{'the other mod' + chr(39) + 's zip' if lost else 'its own'}")


SCENARIO = Scenario(
    name="name-clash",
    symptom="a second mod whose name differs only in characters secure_filename drops overwrites the first's zip",
    fix="refusing a file another mod uses (409)",
    upstream="the lab's review",
    production=Variant({"BETA_UPLOAD_CHECKS": "production"}, ("sd2",)),
    fixed=Variant({"BETA_UPLOAD_CHECKS": "fixed"}, ("sd2",)),
    play=play,
)
