"""Production's bugs on SpaceDock's own commits (`make scenario` under
APP=spacedock): each appears on the commit production ran and is gone on the
commit that fixed it, where one exists, and the lab is afterwards as before."""
from __future__ import annotations

import pytest

from lab.config import LabConfig
from lab.docker_ops import DockerLab
from lab.scenarios import catalogue
from lab.scenarios.bugs import REAL_CATALOGUE
from lab.scenarios.catalogue import Scenario


@pytest.mark.parametrize("scenario", REAL_CATALOGUE, ids=lambda scenario: scenario.name)
def test_the_bug_appears_on_production_s_commit_and_is_gone_on_the_fix(
        config: LabConfig, docker_lab: DockerLab, scenario: Scenario) -> None:
    lines: list[str] = []

    verdict = catalogue.play(scenario, config, docker_lab, lines.append)

    report = "\n".join([*lines, verdict.line()])
    assert verdict.production.symptom, report
    assert verdict.fixed is None or not verdict.fixed.symptom, report
    assert verdict.put_back, report
