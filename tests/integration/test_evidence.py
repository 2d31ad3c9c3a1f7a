"""A failing test run leaves compose ps, every service's log and processes and
ATS's logs in an artifacts folder, saved the moment the test fails (before a
later test can change or stop the lab), and says where."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from lab.config import REPO_ROOT, LabConfig
from lab.topology import SERVICES

# The second test stands for whatever runs next (a swap, `make down`): the
# evidence of the first must already be there when it starts.
FAILING_RUN = """
import pytest

from lab.config import REPO_ROOT

pytestmark = pytest.mark.integration


def test_that_fails():
    assert 1 == 2


def test_that_runs_next():
    assert any(folder.name.endswith("-failed-test_that_fails") for folder in (REPO_ROOT / "artifacts").iterdir())
"""


def test_failed_run_saves_compose_ps_every_log_and_process_list_at_once_and_prints_the_folder(
    config: LabConfig, docker_lab, tmp_path: Path
) -> None:
    (tmp_path / "test_fails.py").write_text(FAILING_RUN)

    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "lab.pytest_evidence", "-o", "markers=integration",
         "-p", "no:cacheprovider", str(tmp_path)],
        check=False, capture_output=True, text=True, cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        timeout=300,
    )

    assert result.returncode == 1, result.stdout + result.stderr
    assert "1 failed, 1 passed" in result.stdout, result.stdout
    match = re.search(r"evidence of \S+::test_that_fails saved in (\S+)", result.stdout)
    assert match, result.stdout
    folder = Path(match.group(1))
    try:
        assert folder.parent == config.artifacts_dir
        assert "sd1a" in (folder / "compose-ps.txt").read_text()
        assert sorted(path.stem for path in (folder / "logs").glob("*.log")) == sorted(SERVICES)
        assert sorted(path.stem for path in (folder / "processes").glob("*.txt")) == sorted(SERVICES)
        assert "apache2 -DFOREGROUND" in (folder / "processes" / "sd2.txt").read_text()
        assert (folder / "ats" / "trafficserver" / "diags.log").exists()
    finally:
        shutil.rmtree(folder)
