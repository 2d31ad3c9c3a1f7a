"""The CIFS VM booted against the running lab's storage box, ready for the
probes of lab.cifsvm.measure: for `make cifs` and `make bench`'s reads."""
from __future__ import annotations

from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Callable, Iterator

from lab.cifsvm import image as vm_image
from lab.cifsvm import machine as vm
from lab.cifsvm import measure
from lab.cifsvm.image import VmImage
from lab.config import LabConfig
from lab.results.figures import Results
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
        guest = stack.enter_context(vm.booted(image, out, disk, secrets=[config.get("SMB_PASSWORD")]))
        results.machine.update(vm_facts(image, guest))
        stack.enter_context(measure.test_folder(box, out))
        yield measure.Probe(guest, config, box, results, out)
