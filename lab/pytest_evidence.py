"""pytest plugin: when a test that talks to the lab fails, save the lab's
evidence (lab.evidence) before anything tears the lab down, and print where.

Tests that talk to the lab carry the `integration` or `lifecycle` marker.
Enable with `-p lab.pytest_evidence` (tests/conftest.py does).
"""
from __future__ import annotations

import pytest

from lab import config as lab_config
from lab import evidence
from lab import state as lab_state
from lab.errors import LabError

LAB_MARKERS = ("integration", "lifecycle")


class EvidenceOnFailure:
    def __init__(self) -> None:
        self.failed: list[str] = []
        self.message = ""

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.failed and any(marker in report.keywords for marker in LAB_MARKERS):
            self.failed.append(report.nodeid)

    def pytest_sessionfinish(self) -> None:
        if not self.failed:
            return
        from lab.compose import Compose
        from lab.docker_ops import DockerLab

        try:
            config = lab_config.load()
            folder = evidence.collect(config, Compose(config, lab_state.load(config)),
                                      DockerLab(config.project), f"{len(self.failed)}-tests-failed")
            self.message = f"lab: evidence of {len(self.failed)} failed test(s) saved in {folder}"
        except LabError as error:
            self.message = f"lab: could not save the evidence of the failed tests: {error}"

    def pytest_terminal_summary(self, terminalreporter) -> None:
        if self.message:
            terminalreporter.write_sep("=", "lab evidence")
            terminalreporter.write_line(self.message)


def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.register(EvidenceOnFailure(), "lab-evidence-on-failure")
