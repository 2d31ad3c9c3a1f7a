"""The engine that plays production's bugs (the lists are in catalogue.py):
each scenario plays the steps of one SpaceDock incident on the running lab twice, first in production's configuration for that
bug, then with the fix, prints what a user would have seen, and ends with a
verdict. The lab is put back as configured, also when interrupted with Ctrl-C,
and checked: every container's settings, the live container, ATS's cache
generation and every service's health must be as before.

    python -m lab scenario                 the list, with each one's symptom
    python -m lab scenario <name>          play one
    python -m lab scenario all             play them all, then a table
"""
from __future__ import annotations

import hashlib
import time
import uuid
from contextlib import nullcontext
from dataclasses import dataclass, field
from functools import cached_property
from typing import Callable, ContextManager, Mapping, Sequence

import requests

from lab import state as lab_state
from lab.ats import TrafficServer
from lab.config import LabConfig
from lab.docker_ops import DockerLab
from lab.errors import LabError
from lab.http import LabClient, cache_result
from lab.smb import StorageBox
from lab.spacedock import client as spacedock_client
from lab.standin_client import StandInClient, logged_in
from lab.switches import Switchboard, deployed
from lab.tls import client as tls_client
from lab.topology import SERVICES

Output = Callable[[str], None]
PRODUCTION = "production"
FIXED = "fixed"


def short_sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:12]


@dataclass(frozen=True)
class Variant:
    """The lab's settings (.env names) for one play, and the services they concern;
    `healthy`: whether the play waits for them to be healthy (False: a setting
    they may never get healthy with, which the play itself watches). Under
    APP=spacedock, `refs`: the SpaceDock commit each service runs for the play
    (the settings then concern those services)."""
    settings: Mapping[str, str] = field(default_factory=dict)
    services: tuple[str, ...] = ()
    healthy: bool = True
    refs: Mapping[str, str] = field(default_factory=dict)

    def describe(self) -> str:
        commits = ", ".join(f"{service} at SpaceDock {ref}" for service, ref in self.refs.items())
        settings = " ".join(f"{key}={value}" for key, value in self.settings.items())
        return f"{commits} with {settings}" if commits and settings else commits or settings or "the lab as configured"


@dataclass(frozen=True)
class Seen:
    """What one play showed: whether the symptom appeared, and the figure that says so."""
    symptom: bool
    evidence: str


@dataclass
class Stage:
    """What a play works with: the lab, a client through ATS, names of its own."""
    config: LabConfig
    lab: DockerLab
    out: Output
    tag: str = field(default_factory=lambda: uuid.uuid4().hex[:8])

    @cached_property
    def client(self) -> LabClient:
        return self.visitor()

    def visitor(self, timeout_s: float | None = None, *, tls: bool = False) -> LabClient:
        """A new client through ATS (a browser with no cookie yet), tagged as
        the play; `tls`: through ATS's TLS port, trusting the lab CA."""
        extra = {} if timeout_s is None else {"timeout_s": timeout_s}
        if tls:
            return tls_client(self.config, test_tag=f"scenario {self.tag}", **extra)
        return LabClient(self.config.http_base, test_tag=f"scenario {self.tag}", **extra)

    def author(self, host: str) -> StandInClient:
        return logged_in(self.config, host, test_tag=f"scenario {self.tag}")

    def real_author(self, host: str) -> spacedock_client.RealSpaceDockClient:
        """The demo user `user` on the real SpaceDock (APP=spacedock), over TLS."""
        return spacedock_client.logged_in(self.config, host, test_tag=f"scenario {self.tag}")

    def name(self, prefix: str) -> str:
        """A mod name no other play or test uses."""
        return f"{prefix} {self.tag}{uuid.uuid4().hex[:4]}"

    def stored(self, share: str, path: str) -> bytes:
        return StorageBox(self.config, share).read(path)

    def fetch(self, host: str, path: str, what: str) -> requests.Response:
        """GET through ATS, printed as a user would have seen it."""
        response = self.client.get(path, host=host, debug=True)
        self.out(f"  {what}: GET {path} → {response.status_code}, {len(response.content)} bytes, "
                 f"sha256 {short_sha(response.content)}, cache {cache_result(response) or '-'}")
        return response


@dataclass(frozen=True)
class Scenario:
    name: str
    symptom: str
    fix: str
    upstream: str
    production: Variant
    # None: no fix upstream yet (the play shows the bug only)
    fixed: Variant | None
    # plays the steps once; told which variant it plays when the fix is the client's
    play: Callable[[Stage, str], Seen]


@dataclass(frozen=True)
class LabSnapshot:
    """What a scenario must leave as it found: each container's settings (its
    environment and memory limit), the live container, ATS's cache generation,
    and which services are not healthy."""
    settings: tuple[tuple[str, tuple[str, ...]], ...]
    live: str
    cache_generation: int | None
    unhealthy: tuple[str, ...]

    @staticmethod
    def take(config: LabConfig, lab: DockerLab) -> LabSnapshot:
        client = LabClient(config.http_base)
        healths = lab.healths(SERVICES)
        containers = lab.containers()
        settings = tuple((name, (*sorted(containers[name].attrs["Config"]["Env"]),
                                 f"memory limit {containers[name].attrs['HostConfig']['Memory']}",
                                 f"memory and swap limit {containers[name].attrs['HostConfig']['MemorySwap']}"))
                         for name in SERVICES)
        return LabSnapshot(settings, lab_state.load(config).live, TrafficServer.generation_in_use(client),
                           tuple(name for name, health in healths.items() if health != "healthy"))

    def differences(self, other: LabSnapshot) -> list[str]:
        changed = [f"{name}'s settings" for (name, mine), (_, theirs) in zip(self.settings, other.settings,
                                                                             strict=True) if mine != theirs]
        for what in ("live", "cache_generation", "unhealthy"):
            if getattr(self, what) != getattr(other, what):
                changed.append(f"{what.replace('_', ' ')}: {getattr(self, what)} then, {getattr(other, what)} now")
        return changed


