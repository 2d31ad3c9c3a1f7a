"""The scripts that shape the link to the storage box, run for real with
`tc` (and the lookups) replaced by recorders: what they ask the kernel for."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from lab.config import REPO_ROOT

BOX_SIDE = REPO_ROOT / "samba" / "shape-link.sh"
WEB_SIDE = REPO_ROOT / "apache" / "shape-storage-link.sh"
RECORDERS = {
    "tc": 'echo "tc $*" >> "$RECORD"',
    "getent": 'echo "172.31.253.2    storagebox"',
    "ip": 'echo "172.31.253.2 dev eth1 src 172.31.253.8 uid 0"',
}


@pytest.fixture
def run(tmp_path: Path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, body in RECORDERS.items():
        (bin_dir / name).write_text(f"#!/bin/bash\n{body}\n")
        (bin_dir / name).chmod(0o755)

    def run_script(script: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], list[str]]:
        env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "RECORD": str(tmp_path / "tc")}
        result = subprocess.run(["bash", str(script), *args], env=env, capture_output=True, text=True,
                                check=False, timeout=30)
        record = tmp_path / "tc"
        return result, record.read_text().splitlines() if record.exists() else []

    return run_script


def test_the_box_limits_what_it_sends_with_tbf(run) -> None:
    result, calls = run(BOX_SIDE, "0", "120")

    assert result.returncode == 0, result.stderr
    assert calls[-1] == "tc qdisc replace dev eth0 root tbf rate 120mbit burst 64kb latency 400ms"


def test_a_web_container_limits_only_what_goes_to_the_box_s_smb_port(run) -> None:
    result, calls = run(WEB_SIDE, "120")

    assert result.returncode == 0, result.stderr
    assert "tc class add dev eth1 parent 1: classid 1:1 htb rate 120mbit ceil 120mbit burst 64kb cburst 64kb " \
           "quantum 60000" in calls
    assert calls[-1] == "tc filter add dev eth1 parent 1: protocol ip prio 1 u32 match ip dport 445 0xffff flowid 1:1"


def test_a_web_container_s_queues_have_room_whatever_docker_s_txqueuelen(run) -> None:
    _, calls = run(WEB_SIDE, "120")

    assert "tc qdisc replace dev eth1 root handle 1: htb direct_qlen 1000" in calls
    assert "tc qdisc add dev eth1 parent 1:1 handle 10: pfifo limit 1000" in calls


@pytest.mark.parametrize(("script", "args"), [(BOX_SIDE, ("0", "0")), (WEB_SIDE, ("0",))])
def test_a_rate_of_0_only_removes_the_shaping(run, script: Path, args: tuple[str, ...]) -> None:
    result, calls = run(script, *args)

    assert result.returncode == 0, result.stderr
    assert [call.split()[:3] for call in calls] == [["tc", "qdisc", "del"]]


@pytest.mark.parametrize(("script", "args"), [(BOX_SIDE, ("0", "fast")), (WEB_SIDE, ("12.5",))])
def test_a_rate_that_is_not_a_whole_number_is_refused_before_tc_runs(run, script: Path,
                                                                     args: tuple[str, ...]) -> None:
    result, calls = run(script, *args)

    assert result.returncode == 64
    assert "whole number" in result.stderr
    assert calls == []
