"""The real SpaceDock's version deletion on master (2023-03 to 2024-10):
delete_version raises `TypeError: 'ModVersion' object is not subscriptable`
(it purges `version[0].download_path`) before it purges or removes anything,
so the mod page's Delete answers 500 and the version stays listed and
downloadable. Alpha's dbd0b53 fixes the line. Played on beta (sd2) at
master's 6517c0e, then on alpha (sd6) at dbd0b53 (a container at another
commit is moved there for the play); needs APP=spacedock."""
from __future__ import annotations

from lab.scenarios.engine import PRODUCTION, Scenario, Seen, Stage, Variant
from lab.scenarios.steps import ALPHA, BETA, ZIP_BYTES
from lab.spacedock.client import BROWSER
from lab.standin_client import make_zip


def play(stage: Stage, variant: str) -> Seen:
    host = BETA if variant == PRODUCTION else ALPHA
    author = stage.real_author(host)
    name = stage.name("LabDelete").replace(" ", "")
    mod = author.create_mod(name, "1.0", make_zip(ZIP_BYTES, f"{name}-1.0"))
    author.add_version(mod, "1.1", make_zip(ZIP_BYTES, f"{name}-1.1"))
    author.publish(mod)
    deleted = author.delete_version(mod, author.version_id(mod, "1.0"))
    listed = [version["friendly_version"] for version in author.mod(mod)["versions"]]
    download = stage.client.get(f"/mod/{mod.id}/{name}/download/1.0", host=host, headers=BROWSER)
    stage.out(f"  on {host}, {name} 1.0 deleted on its page: POST …/delete → {deleted.status_code}; versions listed "
              f"{', '.join(listed)}; 1.0's download → {download.status_code}")
    return Seen(deleted.status_code == 500 and "1.0" in listed,
                f"the delete answered {deleted.status_code} and 1.0 is {'still' if '1.0' in listed else 'no longer'} "
                f"listed (its download {download.status_code})")


SCENARIO = Scenario(
    name="delete-version-500",
    symptom="deleting a version answers 500 and deletes nothing",
    fix="alpha's dbd0b53 (version.download_path)",
    upstream="SpaceDock master, fixed in dbd0b53",
    production=Variant(refs={"sd2": "6517c0e"}),
    fixed=Variant(refs={"sd6": "dbd0b53"}),
    play=play,
)
