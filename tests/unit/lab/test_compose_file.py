"""compose.yaml keeps the lab's promises: loopback-only ports, a healthcheck on
every service, health-gated start order, and docs/architecture.md's networks and aliases."""
from __future__ import annotations

from typing import Any

import pytest
import yaml

from lab.config import REPO_ROOT
from lab.topology import FRONT_NETWORK, LIVE_ALIASES, SERVICES, WEB_SERVICES, own_alias


class UniqueKeyLoader(yaml.SafeLoader):
    """Compose v2 refuses a mapping with a key twice; PyYAML would keep the last."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        keys = [key.value for key, _ in node.value if key.tag != "tag:yaml.org,2002:merge"]
        duplicates = {key for key in keys if keys.count(key) > 1}
        if duplicates:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate keys {duplicates}", node.start_mark)
        return super().construct_mapping(node, deep=deep)


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.load((REPO_ROOT / "compose.yaml").read_text(), Loader=UniqueKeyLoader)


def test_compose_defines_exactly_the_lab_services(compose: dict[str, Any]) -> None:
    assert sorted(compose["services"]) == sorted(SERVICES)


def test_every_published_port_is_bound_to_loopback(compose: dict[str, Any]) -> None:
    ports = [port for service in compose["services"].values() for port in service.get("ports", [])]

    assert ports, "nothing is published"
    assert all(port.startswith("127.0.0.1:") for port in ports), ports


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_has_a_healthcheck(compose: dict[str, Any], service: str) -> None:
    healthcheck = compose["services"][service]["healthcheck"]

    assert healthcheck["test"][0] == "CMD"
    assert {"interval", "timeout", "retries", "start_period"} <= set(healthcheck)


def test_ats_waits_for_the_web_containers_to_start_not_to_be_healthy(compose: dict[str, Any]) -> None:
    depends_on = compose["services"]["ats"]["depends_on"]

    assert depends_on == {service: {"condition": "service_started"} for service in WEB_SERVICES}


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_is_started_again_when_it_exits_by_itself(compose: dict[str, Any], service: str) -> None:
    assert compose["services"][service]["restart"] == "unless-stopped"


@pytest.mark.parametrize("service", WEB_SERVICES)
def test_web_container_has_its_own_alias_on_front_and_reaches_back(compose: dict[str, Any], service: str) -> None:
    networks = compose["services"][service]["networks"]

    assert networks[FRONT_NETWORK]["aliases"] == [own_alias(service)]
    assert "back" in networks


def test_live_aliases_are_left_to_the_lab_not_to_compose(compose: dict[str, Any]) -> None:
    aliases = [alias for service in WEB_SERVICES for alias in compose["services"][service]["networks"][FRONT_NETWORK]["aliases"]]

    assert not set(LIVE_ALIASES) & set(aliases)


def test_compose_file_avoids_what_compose_v1_rejects(compose: dict[str, Any]) -> None:
    assert "name" not in compose
    for service in compose["services"].values():
        assert "start_interval" not in service.get("healthcheck", {})
        for dependency in (service.get("depends_on") or {}).values():
            assert set(dependency) <= {"condition"}
