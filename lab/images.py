"""The lab's images: the bookworm base, then one image per part, built with
plain `docker build` (Compose v2 cannot build without buildx) and shown as they
go. Every image the lab builds is named here (BUILT), so that `make clean`
removes them all."""
from __future__ import annotations

import collections
import io
import os
import re
import subprocess
import tarfile
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping

from lab.config import LabConfig
from lab.docker_ops import DockerLab
from lab.errors import LabError
from lab.git import git

BASE_IMAGE = "sdlab/base:bookworm"
LOCAL_TAG = "local"
# Lines of `docker build` output worth showing while it runs: the classic
# builder's "Step 3/12 : RUN ..." and BuildKit's "#5 [2/8] RUN ...".
_PROGRESS = re.compile(r"^(Step \d+/\d+ : |#\d+ \[)")

Output = Callable[[str], None]


@dataclass(frozen=True)
class ImageSpec:
    name: str
    context: str
    what: str
    dockerfile: str | None = None

    def ref(self, tag: str = LOCAL_TAG) -> str:
        return f"{self.name}:{tag}"


TRAFFICSERVER = ImageSpec("sdlab/trafficserver", "trafficserver", "Apache Traffic Server 9.2")
WEB = ImageSpec("sdlab/web", ".", "Apache + mod_xsendfile + gunicorn + the app", "apache/Dockerfile")
STORAGEBOX = ImageSpec("sdlab/storagebox", "samba", "Samba, the storage box")
DB = ImageSpec("sdlab/db", "postgres", "PostgreSQL 15")
REDIS = ImageSpec("sdlab/redis", "redis", "Redis, the Celery broker")
IMAGES = (TRAFFICSERVER, WEB, STORAGEBOX, DB, REDIS)
# Built when the browser tests run (lab browser), not for the lab itself.
BROWSER = ImageSpec("sdlab/browser", "tests/browser", "Chromium, ChromeDriver and Selenium for the browser tests")
# Built when `make bench` runs.
BENCH = ImageSpec("sdlab/bench", "bench", "curl, wrk and nginx for the benchmark")
# The real SpaceDock at one commit a tag (lab.spacedock.image assembles its context).
SPACEDOCK = ImageSpec("sdlab/spacedock", ".", "the real SpaceDock at one commit", "Dockerfile")
# Every image the lab builds, whatever its tag; the base is kept (it is
# slow to make again and not the lab's own).
BUILT = (*IMAGES, BROWSER, BENCH, SPACEDOCK)


def ensure_base(config: LabConfig, out: Output = print, *, rebuild: bool = False) -> None:
    """The bookworm base every Dockerfile starts FROM: present, pulled, or debootstrapped."""
    command = ["bash", str(config.root / "base" / "ensure-base-image.sh")]
    if rebuild:
        command.append("--rebuild")
    out(f"lab: base image {BASE_IMAGE}")
    try:
        subprocess.run(command, check=True, env={**os.environ, "BASE_IMAGE": BASE_IMAGE})
    except subprocess.CalledProcessError as error:
        raise LabError(f"the base image {BASE_IMAGE} could not be made (exit {error.returncode})") from error


def source_version(source: Path) -> str:
    """What `/version` reports: the commit, marked -dirty if the tree has changes."""
    try:
        result = subprocess.run(
            ["git", "-C", str(source), "describe", "--always", "--dirty", "--abbrev=12"],
            capture_output=True, text=True, check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return result.stdout.strip()


def build(spec: ImageSpec, source: Path, *, tag: str = LOCAL_TAG, version: str = "unknown",
          out: Output = print, args: Mapping[str, str] | None = None) -> str:
    """docker build one image, printing its steps; returns the image reference.
    `args`: build arguments of the image's own, besides the base and version."""
    ref = spec.ref(tag)
    command = [
        "docker", "build", "--tag", ref,
        "--build-arg", f"BASE_IMAGE={BASE_IMAGE}",
        "--build-arg", f"APP_VERSION={version}",
        *(f"--build-arg={name}={value}" for name, value in (args or {}).items()),
    ]
    if spec.dockerfile:
        command += ["--file", str(source / spec.dockerfile)]
    command.append(str(source / spec.context))
    out(f"lab: building {ref} ({spec.what})")
    started = time.monotonic()
    recent: collections.deque[str] = collections.deque(maxlen=60)
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) as process:
        assert process.stdout is not None
        for line in process.stdout:
            line = line.rstrip()
            recent.append(line)
            if _PROGRESS.match(line):
                out(f"  {spec.name}: {line}")
    if process.returncode != 0:
        out("\n".join(f"  | {line}" for line in recent))
        raise LabError(f"building {ref} failed (docker build exit {process.returncode}); its last output is above")
    out(f"lab: built {ref} in {time.monotonic() - started:.0f} s")
    return ref


def built_here(lab: DockerLab) -> list[str]:
    """Every image of the lab's (BUILT) on this Docker engine, at any tag."""
    return lab.image_refs([spec.name for spec in BUILT])


def build_all(config: LabConfig, out: Output = print) -> None:
    version = source_version(config.root)
    for spec in IMAGES:
        build(spec, config.root, version=version, out=out)


def build_from_ref(config: LabConfig, ref: str, out: Output) -> str:
    """Build sdlab/web:<commit> from the files of `ref`; returns the image."""
    commit = git(config.root, "rev-parse", "--verify", "--short=12", f"{ref}^{{commit}}")
    version = git(config.root, "describe", "--always", "--abbrev=12", commit)
    archive = subprocess.run(["git", "-C", str(config.root), "archive", "--format=tar", commit],
                             check=True, capture_output=True).stdout
    with tempfile.TemporaryDirectory(prefix="sdlab-ref-") as folder:
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(folder, filter="data")
        out(f"lab: building the web image from {ref} ({commit})")
        return build(WEB, Path(folder), tag=commit, version=version, out=out)
