"""`lab test`: everything tested, in a lab of its own (lab.testlab), so that a
developer's lab, up or not, is left exactly as it was. Each step is the `make`
target a user would run, pointed at the test lab through LAB_ENV_FILE; the
first that fails ends the run. The test lab is removed at the end, volumes
included, whatever the outcome, unless `keep` asks to leave it up to look at."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import IO, Callable

from lab import testlab
from lab.config import LabConfig

Output = Callable[[str], None]
# In order (a `make` command line each); `unit` needs no lab, the rest run
# against the test lab. The benchmark's quick subset checks that it runs and
# writes its report. The lifecycle tests come before the Compose v1 pass:
# one Compose's `up` recreates every container the other made, so the other
# way round the lab was recreated twice (v1's pass, then lifecycle's first
# `make up`); this way v1 starts the lab lifecycle left down.
STEPS = ("integration", "scenarios", "browser", "bench quick=1", "lifecycle", "compose-v1", "real-spacedock")
# needs a SpaceDock checkout (CI clones SpaceDock's bundle), else it is skipped
NEEDS_SPACEDOCK = "real-spacedock"
# The real SpaceDock's images (a branch each, and the commits its scenarios
# play) are built in the background from this step on, at the lowest CPU
# priority: these steps mostly wait for containers, the builds mostly for
# npm, PyPI and Docker.
BUILD_FROM = "lifecycle"


def make(config: LabConfig, command: str, environment: dict[str, str] | None = None) -> int:
    return subprocess.run(["make", "--no-print-directory", *command.split()], cwd=config.root, env=environment,
                          check=False).returncode


class Beside:
    """A command run in the background beside the steps, its output in a
    log, its end awaited where it is needed."""

    def __init__(self, what: str, command: list[str], config: LabConfig, environment: dict[str, str],
                 log: Path) -> None:
        self.what = what
        self.log = log
        log.parent.mkdir(parents=True, exist_ok=True)
        self.output: IO[str] = log.open("w")
        self.process = subprocess.Popen(command, cwd=config.root, env=environment, stdout=self.output,
                                        stderr=subprocess.STDOUT, text=True)

    def finish(self, out: Output, *, show: bool = False) -> int:
        """Wait for it; its output is printed if `show`, else the end of it if it failed."""
        out(f"lab: waiting for {self.what}, run meanwhile (log: {self.log})")
        status = self.process.wait()
        self.output.close()
        lines = self.log.read_text().splitlines()
        if show:
            out("\n".join(lines))
        elif status != 0:
            out(f"lab: {self.what} failed (exit {status}); the end of the log:\n" + "\n".join(lines[-15:]))
        return status

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait()
        self.output.close()


def prebuild(config: LabConfig, environment: dict[str, str], state_dir: Path) -> Beside:
    """`lab build --scenarios` under APP=spacedock, at the lowest CPU priority."""
    return Beside("the real SpaceDock's images", ["nice", "-n", "19", sys.executable, "-m", "lab", "build", "--scenarios"],
                  config, {**environment, "APP": "spacedock"}, state_dir / "real-spacedock-build.log")


def run(config: LabConfig, out: Output, *, keep: bool = False) -> int:
    started = time.monotonic()
    if testlab.remove(config, testlab.TEST_LAB):
        out("lab: removed the test lab a previous run left")
    lab = testlab.prepare(config, testlab.TEST_LAB)
    out(lab.describe())
    environment = lab.environment()
    spacedock = bool(config.settings.get("SPACEDOCK_SRC"))
    # the unit tests (CPU) run while the images build and the lab starts (mostly waits)
    unit = Beside("the unit tests", ["make", "--no-print-directory", "unit"], config, dict(os.environ),
                  lab.config.state_dir / "unit.log")
    images: Beside | None = None
    try:
        for target in ("up", *STEPS):
            if target == NEEDS_SPACEDOCK and not spacedock:
                out(f"lab: SPACEDOCK_SRC names no SpaceDock checkout: `make {target}` is skipped")
                continue
            if target == BUILD_FROM and spacedock:
                images = prebuild(config, environment, lab.config.state_dir)
            if target == NEEDS_SPACEDOCK and images:
                images.finish(out)
            status = make(config, target, environment)
            if target == "up" and status == 0:
                status = unit.finish(out, show=True)
                if status != 0:
                    out(f"lab: the unit tests failed (exit {status}); the steps after them did not run")
                    break
            if status != 0:
                out(f"lab: `make {target}` failed (exit {status}) in the test lab; the steps after it did not run")
                break
        if keep and status == 0:
            # the last steps leave it under Compose v1 or APP=spacedock: bring it back as configured to look at
            status = make(config, "up", environment)
    finally:
        unit.stop()
        if images:
            images.stop()
        if keep:
            out(lab.describe())
            out("lab: the test lab is left up (keep=1); remove it with: make test-clean")
        else:
            testlab.remove(config, testlab.TEST_LAB)
            out(f"lab: the test lab {lab.config.project} is removed (containers, networks, volumes, state)")
    out(f"lab: the test run took {time.monotonic() - started:.0f} s")
    return status
