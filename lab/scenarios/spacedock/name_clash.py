"""name-clash on SpaceDock's own naming: a mod's zip is stored at
`<user folder>/<secure_filename(name)>/<secure_filename(name-version.zip)>`,
so two names that secure_filename makes equal ("Clash x" and "Clash_x") share
one file, and api.py's create_mod removes what is there before it writes the
new upload: the second mod's upload replaces the first's published zip, and
the first mod's download serves the second's. No branch refuses it: played
on beta as configured, production's play only (the stand-in's name-clash
plays the lab's proposed fix, a 409)."""
from __future__ import annotations

from lab.errors import LabError
from lab.scenarios.bugs import name_clash
from lab.scenarios.engine import Scenario, Seen, Stage, Variant, short_sha
from lab.scenarios.steps import BETA, expect
from lab.spacedock.client import BROWSER
from lab.standin_client import make_zip


def play(stage: Stage, variant: str) -> Seen:
    author = stage.real_author(BETA)
    name = stage.name("LabClash")
    first_data = make_zip(100_000, f"{stage.tag}-first")
    first = author.create_published(name, "1.0", first_data)
    stage.out(f"  {name!r} 1.0 published, sha256 {short_sha(first_data)}")
    clash = name.replace(" ", "_")
    second_data = make_zip(100_000, f"{stage.tag}-second")
    author.create_mod(clash, "1.0", second_data)
    stage.out(f"  {clash!r} 1.0 uploaded, sha256 {short_sha(second_data)}")
    served = expect(stage.client.get(f"/mod/{first.id}/download/1.0", host=BETA, headers=BROWSER), 200,
                    f"{name!r} 1.0's download")
    if served.content not in (first_data, second_data):
        raise LabError(f"{name!r} 1.0's download served {len(served.content)} bytes, sha256 "
                       f"{short_sha(served.content)}: neither mod's zip")
    clashed = served.content == second_data
    return Seen(clashed, f"{name!r} 1.0's download serves sha256 {short_sha(served.content)}: "
                         f"{repr(clash) + chr(39) + 's zip' if clashed else 'its own zip'}")


SCENARIO = Scenario(
    name="name-clash",
    symptom=name_clash.SCENARIO.symptom,
    fix="none yet",
    upstream=name_clash.SCENARIO.upstream,
    production=Variant(),
    fixed=None,
    play=play,
)
