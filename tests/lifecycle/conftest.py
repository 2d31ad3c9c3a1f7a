"""The lab's own lifecycle: these tests run `make up` and `make down` themselves
and leave the lab down. `make test` runs them after the integration tests."""
from __future__ import annotations

from pathlib import Path

import pytest

HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.lifecycle)
