"""`lab test`: everything tested, in a lab of its own (lab.testlab), so that a
developer's lab, up or not, is left exactly as it was. Each step is the `make`
target a user would run, pointed at the test lab through LAB_ENV_FILE; the
first that fails ends the run. The test lab is removed at the end, volumes
included, whatever the outcome, unless `keep` asks to leave it up to look at."""
from __future__ import annotations

import subprocess
import time
from typing import Callable

from lab import testlab
from lab.config import LabConfig

Output = Callable[[str], None]
NAME = "test"
# In order; `unit` needs no lab, the rest run against the test lab.
STEPS = ("integration", "scenarios", "browser", "compose-v1", "lifecycle", "real-spacedock")
# needs a SpaceDock checkout (CI clones SpaceDock's bundle), else it is skipped
NEEDS_SPACEDOCK = "real-spacedock"


def make(config: LabConfig, target: str, environment: dict[str, str] | None = None) -> int:
    return subprocess.run(["make", "--no-print-directory", target], cwd=config.root, env=environment,
                          check=False).returncode


def run(config: LabConfig, out: Output, *, keep: bool = False) -> int:
    started = time.monotonic()
    status = make(config, "unit")
    if status != 0:
        out(f"lab: the unit tests failed (exit {status}); no lab was started")
        return status
    if testlab.remove(config, NAME):
        out("lab: removed the test lab a previous run left")
    lab = testlab.prepare(config, NAME)
    out(lab.describe())
    environment = lab.environment()
    try:
        for target in ("up", *STEPS):
            if target == NEEDS_SPACEDOCK and not config.settings.get("SPACEDOCK_SRC"):
                out(f"lab: SPACEDOCK_SRC names no SpaceDock checkout: `make {target}` is skipped")
                continue
            status = make(config, target, environment)
            if status != 0:
                out(f"lab: `make {target}` failed (exit {status}) in the test lab; the steps after it did not run")
                break
        if keep and status == 0:
            # the lifecycle tests end with the lab down: bring it back to look at
            status = make(config, "up", environment)
    finally:
        if keep:
            out(lab.describe())
            out("lab: the test lab is left up (keep=1); remove it with: make test-clean")
        else:
            testlab.remove(config, NAME)
            out(f"lab: the test lab {lab.config.project} is removed (containers, networks, volumes, state)")
    out(f"lab: the test run took {time.monotonic() - started:.0f} s")
    return status
