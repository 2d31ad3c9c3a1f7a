"""A fault measured against its bounds: the figures, and for each bound
whether the measurement kept it."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Bound:
    what: str
    measured: float
    limit: float
    unit: str = " s"

    @property
    def kept(self) -> bool:
        return self.measured <= self.limit

    def line(self) -> str:
        return (f"  {'within' if self.kept else 'OUTSIDE'} its bound: {self.what}: {self.measured:g}{self.unit} "
                f"(at most {self.limit:g}{self.unit})")


@dataclass(frozen=True)
class FaultReport:
    name: str
    facts: list[str] = field(default_factory=list)
    bounds: list[Bound] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(bound.kept for bound in self.bounds)

    def render(self) -> str:
        verdict = "within every bound" if self.ok else "OUTSIDE a bound"
        return "\n".join([f"{self.name}: {verdict}", *(f"  {fact}" for fact in self.facts),
                          *(bound.line() for bound in self.bounds)])
