"""`make cifs`: production's kernel CIFS mount of the running lab's storage
box, in a QEMU VM (lab.cifsvm), for hosts whose kernel has no CIFS (and for
the others alike). Prints a report and writes it with every sample to
bench-results/<time>-cifs/, as `make bench` does."""
from __future__ import annotations

import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from lab.cifsvm import measure, tables
from lab.cifsvm.probing import probing
from lab.config import LabConfig
from lab.docker_ops import DockerLab
from lab.health import require_running
from lab.results import report
from lab.results.figures import Results
from lab.results.machine import described

Output = Callable[[str], None]


def run(config: LabConfig, lab: DockerLab, out: Output, *, quick: bool = False) -> Path:
    require_running(config, lab)
    started = time.monotonic()
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    results = Results(stamp, described(lab), quick)
    destination = config.root / "bench-results" / f"{stamp}-cifs"
    try:
        with probing(config, results, out, fsc=not quick) as probe:
            out("cifs: production's options mount; a file written through the storage box is read back")
            measure.mount_and_read_back(probe)
            if not quick:
                measure.reads(probe)
                measure.replaced_by_another_client(probe)
                measure.mounted_twice(probe)
                measure.outage(probe, lab)
    finally:
        # what was measured is kept, even when a step failed
        written = report.write(results, destination, tables.TABLES)
    out(report.markdown(results, tables.TABLES))
    out(f"cifs: {time.monotonic() - started:.0f} s; written to {written.parent}: results.json, report.md")
    return destination
