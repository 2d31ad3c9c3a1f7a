"""What the lab remembers between runs (.lab/state.json): which production
container is live, and which image each web container runs if it was deployed
from a git ref. `make down` / `make up` keep it; `make clean` forgets it."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from lab.config import LabConfig
from lab.topology import DEFAULT_LIVE, PRODUCTION_PAIR


@dataclass
class LabState:
    live: str = DEFAULT_LIVE
    # service -> image, for containers deployed from a git ref (make swap REF=...)
    images: dict[str, str] = field(default_factory=dict)

    @property
    def idle(self) -> str:
        return next(name for name in PRODUCTION_PAIR if name != self.live)

    def compose_environment(self) -> dict[str, str]:
        """compose.yaml reads each web container's image from <SERVICE>_IMAGE."""
        return {f"{service.upper()}_IMAGE": image for service, image in self.images.items()}


def _path(config: LabConfig) -> Path:
    return config.state_dir / "state.json"


def load(config: LabConfig) -> LabState:
    path = _path(config)
    if not path.exists():
        return LabState()
    data = json.loads(path.read_text())
    state = LabState(live=data.get("live", DEFAULT_LIVE), images=dict(data.get("images", {})))
    if state.live not in PRODUCTION_PAIR:
        state.live = DEFAULT_LIVE
    return state


def save(config: LabConfig, state: LabState) -> None:
    path = _path(config)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(asdict(state), indent=2) + "\n")
    temporary.replace(path)
