"""Each production bug of the lab's app (the stand-in's, or under APP=spacedock
SpaceDock's own on its commits) appears with production's configuration and
is gone with its fix, where one exists upstream, and the lab is afterwards as
it was before (settings, live container, cache generation, every service
healthy). `make scenarios` runs it on the stand-in, `make real-spacedock`
on SpaceDock's code."""
from __future__ import annotations

import pytest

from lab import config as lab_config
from lab.app import app_for
from lab.config import LabConfig
from lab.docker_ops import DockerLab
from lab.scenarios import catalogue, engine
from lab.scenarios.engine import Scenario


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "scenario" in metafunc.fixturenames:
        metafunc.parametrize("scenario", catalogue.bugs_for(app_for(lab_config.load())),
                             ids=lambda scenario: scenario.name)


def test_the_symptom_appears_with_production_s_configuration_and_is_gone_with_the_fix(
        config: LabConfig, docker_lab: DockerLab, scenario: Scenario) -> None:
    lines: list[str] = []

    verdict = engine.play(scenario, config, docker_lab, lines.append)

    report = "\n".join([*lines, verdict.line()])
    assert verdict.production.symptom, report
    assert verdict.fixed is None or not verdict.fixed.symptom, report
    assert verdict.put_back, report
