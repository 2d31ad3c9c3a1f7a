"""`make cifs`: production's kernel CIFS mount of the running lab's storage
box, in a QEMU VM (lab.cifsvm), for hosts whose kernel has no CIFS (and for
the others alike). Prints a report and writes it with every sample to
bench-results/<time>-cifs/, as `make bench` does."""
from __future__ import annotations

import time
from contextlib import ExitStack, contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator

from lab.bench import report
from lab.bench.figures import Results
from lab.bench.machine import described
from lab.cifsvm import image as vm_image
from lab.cifsvm import machine as vm
from lab.cifsvm import measure
from lab.cifsvm.image import VmImage
from lab.commands.up import require_running
from lab.config import LabConfig
from lab.docker_ops import DockerLab
from lab.smb import StorageBox

Output = Callable[[str], None]


def cache(config: LabConfig) -> Path:
    return config.root / ".lab" / "cache" / "cifsvm"


def vm_facts(image: VmImage, guest: vm.Guest) -> dict[str, str]:
    """The VM as it booted (TCG or KVM: the rates are the emulator's under TCG)."""
    return {"vm": f"QEMU, {guest.how}, {vm.VCPUS} vCPU, {vm.MEMORY_MB} MB, Debian's kernel {image.release}"}


@contextmanager
def probing(config: LabConfig, results: Results, out: Output, *, fsc: bool) -> Iterator[measure.Probe]:
    """The VM booted against the running lab's storage box (the caller has
    checked that it runs), with FS-Cache's disk if `fsc`, and the test files
    removed afterwards."""
    image = vm_image.ensure(cache(config), out)
    box = StorageBox(config, measure.cifs.SHARE)
    with ExitStack() as stack:
        disk = stack.enter_context(measure.fsc_disk()) if fsc else None
        guest = stack.enter_context(vm.booted(image, out, disk))
        results.machine.update(vm_facts(image, guest))
        stack.enter_context(measure.test_folder(box, out))
        yield measure.Probe(guest, config, box, results, out)


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
        written = report.write(results, destination)
    out(report.markdown(results))
    out(f"cifs: {time.monotonic() - started:.0f} s; written to {written.parent}: results.json, report.md")
    return destination
