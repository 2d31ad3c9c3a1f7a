"""What the lab remembers between runs (.lab/state.json): which production
container is live, and which image each web container runs if it was deployed
from a git ref. `make down` / `make up` keep it; `make clean` forgets it."""
from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

from lab.config import LabConfig
from lab.errors import LabError
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


def path_of(config: LabConfig) -> Path:
    return config.state_dir / "state.json"


class StateUnreadable(LabError):
    """.lab/state.json is not what `save` writes (a hand edit, a disk that filled up)."""
    hint = "make status (it rebuilds the file from the running lab), or rm .lab/state.json"


def load(config: LabConfig) -> LabState:
    path = path_of(config)
    if not path.exists():
        return LabState()
    try:
        data = json.loads(path.read_text())
        live = data.get("live", DEFAULT_LIVE)
        images = {str(service): str(image) for service, image in data.get("images", {}).items()}
    except (ValueError, AttributeError, TypeError) as error:
        raise StateUnreadable(f"{path} is not the lab's state ({error})") from error
    return LabState(live=live if live in PRODUCTION_PAIR else DEFAULT_LIVE, images=images)


def save(config: LabConfig, state: LabState) -> None:
    """Written whole or not at all: a temporary file of this process's own,
    flushed to disk, then renamed over the old one."""
    path = path_of(config)
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=path.parent, prefix=".state-", suffix=".json", delete=False) as file:
        temporary = Path(file.name)
        try:
            file.write(json.dumps(asdict(state), indent=2) + "\n")
            file.flush()
            os.fsync(file.fileno())
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
    temporary.replace(path)
    # the rename itself on disk
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)
