"""`make bisect`: the SpaceDock commit that brought a scenario's symptom (or
took it away), found by `git bisect run` with the scenario's play as the test.

The bisection runs in a worktree of its own of the SpaceDock checkout
(SPACEDOCK_SRC), with `--no-checkout`, so the checkout a developer works in
is not touched. Each step moves the container the scenario plays on (beta,
sd2, for every scenario of SpaceDock's that names one) to the commit git
chose, with the scenario's production settings, plays it once and answers
git: the symptom seen, not seen, or the commit skipped (it does not build,
start or let the play finish), with the reason printed. Both ends are played
first, so a pair that does not show the change is refused before git runs.
Afterwards the container is put back as it was, also on Ctrl-C; each image
built stays cached (one per commit), so a second bisection is quicker."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import requests

from lab import state as lab_state
from lab.config import REPO_ROOT, LabConfig
from lab.deploy import deploy
from lab.docker_ops import DockerLab
from lab.errors import LabError
from lab.git import git, is_ancestor
from lab.scenarios.engine import PRODUCTION, Scenario, Stage
from lab.spacedock import image as spacedock_image
from lab.switches import put_back
from lab.topology import PRODUCTION_PAIR

Output = Callable[[str], None]
# git bisect run's answers: the old term, the new term, skip
OLD, NEW, SKIP = 0, 1, 125
# git bisect run stops at this answer (the test itself failed)
ABORT = 128
# what the two ends are called, by what is looked for: (old, new)
TERMS = {"bug": ("good", "bad"), "fix": ("broken", "fixed")}


@dataclass(frozen=True)
class Bisection:
    """What one `make bisect` asks: the scenario, its two ends (git's good, the
    older, and bad) and whether the symptom's arrival (bug) or its end (fix)
    is looked for."""
    scenario: Scenario
    good: str
    bad: str
    find: str = "bug"
    first_parent: bool = False

    @property
    def service(self) -> str:
        return container_of(self.scenario)

    def answer(self, symptom: bool) -> int:
        """git's answer for a commit: the symptom is the new state when a bug is looked for, the old one for a fix."""
        return NEW if symptom == (self.find == "bug") else OLD


@dataclass(frozen=True)
class Found:
    """A bisection's outcome: the first commit of the new state, or the
    candidates git could not tell apart (commits between them were skipped),
    each as `<commit> <subject> (<date>)`."""
    commits: tuple[str, ...]
    seconds: float

    def render(self, bisection: Bisection) -> str:
        change = "with the symptom" if bisection.find == "bug" else "without the symptom"
        if len(self.commits) == 1:
            return f"bisect: the first commit {change}: {self.commits[0]}; {self.seconds:.0f} s"
        return "\n".join([f"bisect: the first commit {change} is one of these {len(self.commits)} (git cannot tell "
                          f"them apart: some could not be played); {self.seconds:.0f} s",
                          *(f"  {commit}" for commit in self.commits)])


def container_of(scenario: Scenario) -> str:
    """The one container a scenario of SpaceDock's plays production's commit
    on; a scenario played on the live production container, or on the lab as
    configured, cannot be bisected (only an idle container may be moved)."""
    refs = scenario.production.refs
    if len(refs) != 1 or next(iter(refs)) in PRODUCTION_PAIR:
        raise LabError(f"{scenario.name} plays on {', '.join(refs) or 'the lab as configured'}, not on beta or "
                       f"alpha at a commit: it cannot be bisected")
    return next(iter(refs))


def step(config: LabConfig, lab: DockerLab, bisection: Bisection, commit: str, out: Output) -> int:
    """One commit: the container moved there, the scenario played once; git's answer."""
    started = time.monotonic()
    source = spacedock_image.checkout(config)
    subject = git(source, "log", "-1", "--format=%h %ad %s", "--date=short", commit)
    out(f"bisect: playing {bisection.scenario.name} on {bisection.service} at {subject}")
    changed = LabConfig(config.root, {**config.settings, **bisection.scenario.production.settings})
    try:
        deploy(changed, lab, lab_state.load(config), bisection.service, commit, out)
    except LabError as error:
        out(f"bisect: skipping {commit[:12]}: it does not build or start: {error}")
        return SKIP
    try:
        seen = bisection.scenario.play(Stage(changed, lab, out), PRODUCTION)
    except (LabError, requests.RequestException) as error:
        out(f"bisect: skipping {commit[:12]}: the play could not be finished on it: {error}")
        return SKIP
    answer = bisection.answer(seen.symptom)
    term = TERMS[bisection.find][answer]
    out(f"bisect: {commit[:12]} is {term}: the symptom {'seen' if seen.symptom else 'not seen'} ({seen.evidence}); "
        f"{time.monotonic() - started:.0f} s")
    return answer


