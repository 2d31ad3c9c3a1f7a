"""A `lab swap` interrupted while it runs (Ctrl-C or SIGTERM, sent to the
command as it reaches a step) ends with exactly one holder of the live
aliases, a state file that names it and a line saying what was done; the
live container it names is refused by deploy. A reconnect that fails puts the
container back on the front network with the aliases it had."""
from __future__ import annotations

import signal
import subprocess
import sys

import pytest

from lab import live_alias
from lab import state as lab_state
from lab.config import REPO_ROOT, LabConfig
from lab.deploy import deploy
from lab.docker_ops import DockerLab
from lab.errors import LabError
from lab.topology import FRONT_NETWORK

SWAP_TIMEOUT_S = 120


@pytest.mark.parametrize(("signum", "step"), [
    (signal.SIGINT, "moving the live aliases"),
    (signal.SIGTERM, "moving the live aliases"),
    (signal.SIGINT, "waiting for ATS to follow"),
], ids=["SIGINT while the aliases move", "SIGTERM while the aliases move", "SIGINT while ATS follows"])
def test_an_interrupted_swap_leaves_one_live_container_that_the_state_file_names(
        config: LabConfig, docker_lab: DockerLab, signum: int, step: str) -> None:
    swap = subprocess.Popen([sys.executable, "-m", "lab", "swap"], cwd=REPO_ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    seen = []
    for line in swap.stdout:
        seen.append(line)
        if step in line:
            swap.send_signal(signum)
            break
    seen.append(swap.communicate(timeout=SWAP_TIMEOUT_S)[0])
    said = "".join(seen)

    holders = live_alias.holders(docker_lab)
    assert len(holders) == 1, said
    assert lab_state.load(config).live == holders[0], said
    assert swap.returncode == 130, said
    assert f"lab: interrupted once the aliases had moved: {holders[0]} alone holds them" in said \
        or f"lab: interrupted after the swap: {holders[0]} is live" in said, said
    with pytest.raises(LabError, match="is the live production container"):
        deploy(config, docker_lab, lab_state.load(config), holders[0], None, lambda line: None)


def test_a_reconnect_that_fails_puts_the_container_back_with_the_aliases_it_had(
        config: LabConfig, docker_lab: DockerLab, monkeypatch: pytest.MonkeyPatch) -> None:
    idle = lab_state.load(config).idle
    before = docker_lab.aliases(idle, FRONT_NETWORK)
    connect = DockerLab.connect
    attempts: list[list[str]] = []

    def fails_the_first_time(self: DockerLab, service: str, network: str, aliases, address: str) -> None:
        attempts.append(list(aliases))
        if len(attempts) == 1:
            raise LabError(f"could not connect {service} to {network}: injected by the test")
        connect(self, service, network, aliases, address)

    monkeypatch.setattr(DockerLab, "connect", fails_the_first_time)

    with pytest.raises(LabError, match=f"{idle} is back on {FRONT_NETWORK} with its old aliases"):
        docker_lab.set_aliases(idle, FRONT_NETWORK, [*before, "sdlab-test.52k"])

    assert sorted(docker_lab.aliases(idle, FRONT_NETWORK)) == sorted(before)
