"""Commands and test targets that change what a developer's own lab holds say
so before they start and ask; without a terminal to ask on they are refused
unless told yes. A second lab (the test lab of `make test`, made by
lab.testlab) is never asked: it exists to be changed."""
from __future__ import annotations

from typing import Callable, Sequence, TextIO

from lab.config import LabConfig
from lab.errors import LabError

Output = Callable[[str], None]

# What each test target does to the lab it runs against, and what it puts back.
TEST_TARGETS: dict[str, tuple[str, ...]] = {
    "integration": (
        "stops, kills and restarts services, and switches some to other settings for a while (put back)",
        "swaps production several times and deploys the working tree's image to the idle container "
        "(the images deployed before are put back)",
        "publishes test mods and writes test files in the storage box and the databases",
    ),
    "lifecycle": (
        "runs make up, make swap and make down on it (it is brought up again afterwards, on the same live "
        "container, if it was up)",
    ),
}
BENCH = (
    "publishes 1 MB and 50 MB mods on every site (removed afterwards)",
    "switches sd6's storage mode and swaps production six times (put back, on the same live container)",
    "with lab=1: removes the lab's images and runs make up repeatedly",
)


def is_second_lab(config: LabConfig) -> bool:
    return config.state_dir != config.root / ".lab"


def confirm(config: LabConfig, what: str, changes: Sequence[str], out: Output, answers: TextIO, *,
            yes: bool = False, beyond_the_lab: bool = False) -> None:
    """Return if the person agrees (or `yes`, or a second lab, unless what it
    changes reaches `beyond_the_lab`); else LabError, nothing having been done."""
    if yes or (is_second_lab(config) and not beyond_the_lab):
        return
    out(f"lab: {what} changes your lab {config.project}:")
    for change in changes:
        out(f"  - {change}")
    if not answers.isatty():
        raise LabError(f"{what} changes your lab and there is no terminal to ask; nothing was done",
                       hint="add yes=1 to go on")
    out("Go on? [y/N]")
    if answers.readline().strip().lower() not in ("y", "yes"):
        raise LabError(f"{what}: not confirmed; nothing was done")
