"""One command at a time changes a lab (lab.lock): a second waits, then
refuses in one line naming the holder; the holder's own children go through;
a holder that dies, even by SIGKILL, lets the next one in."""
from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lab import cli
from lab import config as lab_config
from lab import lock
from lab.config import REPO_ROOT, LabConfig
from lab.errors import ExitStatus, LabBusy, LabError

HOLD = """
import sys, time
from pathlib import Path
from lab import lock
with lock.held(Path(sys.argv[1]), "`lab bench`", wait_s=0):
    print("held", flush=True)
    time.sleep(60)
"""


@pytest.fixture
def holder(tmp_path: Path):
    """Another process holding the lock on tmp_path/lock as `lab bench`."""
    process = subprocess.Popen([sys.executable, "-c", HOLD, str(tmp_path / "lock")], cwd=REPO_ROOT,
                               stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline() == "held\n"
    yield process
    process.kill()
    process.wait()
    process.stdout.close()


def test_a_second_command_is_refused_naming_the_one_that_holds_the_lab(tmp_path: Path, holder) -> None:
    started = time.monotonic()

    with pytest.raises(LabBusy, match=rf"the lab is busy: `lab bench` \(pid {holder.pid}, since .*\) holds it"):
        with lock.held(tmp_path / "lock", "`lab swap`", wait_s=0.5):
            pytest.fail("two commands held the lab at once")

    assert 0.5 <= time.monotonic() - started < 5


def test_a_waiting_command_is_told_who_it_waits_for_once(tmp_path: Path, holder) -> None:
    told: list[str] = []

    with pytest.raises(LabBusy):
        with lock.held(tmp_path / "lock", "`lab swap`", wait_s=0.6, waiting=told.append):
            pass

    assert len(told) == 1 and told[0].startswith("`lab bench`")


@pytest.mark.parametrize("ending", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_a_holder_that_dies_lets_the_next_command_in(tmp_path: Path, holder, ending: int) -> None:
    holder.send_signal(ending)
    holder.wait()

    with lock.held(tmp_path / "lock", "`lab swap`", wait_s=2):
        assert (tmp_path / "lock").read_text().startswith("`lab swap`")


def test_the_holder_s_own_children_go_through(tmp_path: Path) -> None:
    child = f"from pathlib import Path\nfrom lab import lock\nwith lock.held(Path({str(tmp_path / 'lock')!r}), 'child', wait_s=0):\n    print('in')"

    with lock.held(tmp_path / "lock", "`lab bench`", wait_s=0):
        ran = subprocess.run([sys.executable, "-c", child], cwd=REPO_ROOT, capture_output=True, text=True,
                             check=False, env=os.environ)

    assert ran.stdout == "in\n", ran.stderr


def test_a_command_that_changes_the_lab_refuses_while_another_holds_it(tmp_path: Path, holder,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    config = LabConfig(root=tmp_path, settings={"LAB_STATE_DIR": "."})
    monkeypatch.setattr(lab_config, "load", lambda: config)
    monkeypatch.setattr(cli, "LOCK_WAIT_S", 0.3)
    err = io.StringIO()

    status = cli.main(["swap"], out=io.StringIO(), err=err)

    assert status == ExitStatus.ERROR
    assert err.getvalue().startswith(f"lab: error: the lab is busy: `lab bench` (pid {holder.pid}")
    assert err.getvalue().endswith("nothing was done; try: wait for it to end, then run this again\n")


def test_a_lock_taken_inside_another_leaves_the_outer_one_s_children_going_through(tmp_path: Path) -> None:
    child = (f"from pathlib import Path\nfrom lab import lock\n"
             f"with lock.held(Path({str(tmp_path / 'lab.lock')!r}), 'child', wait_s=0):\n    print('in')")

    with lock.held(tmp_path / "lab.lock", "`lab up`", wait_s=0):
        with lock.held(tmp_path / "tls.lock", "making the TLS files", wait_s=0):
            pass
        ran = subprocess.run([sys.executable, "-c", child], cwd=REPO_ROOT, capture_output=True, text=True,
                             check=False, env=os.environ)

    assert ran.stdout == "in\n", ran.stderr


def test_a_lock_folder_that_cannot_be_made_is_one_clear_error(tmp_path: Path) -> None:
    (tmp_path / "state").write_text("a file where the folder should be")

    with pytest.raises(LabError, match="cannot open the lock"):
        with lock.held(tmp_path / "state" / "lock", "`lab up`", wait_s=0):
            pass
