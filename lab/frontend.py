"""SpaceDock's frontend (frontend/: SCSS and CoffeeScript, built with npm), built
on the host for one commit and cached, then served by Apache as /static/ the
way SpaceDock's build-frontend.sh assembles it: css, js, fonts, images and the
build output side by side in one folder.

One change to SpaceDock's build, at build time only: node-sass 7 has no binary
for Node 20 and its source build fails offline, so it is uninstalled and
build.js takes sass (dart-sass, pure JavaScript, already in the lockfile) in
its place; node-sass's API (render) is sass's too."""
from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Callable

from lab.errors import LabError

Output = Callable[[str], None]
# build-frontend.sh's copies into the static folder, in its order
ASSEMBLED = ("static/css", "static/js", "static/fonts", "static/images", "build")
DONE_MARK = ".sdlab-built"


def _run(command: list[str], cwd: Path, what: str) -> None:
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        tail = "\n".join(f"  | {line}" for line in (result.stdout + result.stderr).splitlines()[-20:])
        raise LabError(f"{what} failed (exit {result.returncode}):\n{tail}")


def built(source: Path, cache: Path, npm_cache: Path, out: Output) -> Path:
    """The static folder of the SpaceDock tree `source`, built into `cache`
    (once: a later call finds it there)."""
    if (cache / DONE_MARK).exists():
        return cache
    if not (source / "frontend" / "package.json").exists():
        out("lab: this SpaceDock commit has no frontend/ to build; /static/ serves its static/ folder as it is")
        cache.mkdir(parents=True, exist_ok=True)
        if (source / "static").is_dir():
            shutil.copytree(source / "static", cache, dirs_exist_ok=True)
        (cache / DONE_MARK).touch()
        return cache
    if not shutil.which("npm"):
        raise LabError("building SpaceDock's frontend needs Node.js and npm on this machine",
                       hint="apt-get install nodejs npm")
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="sdlab-frontend-") as folder:
        work = Path(folder) / "frontend"
        shutil.copytree(source / "frontend", work)
        build_js = work / "build.js"
        build_js.write_text(build_js.read_text().replace("require('node-sass')", "require('sass')"))
        out("lab: building SpaceDock's frontend with npm (node-sass swapped for sass; cached per commit)")
        npm = ["npm", "--cache", str(npm_cache), "--no-audit", "--no-fund", "--loglevel=error"]
        _run([*npm, "uninstall", "--save", "node-sass"], work, "npm uninstall node-sass")
        _run([*npm, "ci"], work, "npm ci")
        _run(["npm", "run", "build", "--silent"], work, "npm run build")
        staging = cache.with_name(cache.name + ".partial")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        for part in ASSEMBLED:
            if (work / part).is_dir():
                shutil.copytree(work / part, staging, dirs_exist_ok=True)
        (staging / DONE_MARK).touch()
        shutil.rmtree(cache, ignore_errors=True)
        staging.rename(cache)
    files = sum(1 for path in cache.rglob("*") if path.is_file()) - 1
    out(f"lab: SpaceDock's frontend built in {time.monotonic() - started:.0f} s ({files} files)")
    return cache