@dataclass(frozen=True)
class Verdict:
    scenario: Scenario
    production: Seen
    fixed: Seen | None
    seconds: float
    put_back: bool

    @property
    def ok(self) -> bool:
        return self.production.symptom and not (self.fixed and self.fixed.symptom) and self.put_back

    def line(self) -> str:
        if not self.production.symptom:
            verdict = f"did not reproduce: {self.scenario.symptom}"
        elif self.fixed is None:
            verdict = f"reproduced: {self.scenario.symptom}; no fix upstream yet"
        elif self.fixed.symptom:
            verdict = f"reproduced: {self.scenario.symptom}; fixed by {self.scenario.fix}: still there"
        else:
            verdict = f"reproduced: {self.scenario.symptom}; fixed by {self.scenario.fix}: gone"
        return verdict if self.put_back else f"{verdict} (but the lab was not put back as it was)"

    render = line


@dataclass(frozen=True)
class Failure:
    """A play that could not be finished (a step the lab refused); `all` goes on."""
    scenario: Scenario
    error: str
    ok = False

    def line(self) -> str:
        return f"could not play {self.scenario.name}: {self.error}"

    render = line


def _variant(config: LabConfig, board: Switchboard, variant: Variant, out: Output) -> ContextManager[LabConfig]:
    """The lab switched to the variant's settings (straight from the last
    variant's, if any: the board puts the lab back once, after both plays), or
    as it is when it has them already."""
    if variant.refs:
        return deployed(config, variant.refs, out, variant.settings)
    if not board.switched and all(config.settings.get(key) == value for key, value in variant.settings.items()):
        return nullcontext(config)
    return nullcontext(board.switch(variant.services, variant.settings, healthy=variant.healthy))


def play(scenario: Scenario, config: LabConfig, lab: DockerLab, out: Output) -> Verdict:
    started = time.monotonic()
    before = LabSnapshot.take(config, lab)
    seen: dict[str, Seen] = {}
    board = Switchboard(config, out)
    try:
        for label, variant in ((PRODUCTION, scenario.production), (FIXED, scenario.fixed)):
            if variant is None:
                out(f"{scenario.name}, {label}: no fix upstream yet")
                continue
            out(f"{scenario.name}, {label} ({variant.describe()}):")
            with _variant(config, board, variant, out):
                seen[label] = scenario.play(Stage(config, lab, out), label)
            out(f"  → {seen[label].evidence}")
    finally:
        board.put_back()
    changed = before.differences(LabSnapshot.take(config, lab))
    if changed:
        out(f"lab: not as before: {'; '.join(changed)}")
    return Verdict(scenario, seen[PRODUCTION], seen.get(FIXED), time.monotonic() - started, not changed)


def play_all(scenarios: Sequence[Scenario], config: LabConfig, lab: DockerLab, out: Output) -> list[Verdict | Failure]:
    """Every scenario, one after the other: one that cannot be played is a
    Failure and the rest go on. Each verdict's line is printed as it comes."""
    verdicts: list[Verdict | Failure] = []
    for scenario in scenarios:
        try:
            verdict: Verdict | Failure = play(scenario, config, lab, out)
        except LabError as error:
            verdict = Failure(scenario, str(error))
        out(verdict.line())
        verdicts.append(verdict)
    return verdicts


def render_list(scenarios: tuple[Scenario, ...]) -> str:
    """Each scenario: its symptom and upstream, then what its two plays run
    (their settings and, on SpaceDock's code, each container's commit)."""
    width = max(len(scenario.name) for scenario in scenarios)
    lines = []
    for scenario in scenarios:
        fixed = scenario.fixed.describe() if scenario.fixed is not None else "no fix upstream yet"
        lines += [f"  {scenario.name:<{width}}  {scenario.symptom} ({scenario.upstream})",
                  f"  {'':<{width}}    production: {scenario.production.describe()}; fixed: {fixed}"]
    return "\n".join(lines)


def render_table(verdicts: list[Verdict | Failure]) -> str:
    width = max([len("scenario"), *(len(verdict.scenario.name) for verdict in verdicts)]) + 2
    lines = [f"  {'scenario':<{width}}{'production':<12}{'fixed':<12}{'time':>7}  verdict"]
    for verdict in verdicts:
        if isinstance(verdict, Failure):
            lines.append(f"  {verdict.scenario.name:<{width}}{'-':<12}{'-':<12}{'-':>7}  could not be played")
            continue
        fixed = "no fix" if verdict.fixed is None else "symptom" if verdict.fixed.symptom else "gone"
        lines.append(f"  {verdict.scenario.name:<{width}}{'symptom' if verdict.production.symptom else 'none':<12}"
                     f"{fixed:<12}{verdict.seconds:>6.0f}s  "
                     f"{'ok' if verdict.ok else 'FAILED'}")
    return "\n".join(lines)
