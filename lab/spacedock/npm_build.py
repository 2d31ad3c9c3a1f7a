"""SpaceDock's frontend (frontend/: SCSS and CoffeeScript, built with npm), built
on the host for one commit and cached, then served by Apache as /static/ the
way SpaceDock's build-frontend.sh assembles it: static/css, js, fonts, images
and the build output side by side in one folder.

One change to SpaceDock's build, at build time only: node-sass 7 has no binary
for Node 20 and its source build fails offline, so it is taken out of
package.json and the lockfile, and build.js takes sass (dart-sass, pure
JavaScript, in the lockfile of every commit that has frontend/) in its place;
node-sass's API (render) is sass's too.

node_modules is installed once per (patched) package.json + lockfile + Node
version and hard-linked into each build: master's, beta's and alpha's share one."""
from __future__ import annotations

import hashlib
import json
import os
import re
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


def _run(command: list[str], cwd: Path, what: str) -> str:
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False,
                            env={**os.environ, "npm_config_update_notifier": "false"})
    if result.returncode != 0:
        tail = "\n".join(f"  | {line}" for line in (result.stdout + result.stderr).splitlines()[-20:])
        raise LabError(f"{what} failed (exit {result.returncode}):\n{tail}")
    return result.stdout


def without_node_sass(frontend: Path) -> None:
    """node-sass out of package.json and package-lock.json (v1 and v2/v3
    lockfiles), and build.js requiring sass instead."""
    manifest = json.loads((frontend / "package.json").read_text())
    for section in ("dependencies", "devDependencies"):
        manifest.get(section, {}).pop("node-sass", None)
    (frontend / "package.json").write_text(json.dumps(manifest, indent=2) + "\n")
    lock = json.loads((frontend / "package-lock.json").read_text())
    lock.get("dependencies", {}).pop("node-sass", None)
    packages = lock.get("packages", {})
    for key in [key for key in packages if key == "node_modules/node-sass" or key.startswith("node_modules/node-sass/")]:
        del packages[key]
    for section in ("dependencies", "devDependencies"):
        packages.get("", {}).get(section, {}).pop("node-sass", None)
    (frontend / "package-lock.json").write_text(json.dumps(lock, indent=2) + "\n")
    build_js = frontend / "build.js"
    build_js.write_text(re.sub(r"""require\(\s*['"]node-sass['"]\s*\)""", "require('sass')", build_js.read_text()))


def node_modules(frontend: Path, npm_cache: Path, out: Output) -> Path:
    """An installed node_modules for the tree's package.json and lockfile, cached."""
    key = hashlib.sha256()
    key.update(_run(["node", "--version"], frontend, "node --version").encode())
    key.update((frontend / "package.json").read_bytes() + (frontend / "package-lock.json").read_bytes())
    tree = npm_cache / "trees" / key.hexdigest()[:24]
    if (tree / "node_modules").is_dir():
        return tree / "node_modules"
    out("lab: installing the frontend's npm packages (once per lockfile)")
    tree.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=tree.parent, prefix=".staging-"))
    try:
        # the manifests only: frontend/.npmrc would put npm's cache in the tree
        for name in ("package.json", "package-lock.json"):
            shutil.copyfile(frontend / name, staging / name)
        _run(["npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts", "--prefer-offline", "--loglevel=error",
              "--cache", str(npm_cache / "npm")], staging, "npm ci")
        staging.rename(tree)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return tree / "node_modules"


def built(source: Path, cache: Path, npm_cache: Path, out: Output) -> Path:
    """The static folder of the SpaceDock tree `source` (left unchanged),
    built into `cache` once: a later call finds it there."""
    if (cache / DONE_MARK).exists():
        return cache
    if not (source / "frontend" / "package.json").exists():
        raise LabError("this SpaceDock commit has no frontend/package.json (SpaceDock before 2019-08 built "
                       "its static files in the app); the lab builds commits from 2019-08 on")
    if not shutil.which("npm"):
        raise LabError("building SpaceDock's frontend needs Node.js and npm on this machine",
                       hint="apt-get install nodejs npm")
    started = time.monotonic()
    npm_cache.mkdir(parents=True, exist_ok=True)
    # beside the cache, so that node_modules can be hard-linked (one filesystem)
    with tempfile.TemporaryDirectory(dir=npm_cache.parent, prefix=".frontend-") as folder:
        work = Path(folder) / "frontend"
        shutil.copytree(source / "frontend", work)
        without_node_sass(work)
        # hard links, not a symlink: browserify orders modules by their real
        # path, so a link out of the tree would change the bundles' bytes
        shutil.copytree(node_modules(work, npm_cache, out), work / "node_modules", symlinks=True,
                        copy_function=os.link)
        out("lab: building SpaceDock's frontend (node-sass swapped for sass; cached per version of frontend/)")
        _run(["node", "build.js"], work, "node build.js")
        # build.js logs a file that fails to compile and exits 0, as on production
        expected = [f"{path.stem}.css" for path in (work / "styles").rglob("*.scss")]
        expected += [f"{path.stem}.js" for path in (work / "coffee").rglob("*.coffee")]
        missing = [name for name in expected if not (work / "build" / name).is_file()]
        if missing:
            out(f"lab: warning: SpaceDock's build.js made no {', '.join(missing)} (as production's build would not)")
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
