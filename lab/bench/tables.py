"""The benchmark's tables (lab.bench.paths fills them): what each measures,
and the row its ratios divide by. The CIFS VM's are lab/cifsvm/tables.py."""
from __future__ import annotations

from lab.results.report import Table

DOWNLOADS = Table("downloads", "Downloads of one zip: MB/s (10^6 bytes), median (min–max) of the samples",
                  baseline="loopback baseline (nginx on the host)")
STORAGE = Table("storage", "The storage mount per storage mode: Apache reading a zip from it, and the web "
                           "container writing one to it: MB/s")
LOAD = Table("load", "Load at a fixed concurrency (wrk): median (min–max) of the runs")
LAB = Table("lab", "The lab's own operations: seconds")
TABLES = (DOWNLOADS, STORAGE, LOAD, LAB)
