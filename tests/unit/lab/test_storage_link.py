"""The storage link's settings: STORAGE_RATE_MBIT and STORAGE_DELAY_MS, with
STORAGE_PROFILE's preset for those left at 0."""
from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lab import storage_link
from lab.config import LabConfig
from lab.errors import LabError
from lab.storage_link import Link


def config_with(**settings: str) -> LabConfig:
    defaults = {"STORAGE_PROFILE": "", "STORAGE_RATE_MBIT": "0", "STORAGE_DELAY_MS": "0"}
    return LabConfig(root=Path("/lab"), settings={**defaults, **settings})


def test_no_profile_and_no_settings_leave_the_bridge_as_it_is() -> None:
    assert storage_link.configured(config_with()) == Link(0, 0)


def test_the_production_profile_gives_production_s_rate() -> None:
    assert storage_link.configured(config_with(STORAGE_PROFILE="production")) == Link(rate_mbit=120, delay_ms=0)


def test_a_rate_set_beside_the_profile_wins_over_its_preset() -> None:
    link = storage_link.configured(config_with(STORAGE_PROFILE="production", STORAGE_RATE_MBIT="40"))

    assert link.rate_mbit == 40


def test_an_unknown_profile_is_refused_naming_the_known_ones() -> None:
    with pytest.raises(LabError, match="one of production, not 'wan'"):
        storage_link.configured(config_with(STORAGE_PROFILE="wan"))


@given(st.text(min_size=1).filter(lambda value: not (value.isascii() and value.isdigit())))
def test_a_rate_that_is_not_a_whole_number_is_refused(value: str) -> None:
    with pytest.raises(LabError, match="STORAGE_RATE_MBIT must be a whole number"):
        storage_link.configured(config_with(STORAGE_RATE_MBIT=value))


def test_compose_hands_the_containers_the_resolved_figures() -> None:
    settings = storage_link.compose_settings(config_with(STORAGE_PROFILE="production"))

    assert settings == {"STORAGE_RATE_MBIT": "120", "STORAGE_DELAY_MS": "0"}
