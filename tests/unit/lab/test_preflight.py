"""Without Docker or Compose the lab stops at once and says how to get them."""
from __future__ import annotations

import pytest

from lab import preflight


def test_missing_docker_cli_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(preflight.shutil, "which", lambda name: None)

    problems = preflight.problems(environ={})

    assert len(problems) == 1
    assert "Docker is not installed" in problems[0]
    assert "apt-get install docker.io" in problems[0]


def test_engine_that_does_not_answer_and_missing_compose_are_both_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(preflight.shutil, "which", lambda name: "/usr/bin/docker" if name == "docker" else None)
    monkeypatch.setattr(preflight, "_answers", lambda command, timeout_s=20: (False, "Cannot connect to the Docker daemon"))

    problems = preflight.problems(environ={})

    assert "does not answer (docker info: Cannot connect to the Docker daemon)" in problems[0]
    assert "Docker Compose is missing" in problems[1]


def test_compose_v2_is_preferred_over_v1(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(preflight.shutil, "which", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr(preflight, "_answers", lambda command, timeout_s=20: (True, ""))

    assert preflight.detect_compose(environ={}) == ["docker", "compose"]


def test_compose_v1_is_used_when_v2_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(preflight.shutil, "which", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr(preflight, "_answers", lambda command, timeout_s=20: (command[:2] != ["docker", "compose"], ""))

    assert preflight.detect_compose(environ={}) == ["docker-compose"]


def test_compose_variable_chooses_the_flavour() -> None:
    assert preflight.detect_compose(environ={"COMPOSE": "docker-compose"}) == ["docker-compose"]


def test_missing_openssl_is_reported_with_how_to_get_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(preflight.shutil, "which", lambda name: None if name == "openssl" else f"/usr/bin/{name}")
    monkeypatch.setattr(preflight, "_answers", lambda command, timeout_s=20: (True, "ok"))

    problems = preflight.problems(environ={})

    assert problems == ["openssl is missing (it makes the lab CA for ATS's TLS port): "
                        "install it (Debian: sudo apt-get install openssl)."]
