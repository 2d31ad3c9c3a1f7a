"""`lab test`: everything tested, in a lab of its own (lab.testlab), so that a
developer's lab, up or not, is left exactly as it was. Each step is the `make`
target a user would run, pointed at the test lab through LAB_ENV_FILE; the
first that fails ends the run. The test lab is removed at the end, volumes
included, whatever the outcome, unless `keep` asks to leave it up to look at."""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Callable, IO

from lab import testlab
from lab.config import LabConfig

Output = Callable[[str], None]
NAME = "test"
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


class Prebuild:
    """`lab build --scenarios` under APP=spacedock in the background (nice 19),
    its output in a log."""

    def __init__(self, config: LabConfig, environment: dict[str, str], log: Path) -> None:
        self.log = log
        log.parent.mkdir(parents=True, exist_ok=True)
        self.output: IO[str] = log.open("w")
        self.process = subprocess.Popen(["nice", "-n", "19", sys.executable, "-m", "lab", "build", "--scenarios"],
                                        cwd=config.root,
                                        env={**environment, "APP": "spacedock"}, stdout=self.output,
                                        stderr=subprocess.STDOUT, text=True)

    def finish(self, out: Output) -> None:
        """Wait for it; a failed build is left to the step that needs it to report."""
        out(f"lab: waiting for the real SpaceDock's images, built meanwhile (log: {self.log})")
        status = self.process.wait()
        self.output.close()
        if status != 0:
            out(f"lab: building them failed (exit {status}); the end of its log:\n"
                + "\n".join(self.log.read_text().splitlines()[-15:]))

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait()
        self.output.close()


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
    spacedock = bool(config.settings.get("SPACEDOCK_SRC"))
    prebuild: Prebuild | None = None
    try:
        for target in ("up", *STEPS):
            if target == NEEDS_SPACEDOCK and not spacedock:
                out(f"lab: SPACEDOCK_SRC names no SpaceDock checkout: `make {target}` is skipped")
                continue
            if target == BUILD_FROM and spacedock:
                prebuild = Prebuild(config, environment, lab.config.state_dir / "real-spacedock-build.log")
            if target == NEEDS_SPACEDOCK and prebuild:
                prebuild.finish(out)
            status = make(config, target, environment)
            if status != 0:
                out(f"lab: `make {target}` failed (exit {status}) in the test lab; the steps after it did not run")
                break
        if keep and status == 0:
            # the last steps leave it under Compose v1 or APP=spacedock: bring it back as configured to look at
            status = make(config, "up", environment)
    finally:
        if prebuild:
            prebuild.stop()
        if keep:
            out(lab.describe())
            out("lab: the test lab is left up (keep=1); remove it with: make test-clean")
        else:
            testlab.remove(config, NAME)
            out(f"lab: the test lab {lab.config.project} is removed (containers, networks, volumes, state)")
    out(f"lab: the test run took {time.monotonic() - started:.0f} s")
    return status
