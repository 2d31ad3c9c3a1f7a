"""The scenario catalogue against the running lab (`make up` first): each test
talks to the lab, so it is marked `integration` (evidence saved on failure)."""
from __future__ import annotations

from pathlib import Path

import pytest

HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.integration)
