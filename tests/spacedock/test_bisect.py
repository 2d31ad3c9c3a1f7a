"""`make bisect` names the SpaceDock commit that changed a scenario's verdict,
by `git bisect run` with the scenario's play as the test, and leaves both the
lab and the SpaceDock checkout as they were."""
from __future__ import annotations

from pathlib import Path

import pytest

from lab.config import LabConfig
from lab.docker_ops import DockerLab
from lab.errors import LabError
from lab.git import git
from lab.scenarios import bisect
from lab.scenarios.bisect import Bisection
from lab.scenarios.catalogue import SPACEDOCK_BUGS
from lab.scenarios.engine import LabSnapshot
from lab.spacedock.image import checkout

SCENARIOS = {scenario.name: scenario for scenario in SPACEDOCK_BUGS}
# PR #313's commits: b0c2642 and a4d9ddb purge https://127.0.0.1/..., which
# fails, so their delete answers 500 and the play cannot be finished on them
PR_313 = ("b0c2642", "a4d9ddb", "b40e2dd")


def checkout_state(source: Path) -> tuple[str, ...]:
    """What a bisection must not change in the developer's checkout."""
    return (git(source, "rev-parse", "HEAD"), git(source, "rev-parse", "--is-shallow-repository"),
            git(source, "worktree", "list", "--porcelain"), git(source, "for-each-ref", "refs/bisect"),
            git(source, "config", "--get", "core.bare"))


def bisected(config: LabConfig, docker_lab: DockerLab, bisection: Bisection) -> tuple[bisect.Found, str]:
    """The bisection's outcome and its output, checked to have left the lab and the checkout as they were."""
    lines: list[str] = []
    source = checkout(config)
    before = (LabSnapshot.take(config, docker_lab), checkout_state(source))

    found = bisect.run(config, docker_lab, bisection, lines.append)

    output = "\n".join([*lines, found.render(bisection)])
    lab_after = LabSnapshot.take(config, docker_lab)
    assert not before[0].differences(lab_after), f"{before[0].differences(lab_after)}\n{output}"
    assert checkout_state(source) == before[1], output
    return found, output


def test_bisect_names_the_merge_that_brought_delete_version_s_type_error_to_master(
        config: LabConfig, docker_lab: DockerLab) -> None:
    bisection = Bisection(SCENARIOS["delete-version-500"], good="9269de0", bad="6517c0e", first_parent=True)

    found, output = bisected(config, docker_lab, bisection)

    assert [commit.split()[0] for commit in found.commits] == ["269e281"], output
    assert "Merge pull request #482" in found.commits[0], output


def test_bisect_finds_pr_313_s_purge_and_says_which_commits_it_could_not_play(
        config: LabConfig, docker_lab: DockerLab) -> None:
    bisection = Bisection(SCENARIOS["stale-after-reupload"], good="ac7b6e2", bad="a5b8167", find="fix")

    found, output = bisected(config, docker_lab, bisection)

    assert sorted(commit.split()[0] for commit in found.commits) == sorted(PR_313), output
    assert output.count("the play could not be finished on it") == 2, output


def test_ends_that_show_no_change_are_refused_before_git_runs(config: LabConfig, docker_lab: DockerLab) -> None:
    bisection = Bisection(SCENARIOS["delete-version-500"], good="269e281", bad="6517c0e")

    with pytest.raises(LabError, match="the good end 269e28178592 is bad: nothing to bisect"):
        bisected(config, docker_lab, bisection)
