"""Each production bug of the catalogue appears with production's configuration
and is gone with its fix, and the lab is afterwards as it was before (settings,
live container, cache generation, every service healthy)."""
from __future__ import annotations

import pytest

from lab.config import LabConfig
from lab.docker_ops import DockerLab
from lab.scenarios import catalogue
from lab.scenarios.bugs import CATALOGUE
from lab.scenarios.catalogue import Scenario


@pytest.mark.parametrize("scenario", CATALOGUE, ids=lambda scenario: scenario.name)
def test_the_symptom_appears_with_production_s_configuration_and_is_gone_with_the_fix(
        config: LabConfig, docker_lab: DockerLab, scenario: Scenario) -> None:
    lines: list[str] = []

    verdict = catalogue.play(scenario, config, docker_lab, lines.append)

    report = "\n".join([*lines, verdict.line()])
    assert verdict.production.symptom, report
    assert not verdict.fixed.symptom, report
    assert verdict.put_back, report
