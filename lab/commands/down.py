"""`lab down`: remove the lab's containers and networks. Data volumes stay
(`make clean` removes them); so does .lab/state.json, so the same production
container is live after the next `up`."""
from __future__ import annotations

from lab import state as lab_state
from lab.compose import Compose
from lab.config import LabConfig


def run(config: LabConfig) -> None:
    Compose(config, lab_state.load(config)).down()