@contextmanager
def _worktree(source: Path) -> Iterator[Path]:
    """A detached worktree of the SpaceDock checkout, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="sdlab-bisect-") as folder:
        tree = Path(folder) / "spacedock"
        git(source, "worktree", "add", "--quiet", "--detach", "--no-checkout", str(tree))
        try:
            yield tree
        finally:
            # not git(): a failure here must not hide the one that ended the bisection
            subprocess.run(["git", "-C", str(source), "worktree", "remove", "--force", str(tree)], check=False)


def ends(config: LabConfig, bisection: Bisection) -> tuple[str, str]:
    """The two ends as full commits, refused before anything moves if git
    could not bisect between them, or if the newer end's schema is one the
    container's branch does not know (its play would migrate the branch's
    database past its code)."""
    source = spacedock_image.checkout(config)
    good, bad = (spacedock_image.resolve(source, ref) for ref in (bisection.good, bisection.bad))
    if good == bad:
        raise LabError(f"good={bisection.good} and bad={bisection.bad} are the same commit")
    if not is_ancestor(source, good, bad):
        raise LabError(f"good={bisection.good} is not an ancestor of bad={bisection.bad}: good is the older commit "
                       f"(find=fix looks for the commit that took the symptom away)")
    setting = spacedock_image.BRANCH_SETTINGS[bisection.service]
    branch = spacedock_image.resolve(source, config.get(setting))
    known, _ = spacedock_image.alembic_revisions(source, branch)
    if spacedock_image.alembic_head(source, bad) not in known:
        raise LabError(f"bad={bisection.bad} has a schema {bisection.service}'s branch ({setting}) does not know: "
                       f"playing it there would migrate that branch's database past its code")
    return good, bad


def _play_ends(config: LabConfig, lab: DockerLab, bisection: Bisection, good: str, bad: str, out: Output) -> None:
    """Both ends played: git's old end must give the old answer and the new end the new one."""
    old, new = TERMS[bisection.find]
    for commit, wanted, term in ((good, OLD, old), (bad, NEW, new)):
        out(f"bisect: the {term} end, {commit[:12]}, played first")
        answer = step(config, lab, bisection, commit, out)
        if answer == SKIP:
            raise LabError(f"the {term} end {commit[:12]} could not be played (why is above): choose another")
        if answer != wanted:
            raise LabError(f"the {term} end {commit[:12]} is {TERMS[bisection.find][answer]}: nothing to bisect "
                           f"between these commits",
                           hint="find=fix looks for the commit that took the symptom away" if bisection.find == "bug"
                           else "find=bug (the default) looks for the commit that brought it")


def first_commits(log: str) -> list[str]:
    """From `git bisect log`: the first commit of the new state, or the
    candidates git could not tell apart (the commits between were skipped)."""
    found = re.findall(r"^# (?:possible )?first \w+ commit: \[([0-9a-f]+)\]", log, re.MULTILINE)
    return list(dict.fromkeys(found))


def run(config: LabConfig, lab: DockerLab, bisection: Bisection, out: Output) -> Found:
    """The bisection, the lab put back afterwards."""
    started = time.monotonic()
    good, bad = ends(config, bisection)
    source = spacedock_image.checkout(config)
    images = dict(lab_state.load(config).images)
    try:
        _play_ends(config, lab, bisection, good, bad, out)
        with _worktree(source) as tree:
            old, new = TERMS[bisection.find]
            started_at = git(tree, "bisect", "start", "--no-checkout", f"--term-old={old}", f"--term-new={new}",
                             *(["--first-parent"] if bisection.first_parent else []), bad, good)
            out(started_at)
            log = git(tree, "bisect", "log")
            # no commit left between the ends: git named the new end at once
            if not first_commits(log):
                status = _bisect_run(tree, bisection, out)
                log = git(tree, "bisect", "log")
                if not first_commits(log):
                    raise LabError(f"git bisect run ended (exit {status}) without naming a commit; its output "
                                   f"is above")
            out("bisect: git bisect log (replay it with git bisect replay):")
            for line in log.splitlines():
                out(f"  {line}")
    finally:
        put_back(config, images, [bisection.service], out)
    return Found(tuple(git(source, "log", "-1", "--format=%h %s (%ad)", "--date=short", commit)
                       for commit in first_commits(log)), time.monotonic() - started)


def _bisect_run(tree: Path, bisection: Bisection, out: Output) -> int:
    """`git bisect run` with `python -m lab bisect-step` as the test, its output
    printed as it comes; its exit status. On Ctrl-C (or any failure here) the
    run, in a session of its own, is interrupted and waited for, so that the
    lab is put back only once its step has stopped."""
    command = ["git", "-C", str(tree), "bisect", "run", sys.executable, "-m", "lab", "bisect-step",
               bisection.scenario.name, f"--find={bisection.find}"]
    environment = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=tree,
                          env=environment, start_new_session=True) as process:
        assert process.stdout is not None
        try:
            for line in process.stdout:
                out(line.rstrip())
        except BaseException:
            try:
                os.killpg(process.pid, signal.SIGINT)
            except ProcessLookupError:  # it had ended
                pass
            process.communicate()
            raise
    return process.returncode
