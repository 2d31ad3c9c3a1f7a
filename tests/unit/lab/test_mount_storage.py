"""apache/mount-storage.sh renders production's CIFS mount exactly, and falls
back to smbnetfs where the kernel has no CIFS. Runs the real script with
`mount` and `smbnetfs` replaced by recorders, so it needs no kernel CIFS."""
from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path
from typing import Iterator

import pytest

from lab.config import REPO_ROOT, parse_env_file

SCRIPT = REPO_ROOT / "apache" / "mount-storage.sh"
# docs/architecture.md, "What production looks like"
PRODUCTION_OPTIONS = ("vers=3.0,sec=ntlmssp,cache=strict,uid=33,forceuid,gid=33,forcegid,file_mode=0777,"
                      "dir_mode=0777,seal,soft,nounix,serverino,mapposix,rsize=4194304,wsize=4194304,"
                      "bsize=1048576,echo_interval=60,actimeo=1")

MOUNT_RECORDER = """#!/bin/bash
echo "$*" >> "$RECORD"
if [[ $1 == -t && $2 == cifs && -n ${CIFS_FAILS_WITH:-} ]]; then
  echo "mount error(19): No such device" >&2; exit 32
fi
"""
SMBNETFS_RECORDER = """#!/bin/bash
echo "smbnetfs $* HOME=$HOME LD_PRELOAD=${LD_PRELOAD:-}" >> "$RECORD"
mkdir -p "$1/$SMB_SERVER/$SMB_SHARE"
"""
SHAPER_RECORDER = """#!/bin/bash
echo "shape-storage-link $*" >> "$RECORD.shaping"
"""


