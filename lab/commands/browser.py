"""`lab browser`: the browser tests (tests/browser) against the running lab:
Debian's Chromium, headless, driven by Selenium, in a container of its own
(sdlab/browser, built here from Debian packages) on the host's network, so it
reaches the lab's published port under the browser names as a person's
browser on this machine does. When a test fails, the lab's evidence is saved
with a screenshot of every step of each failed test."""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Callable

from lab import evidence, images
from lab import state as lab_state
from lab.compose import Compose
from lab.config import LabConfig
from lab.docker_ops import DockerLab
from lab.health import require_running

Output = Callable[[str], None]


def run(config: LabConfig, lab: DockerLab, out: Output) -> int:
    require_running(config, lab)
    images.ensure_base(config, out)
    image = images.build(images.BROWSER, config.root, out=out)
    screenshots = Path(tempfile.mkdtemp(prefix="sdlab-browser-"))
    out(f"lab: the browser tests against {config.http_base} (Chromium in {image})")
    status = lab.run_to_end(
        image,
        volumes={config.root / "tests" / "browser": ("/tests", "ro"), config.root / "lab": ("/sdlab/lab", "ro"),
                 screenshots: ("/artifacts", "rw")},
        environment={"LAB_HTTP_PORT": str(config.http_port), "DEMO_PASSWORD": config.get("DEMO_PASSWORD"),
                     "PYTHONPATH": "/sdlab"},
        out=out,
    )
    if status == 0:
        shutil.rmtree(screenshots)
        return status
    folder = evidence.collect(config, Compose(config, lab_state.load(config)), lab, "browser-tests-failed")
    shutil.move(str(screenshots), folder / "browser")
    out(f"lab: evidence of the failed browser tests, with a screenshot of every step, saved in {folder}")
    return status
