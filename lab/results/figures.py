"""A benchmark's figures: each a set of samples of one quantity, shown as its
median with the lowest and highest sample; comparisons are ratios of two
medians measured in the same run."""
from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass, field
from typing import Any

# "a median of at least 5 samples"
MIN_SAMPLES = 5


@dataclass(frozen=True)
class Figure:
    """One cell of a table: `row` × `column` of `table`, in `unit`."""
    table: str
    row: str
    column: str
    unit: str
    samples: tuple[float, ...]

    def __post_init__(self) -> None:
        if len(self.samples) < MIN_SAMPLES:
            raise ValueError(f"{self.table}: {self.row}, {self.column}: {len(self.samples)} samples, "
                             f"fewer than {MIN_SAMPLES}")

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def low(self) -> float:
        return min(self.samples)

    @property
    def high(self) -> float:
        return max(self.samples)


@dataclass(frozen=True)
class Count:
    """A share counted over a whole step rather than sampled: `part` of `whole`."""
    table: str
    row: str
    column: str
    part: int
    whole: int

    @property
    def percent(self) -> float:
        return 100.0 * self.part / self.whole if self.whole else 0.0


@dataclass(frozen=True)
class Unavailable:
    """A figure this host cannot give, and why."""
    table: str
    row: str
    reason: str


@dataclass(frozen=True)
class Observation:
    """What one event showed, in words: a figure that is not sampled (a
    storage outage of minutes is watched once)."""
    table: str
    row: str
    text: str


@dataclass
class Results:
    """Everything one `make bench` run measured, and where."""
    started: str
    machine: dict[str, str]
    quick: bool
    figures: list[Figure] = field(default_factory=list)
    counts: list[Count] = field(default_factory=list)
    unavailable: list[Unavailable] = field(default_factory=list)
    observations: list[Observation] = field(default_factory=list)

    def add(self, table: str, row: str, column: str, unit: str, samples: list[float]) -> Figure:
        figure = Figure(table, row, column, unit, tuple(samples))
        self.figures.append(figure)
        return figure

    def find(self, table: str, row: str, column: str) -> Figure | None:
        return next((f for f in self.figures if (f.table, f.row, f.column) == (table, row, column)), None)

    def to_json(self) -> dict[str, Any]:
        return {"started": self.started, "machine": self.machine, "quick": self.quick,
                "figures": [asdict(figure) for figure in self.figures],
                "counts": [asdict(count) for count in self.counts],
                "unavailable": [asdict(item) for item in self.unavailable],
                "observations": [asdict(item) for item in self.observations]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Results:
        return cls(data["started"], data["machine"], data["quick"],
                   [Figure(**{**item, "samples": tuple(item["samples"])}) for item in data["figures"]],
                   [Count(**item) for item in data["counts"]],
                   [Unavailable(**item) for item in data["unavailable"]],
                   [Observation(**item) for item in data.get("observations", [])])


def ratio(figure: Figure, baseline: Figure) -> float:
    """How many times the baseline's median the figure's is (same run)."""
    return figure.median / baseline.median