@pytest.fixture
def storagebox_port() -> Iterator[int]:
    """Something listening, standing in for the storage box's SMB port."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        yield listener.getsockname()[1]


@pytest.fixture
def run_script(tmp_path: Path, storagebox_port: int):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, body in (("mount", MOUNT_RECORDER), ("smbnetfs", SMBNETFS_RECORDER),
                       ("shape-storage-link", SHAPER_RECORDER)):
        (bin_dir / name).write_text(body)
        (bin_dir / name).chmod(0o755)
    (tmp_path / "sdmods").mkdir()
    # where the image has the libraries; the recorder only reads their names
    (tmp_path / "smbnetfs-append.so").write_bytes(b"")
    (tmp_path / "smbnetfs-delete-pending.so").write_bytes(b"")

    def run(**settings: str) -> tuple[subprocess.CompletedProcess[str], list[str]]:
        env = {
            **os.environ,
            "PATH": f"{bin_dir}:{os.environ['PATH']}",
            "RECORD": str(tmp_path / "calls"),
            "STORAGE": str(tmp_path / "sdmods"),
            "SDLAB_RUN_DIR": str(tmp_path / "run"),
            "SMB_SERVER": "127.0.0.1",
            "SMB_SERVER_PORT": str(storagebox_port),
            "SMB_SHARE": "backup",
            "SMB_USER": "sdstorage",
            "SMB_PASSWORD": "secret",
            "CIFS_OPTIONS": parse_env_file(REPO_ROOT / ".env.example")["CIFS_OPTIONS"],
            "SMBNETFS_APPEND": str(tmp_path / "smbnetfs-append.so"),
            "SMBNETFS_DELETE_PENDING": str(tmp_path / "smbnetfs-delete-pending.so"),
            **settings,
        }
        result = subprocess.run(["bash", str(SCRIPT)], check=False, env=env, capture_output=True, text=True, timeout=60)
        calls = (tmp_path / "calls").read_text().splitlines() if (tmp_path / "calls").exists() else []
        return result, calls

    return run


def test_default_cifs_options_are_production_s() -> None:
    assert parse_env_file(REPO_ROOT / ".env.example")["CIFS_OPTIONS"] == PRODUCTION_OPTIONS


def test_cifs_mode_mounts_the_share_with_exactly_production_s_options(run_script, tmp_path: Path) -> None:
    result, calls = run_script(STORAGE_MODE="cifs")

    assert result.returncode == 0, result.stderr
    assert calls == [f"-t cifs //127.0.0.1/backup {tmp_path}/sdmods "
                     f"-o {PRODUCTION_OPTIONS},credentials={tmp_path}/run/smb-credentials"]
    assert (tmp_path / "run" / "smb-credentials").read_text() == "username=sdstorage\npassword=secret\n"
    assert (tmp_path / "run" / "smb-credentials").stat().st_mode & 0o777 == 0o600
    assert "mode=cifs" in (tmp_path / "run" / "storage").read_text()


def test_cifs_options_are_replaced_as_a_whole(run_script, tmp_path: Path) -> None:
    result, calls = run_script(STORAGE_MODE="cifs", CIFS_OPTIONS="vers=3.0,cache=loose,actimeo=30")

    assert calls[0].endswith(f"-o vers=3.0,cache=loose,actimeo=30,credentials={tmp_path}/run/smb-credentials")


def test_auto_mode_falls_back_to_smbfuse_when_the_kernel_has_no_cifs(run_script, tmp_path: Path) -> None:
    result, calls = run_script(STORAGE_MODE="auto", CIFS_FAILS_WITH="19")

    assert result.returncode == 0, result.stderr
    assert calls[0].startswith("-t cifs ")
    assert calls[1].startswith(f"smbnetfs {tmp_path}/run/smbnet -o allow_other,uid=33,gid=33,umask=0000,big_writes")
    assert calls[2] == f"--bind {tmp_path}/run/smbnet/127.0.0.1/backup {tmp_path}/sdmods"
    state = (tmp_path / "run" / "storage").read_text()
    assert "mode=smbfuse" in state and "no CIFS" in state
    assert "using smbfuse" in result.stderr


def test_smbfuse_client_insists_on_smb3_and_encryption(run_script, tmp_path: Path) -> None:
    run_script(STORAGE_MODE="smbfuse")

    client_conf = (tmp_path / "run" / "smbnetfs-home" / ".smb" / "smb.conf").read_text()
    assert "client min protocol = SMB3_00" in client_conf
    assert "client smb encrypt = required" in client_conf


def test_an_unknown_mode_is_refused_with_the_choices(run_script) -> None:
    result, _ = run_script(STORAGE_MODE="nfs")

    assert result.returncode == 64
    assert "must be auto, cifs, smbfuse or local" in result.stderr


def test_auto_mode_gives_the_real_spacedock_smbfuse_too_when_the_kernel_has_no_cifs(
        run_script, tmp_path: Path) -> None:
    result, calls = run_script(STORAGE_MODE="auto", CIFS_FAILS_WITH="19", APP="spacedock")

    assert result.returncode == 0, result.stderr
    assert calls[1].startswith(f"smbnetfs {tmp_path}/run/smbnet ")
    assert "mode=smbfuse" in (tmp_path / "run" / "storage").read_text()


def test_what_the_container_sends_to_the_box_is_shaped_at_the_configured_rate(run_script, tmp_path: Path) -> None:
    run_script(STORAGE_MODE="smbfuse", STORAGE_RATE_MBIT="120")

    assert (tmp_path / "calls.shaping").read_text().splitlines() == ["shape-storage-link 120"]


def test_smbnetfs_runs_with_both_libraries_loaded(run_script, tmp_path: Path) -> None:
    _, calls = run_script(STORAGE_MODE="smbfuse")

    assert calls[0].endswith(f"LD_PRELOAD={tmp_path}/smbnetfs-append.so {tmp_path}/smbnetfs-delete-pending.so")


@pytest.mark.parametrize(("library", "told"), [
    ("SMBNETFS_APPEND", "without it smbnetfs fails every append"),
    ("SMBNETFS_DELETE_PENDING", "without it a file being read cannot be deleted"),
])
def test_smbfuse_is_refused_without_either_library(run_script, tmp_path: Path, library: str, told: str) -> None:
    result, calls = run_script(STORAGE_MODE="smbfuse", **{library: str(tmp_path / "missing.so")})

    assert result.returncode != 0
    assert told in result.stderr
    assert calls == []
