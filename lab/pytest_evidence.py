"""pytest plugin: when a test that talks to the lab fails, save the lab's
evidence (lab.evidence) at once, while the lab is as the test left it (a
later test may swap it, stop a service or run `make down`), and print where.

Tests that talk to the lab carry the `integration` or `lifecycle` marker.
The first MAX_FOLDERS failures each get a folder; later ones are listed.
Enable with `-p lab.pytest_evidence` (tests/conftest.py does).
"""
from __future__ import annotations

import pytest

from lab import config as lab_config
from lab import evidence
from lab import state as lab_state
from lab.errors import LabError

LAB_MARKERS = ("integration", "lifecycle")
MAX_FOLDERS = 3


class EvidenceOnFailure:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.failures = 0

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if not (report.failed and any(marker in report.keywords for marker in LAB_MARKERS)):
            return
        self.failures += 1
        if self.failures > MAX_FOLDERS:
            self.lines.append(f"lab: {report.nodeid} failed too (no more evidence saved: see the folders above)")
            return
        self.lines.append(self._collect(report.nodeid))

    @staticmethod
    def _collect(nodeid: str) -> str:
        from lab.compose import Compose
        from lab.docker_ops import DockerLab

        test = nodeid.rsplit("::", 1)[-1]
        try:
            config = lab_config.load()
            folder = evidence.collect(config, Compose(config, lab_state.load(config)),
                                      DockerLab(config.project), f"failed-{test}")
        except LabError as error:
            return f"lab: could not save the evidence of {nodeid}: {error}"
        return f"lab: evidence of {nodeid} saved in {folder}"

    def pytest_terminal_summary(self, terminalreporter) -> None:
        if self.lines:
            terminalreporter.write_sep("=", "lab evidence")
            for line in self.lines:
                terminalreporter.write_line(line)


def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.register(EvidenceOnFailure(), "lab-evidence-on-failure")
