"""`lab bench`: every path of the stack measured side by side on the running
lab (the stand-in), bounded, with a progress line per step; writes
bench-results/<timestamp>/ (results.json, report.md, PNG charts) and prints
the tables.

The tools run in a container of their own on the host's network (bench/:
curl, wrk, and nginx for the loopback baseline), so they reach the published
ports as a user's tools on this machine do, and the containers' addresses.

  quick    1 MB only, two load targets, no storage modes and no swap: under
           a minute, for CI
  default  + 50 MB, each storage mode the host allows, four load targets,
           six swaps (about 3 minutes)
  lab      + `make up` on a running lab, warm and with the lab's images
           removed, 5 each (about 6 minutes more)"""
from __future__ import annotations

import shutil
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from lab import images
from lab.app import app_for
from lab.bench import charts, tables
from lab.bench.paths import CA, FILES, SIZES, Bench
from lab.cifsvm import tables as cifs_tables
from lab.config import LabConfig
from lab.docker_ops import DockerLab
from lab.errors import LabError
from lab.health import require_running
from lab.interrupts import ctrl_c_held
from lab.results import report
from lab.results.figures import MIN_SAMPLES, Results
from lab.results.machine import described
from lab.tls import lab_tls

Output = Callable[[str], None]
TABLES = (*tables.TABLES, *cifs_tables.TABLES)


def measure(bench: Bench, *, quick: bool, lab_figures: bool) -> None:
    bench.run(f"sed s/BENCH_BASELINE_PORT/{bench.baseline_port}/ /etc/sdlab/bench-nginx.conf "
              f">/tmp/nginx.conf && nginx -c /tmp/nginx.conf", "starting the loopback baseline (nginx)")
    for label in (["1 MB"] if quick else list(SIZES)):
        bench.download_paths(label, MIN_SAMPLES)
    if not quick:
        bench.storage_modes(MIN_SAMPLES)
        bench.cifs_vm_reads()
    # quick: the cached and the uncached page (2 s runs: a slow page needs more than 1 s)
    bench.load(seconds=2 if quick else 3, targets=2 if quick else 4)
    if not quick:
        # an even number: production ends on the container it began on
        bench.swaps(6)
    if lab_figures:
        bench.ups(MIN_SAMPLES)


def run(config: LabConfig, lab: DockerLab, out: Output, *, quick: bool = False, lab_figures: bool = False) -> Path:
    if app_for(config).is_spacedock:
        raise LabError("make bench measures the stand-in's paths; run it with APP=stand-in")
    require_running(config, lab)
    started = time.monotonic()
    images.ensure_base(config, out)
    image = images.build(images.BENCH, config.root, out=out)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    results = Results(stamp, described(lab), quick)
    destination = config.root / "bench-results" / stamp
    try:
        with tempfile.TemporaryDirectory(prefix="sdlab-bench-") as folder:
            files = Path(folder)
            files.chmod(0o755)  # nginx's workers (www-data) read it
            shutil.copyfile(lab_tls(config).ca_cert, files / Path(CA).name)
            with lab.tool(image, volumes={files: (FILES, "ro")}) as tool:
                bench = Bench(config, lab, tool, files, results, out)
                try:
                    measure(bench, quick=quick, lab_figures=lab_figures)
                finally:
                    # never in place of what went wrong, if anything did: said, not raised
                    with ctrl_c_held(out, "the benchmark's mods are removed"):
                        left = bench.clean_up()
                    if left:
                        out(f"bench: could not remove {'; '.join(left)}")
    finally:
        # what was measured is kept, even when a step failed
        written = report.write(results, destination, TABLES)
        drawn = charts.draw(results, destination)
    out(report.markdown(results, TABLES))
    out(f"bench: {time.monotonic() - started:.0f} s; written to {written.parent}: results.json, report.md, "
        f"{', '.join(path.name for path in drawn)}")
    return destination
