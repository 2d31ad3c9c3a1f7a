"""The CIFS VM's tables in a benchmark report (make cifs, and make bench's
reads): production's kernel CIFS mount in a QEMU VM."""
from __future__ import annotations

from lab.cifsvm.measure import COHERENCE, COHERENCE_BOUND_S, MOUNTED, OUTAGE, READ_MIB, READS
from lab.results.report import Table

TABLES = (
    Table(MOUNTED, "Kernel CIFS in the VM: production's mount of the storage box"),
    Table(READS, f"Kernel CIFS in the VM: a {READ_MIB} MiB file read through the mount, MB/s "
                 "(under emulation, TCG on the machine line, only the ratios carry over to real hardware)",
          baseline="cache=strict (production)"),
    Table(COHERENCE, "Kernel CIFS in the VM: how long a replaced file stays stale through a mount, seconds "
                     f"({COHERENCE_BOUND_S:g} = not seen within {COHERENCE_BOUND_S:g} s)"),
    Table(OUTAGE, "Kernel CIFS in the VM: a read while the storage box does not answer (docker pause)"),
)
