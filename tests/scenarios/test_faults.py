"""Each fault of the catalogue (lab.scenarios.catalogue.FAULTS: a gunicorn
master killed, ATS restarted, the engine restarted) stays within the bounds
it states. The storage box away and swaps under load are measured by the
integration tests that assert each of their bounds apart."""
from __future__ import annotations

import os

import pytest

from lab.config import LabConfig
from lab.docker_ops import DockerLab
from lab.http import LabClient
from lab.scenarios.catalogue import FAULTS, Entry, Options
from lab.scenarios.faults import ats_restart


@pytest.fixture(scope="module", autouse=True)
def ats_holds_a_copy_from_the_start(config: LabConfig) -> None:
    """ats-restart checks a copy older than ATS's cache directory interval
    (ATS_CACHE_DIR_SYNC_SECONDS: 60 s, 20 s in the test lab); held from here
    on, it may be old enough when worker-crash has run."""
    ats_restart.long_held(LabClient(config.http_base))


# the integration tests that measure these, one bound a test
MEASURED_ELSEWHERE = {"storage-away": "tests/integration/test_storage_outage.py",
                      "swap-under-load": "tests/integration/test_swap.py"}


@pytest.mark.parametrize("fault", [entry for entry in FAULTS if entry.name not in MEASURED_ELSEWHERE],
                         ids=lambda entry: entry.name)
def test_the_fault_stays_within_its_bounds(config: LabConfig, docker_lab: DockerLab, fault: Entry) -> None:
    if fault.opt_in and os.environ.get(fault.opt_in) != "1":
        pytest.skip(f"{fault.name} is tested only with {fault.opt_in}=1 (it disturbs every container on the machine)")
    lines: list[str] = []

    report = fault.run(config, docker_lab, lines.append, Options())

    assert report.ok, "\n".join([*lines, report.render()])
