"""The real SpaceDock in the lab (APP=spacedock): one image per commit of the
SpaceDock checkout SPACEDOCK_SRC names, built FROM the stand-in's web image
(real-spacedock/Dockerfile), and which image each web container runs.

The lab's repository holds none of SpaceDock's code: the image's context is
assembled in a temporary folder from the checkout (a shallow clone at the
commit), the commit's frontend built on the host (npm_build.py, cached per
version of frontend/) and the Python packages Debian's do not serve
(wheels.py: for a commit from before SpaceDock's Flask 2, those of its time)."""
from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Callable, Mapping

from lab import images
from lab.config import LabConfig
from lab.errors import LabError
from lab.git import git
from lab.spacedock import npm_build, wheels

Output = Callable[[str], None]

# its databases are the stand-in's names with this after them (compose.yaml)
DATABASE_SUFFIX = "_real"
IMAGE = images.SPACEDOCK
# Each web container's branch, as production deploys them; .env may name others.
BRANCH_SETTINGS = {"sd1a": "SPACEDOCK_PRODUCTION_REF", "sd1b": "SPACEDOCK_PRODUCTION_REF",
                   "sd2": "SPACEDOCK_BETA_REF", "sd6": "SPACEDOCK_ALPHA_REF"}
LAB_FILES = Path(__file__).resolve().parents[2] / "real-spacedock"


def is_real(image: str) -> bool:
    return image.startswith(IMAGE.name + ":")


def checkout(config: LabConfig) -> Path:
    """SPACEDOCK_SRC: a git checkout of SpaceDock (relative to the repository or absolute)."""
    setting = config.settings.get("SPACEDOCK_SRC", "")
    hint = ("git clone https://github.com/KSP-SpaceDock/SpaceDock ../SpaceDock, "
            "then SPACEDOCK_SRC=../SpaceDock in .env")
    if not setting:
        raise LabError("APP=spacedock needs SPACEDOCK_SRC, the path of a SpaceDock git checkout", hint=hint)
    path = (config.root / setting).resolve()
    if not (path / ".git").exists() and not path.suffix == ".git":
        raise LabError(f"SPACEDOCK_SRC={setting}: {path} is not a git checkout", hint=hint)
    return path


def resolve(source: Path, ref: str) -> str:
    """The full commit `ref` names in the checkout; a branch also as origin/<branch>,
    as a fresh clone of SpaceDock has only master locally."""
    for candidate in (ref, f"origin/{ref}"):
        found = subprocess.run(["git", "-C", str(source), "rev-parse", "--verify", "--quiet",
                                f"{candidate}^{{commit}}"], capture_output=True, text=True, check=False)
        if found.returncode == 0:
            return found.stdout.strip()
    raise LabError(f"{ref} names no commit in SPACEDOCK_SRC ({source})",
                   hint=f"git -C {source} fetch origin {ref}")


def alembic_revisions(source: Path, commit: str) -> tuple[set[str], set[str]]:
    """The schema revisions the commit's alembic/versions holds, and those another names as its down_revision."""
    lines = git(source, "grep", "-h", "-E", r"^(down_)?revision\s*=", commit, "--", "alembic/versions")
    revisions: set[str] = set()
    downs: set[str] = set()
    for line in lines.splitlines():
        key, value = (part.strip() for part in line.split("=", 1))
        (downs if key == "down_revision" else revisions).update(re.findall(r"[0-9a-f]{6,}", value))
    return revisions, downs


def alembic_head(source: Path, commit: str) -> str:
    """The newest schema revision the commit's alembic/versions knows: the
    revision no other names as its down_revision."""
    revisions, downs = alembic_revisions(source, commit)
    heads = sorted(revisions - downs)
    if len(heads) != 1:
        raise LabError(f"SpaceDock {commit[:12]}'s alembic/versions has {len(heads)} heads: {', '.join(heads)}")
    return heads[0]


def database_schema(config: LabConfig, source: Path, commit: str) -> str:
    """'' for a commit that knows the schema of every branch's head (the
    branches the web containers run): it runs on its container's database,
    migrated as a deploy does. An older commit (one from before Flask 2, or
    one `make bisect` plays) would meet a database migrated past what it
    knows, which alembic refuses: it gets a database of its own, named with
    its alembic head."""
    known, _ = alembic_revisions(source, commit)
    branches = {config.settings.get(setting, "") for setting in BRANCH_SETTINGS.values()} - {""}
    heads = {alembic_head(source, resolve(source, branch)) for branch in branches}
    return "" if heads <= known else alembic_head(source, commit)


def _tag(commit: str) -> str:
    return commit[:12]


def image_for(commit: str) -> str:
    """The image a SpaceDock commit is built into."""
    return IMAGE.ref(_tag(commit))


def build(config: LabConfig, ref: str, out: Output) -> str:
    """sdlab/spacedock:<commit> from `ref` of SPACEDOCK_SRC; returns the image."""
    source = checkout(config)
    commit = resolve(source, ref)
    version = git(source, "describe", "--always", "--tags", "--abbrev=12", commit)
    cache = config.root / ".lab" / "cache" / "spacedock"
    with tempfile.TemporaryDirectory(prefix="sdlab-spacedock-") as folder:
        context = Path(folder)
        src = context / "src"
        src.mkdir()
        # a shallow clone, so that /version's `git log -1` works as on production
        git(src, "init", "--quiet")
        git(src, "fetch", "--quiet", "--depth=1", str(source), commit)
        git(src, "-c", "advice.detachedHead=false", "checkout", "--quiet", "FETCH_HEAD")
        out(f"lab: SpaceDock {ref} is {commit[:12]} ({git(src, 'log', '-1', '--format=%ad %s', '--date=short')})")
        # cached by frontend/'s tree: commits whose frontend is the same share one build
        static = cache / "static" / (git(src, "rev-parse", "HEAD:frontend") if (src / "frontend").is_dir() else commit)
        shutil.copytree(npm_build.built(src, static, cache / "npm", out), context / "static")
        (context / "wheels").mkdir()
        for release in wheels.for_commit(source, commit, cache, out):
            shutil.copy2(release, context / "wheels")
        shutil.copytree(LAB_FILES, context / "lab", ignore=shutil.ignore_patterns("Dockerfile", "*.txt"))
        shutil.copyfile(LAB_FILES / "Dockerfile", context / "Dockerfile")
        out(f"lab: building the real SpaceDock's image from {ref} ({commit[:12]})")
        return images.build(IMAGE, context, tag=_tag(commit), version=version, out=out,
                            args={"APP_DATABASE_SCHEMA": database_schema(config, source, commit)})


def images_for(config: LabConfig, current: Mapping[str, str], out: Output) -> dict[str, str]:
    """Each web container's image under APP=spacedock: the one it was deployed
    with (rebuilt, so it follows the stand-in's image it is built on), else its
    branch's head; built once per commit."""
    built: dict[str, str] = {}
    result = {}
    for service, setting in BRANCH_SETTINGS.items():
        image = current.get(service, "")
        ref = image.split(":", 1)[1] if is_real(image) else config.settings.get(setting, "")
        if not ref:
            raise LabError(f"{setting} is empty: which SpaceDock branch does {service} run?")
        if ref not in built:
            built[ref] = build(config, ref, out)
        result[service] = built[ref]
    return result
