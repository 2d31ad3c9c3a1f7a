"""The VM's kernel and initramfs, made once from Debian packages and kept in
.lab/cache/cifsvm/<kernel package>/:

- vmlinux: linux-image-amd64's kernel, decompressed: QEMU boots it through
  its PVH entry, which spares the guest decompressing it under emulation
  (about 2.4 s);
- initramfs.cpio.gz: busybox-static, the kernel modules CIFS, its ciphers,
  virtio (the shells' virtio-serial ports among it) and fsc need
  (lab.cifsvm.kernel_modules), cachefilesd with the host's glibc (Debian
  bookworm's, as the package's), and cifsvm/init.sh.

The packages are downloaded with `apt-get download` and unpacked with
`dpkg-deb -x`: nothing is installed on the host."""
from __future__ import annotations

import hashlib
import lzma
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from lab.cifsvm import initramfs
from lab.cifsvm.kernel_modules import WANTED, load_order
from lab.errors import PrerequisiteMissing

Output = Callable[[str], None]

INIT = Path(__file__).resolve().parents[2] / "cifsvm" / "init.sh"
KERNEL_META_PACKAGE = "linux-image-amd64"
# the guest's shell and tools; cachefilesd feeds FS-Cache (the fsc option)
BUSYBOX_PACKAGE = "busybox-static"
CACHEFILESD_PACKAGE = "cachefilesd"
# cachefilesd's only libraries (checked with ldd), taken from the host
GLIBC = ("/lib64/ld-linux-x86-64.so.2", "/lib/x86_64-linux-gnu/libc.so.6")
GUEST_DIRECTORIES = ("bin", "sbin", "dev", "proc", "sys", "etc", "lib", "lib/modules", "lib64",
                     "lib/x86_64-linux-gnu", "mnt", "tmp", "run", "var", "var/cache")
XZ_MAGIC = b"\xfd7zXZ\x00"


@dataclass(frozen=True)
class VmImage:
    kernel: Path
    initramfs: Path
    release: str  # the kernel's, as `uname -r` gives it


def _run(*command: str, cwd: Path | None = None) -> str:
    try:
        return subprocess.run(command, cwd=cwd, check=True, capture_output=True, text=True).stdout
    except FileNotFoundError as error:
        raise PrerequisiteMissing(f"{command[0]} is not installed; the CIFS VM is made with Debian's apt tools",
                                  hint="the CIFS VM is made on Debian 12 (bookworm), whose packages it takes") from error
    except subprocess.CalledProcessError as error:
        raise PrerequisiteMissing(f"`{' '.join(command)}` failed: {error.stderr.strip()[-400:]}",
                                  hint="apt-get update, then try again") from error


def kernel_package() -> str:
    """linux-image-amd64's kernel package, e.g. linux-image-6.1.0-56-amd64."""
    for line in _run("apt-cache", "depends", KERNEL_META_PACKAGE).splitlines():
        name = line.strip().removeprefix("Depends: ")
        if name.startswith("linux-image-") and name != KERNEL_META_PACKAGE:
            return name
    raise PrerequisiteMissing(f"apt knows no kernel package behind {KERNEL_META_PACKAGE}", hint="apt-get update")


def download(packages: list[str], folder: Path) -> dict[str, Path]:
    """Each package's .deb in `folder`, downloaded unless one is there."""
    folder.mkdir(parents=True, exist_ok=True)
    missing = [name for name in packages if not list(folder.glob(f"{name}_*.deb"))]
    if missing:
        _run("apt-get", "download", *missing, cwd=folder)
    return {name: sorted(folder.glob(f"{name}_*.deb"))[-1] for name in packages}


def unpack(deb: Path, into: Path) -> Path:
    _run("dpkg-deb", "-x", str(deb), str(into))
    return into


def decompressed_kernel(vmlinuz: Path) -> bytes:
    """The kernel inside a bzImage whose payload is XZ (Debian's)."""
    data = vmlinuz.read_bytes()
    start = data.find(XZ_MAGIC)
    if start < 0:
        raise PrerequisiteMissing(f"{vmlinuz.name} has no XZ payload; cannot make an uncompressed kernel of it")
    return lzma.LZMADecompressor().decompress(data[start:])


def _guest_entries(kernel_tree: Path, busybox_tree: Path, cachefilesd_tree: Path, release: str) -> list[initramfs.Entry]:
    entries = [initramfs.directory(name) for name in GUEST_DIRECTORIES]
    busybox = busybox_tree / "bin" / "busybox"
    entries.append(initramfs.file("bin/busybox", busybox.read_bytes(), executable=True))
    for applet in _run(str(busybox), "--list").split():
        if applet != "busybox":
            entries.append(initramfs.symlink(f"bin/{applet}", "busybox"))
    entries.append(initramfs.file("sbin/cachefilesd", (cachefilesd_tree / "sbin" / "cachefilesd").read_bytes(),
                                  executable=True))
    entries.append(initramfs.file("etc/cachefilesd.conf", (cachefilesd_tree / "etc" / "cachefilesd.conf").read_bytes()))
    entries += [initramfs.file(library.lstrip("/"), Path(library).read_bytes(), executable=True) for library in GLIBC]
    modules = kernel_tree / "lib" / "modules" / release
    order = load_order(modules)
    entries += [initramfs.file(f"lib/modules/{module.name}", module.read_bytes()) for module in order]
    entries.append(initramfs.file("lib/modules/load-order", "".join(f"{module.name}\n" for module in order).encode()))
    entries.append(initramfs.file("init", INIT.read_bytes(), executable=True))
    return entries


def _recipe() -> str:
    """What the initramfs is made of, besides the packages: a new init or
    module list makes a new one."""
    return hashlib.sha256(INIT.read_bytes() + repr(WANTED).encode()).hexdigest()[:12]


def _forget_other_kernels(cache: Path, package: str, debs: Iterable[Path]) -> None:
    """An earlier kernel's VM and packages, once Debian has a newer kernel (70 MB each)."""
    for folder in cache.glob("linux-image-*"):
        if folder.name != package:
            shutil.rmtree(folder)
    for deb in set((cache / "debs").glob("*.deb")) - set(debs):
        deb.unlink()


def ensure(cache: Path, out: Output) -> VmImage:
    """The kernel and initramfs, made unless the cache has them."""
    package = kernel_package()
    folder = cache / package
    kernel, image = folder / "vmlinux", folder / f"initramfs-{_recipe()}.cpio.gz"
    release = package.removeprefix("linux-image-")
    if kernel.exists() and image.exists():
        return VmImage(kernel, image, release)
    out(f"lab: making the CIFS VM's kernel and initramfs from Debian's {package}, {BUSYBOX_PACKAGE} and "
        f"{CACHEFILESD_PACKAGE} (once; kept in {folder})")
    debs = download([package, BUSYBOX_PACKAGE, CACHEFILESD_PACKAGE], cache / "debs")
    _forget_other_kernels(cache, package, debs.values())
    with tempfile.TemporaryDirectory(prefix="sdlab-cifsvm-") as scratch:
        trees = {name: unpack(deb, Path(scratch) / name) for name, deb in debs.items()}
        folder.mkdir(parents=True, exist_ok=True)
        if not kernel.exists():
            kernel.with_suffix(".partial").write_bytes(
                decompressed_kernel(trees[package] / "boot" / f"vmlinuz-{release}"))
            kernel.with_suffix(".partial").rename(kernel)
        entries = _guest_entries(trees[package], trees[BUSYBOX_PACKAGE], trees[CACHEFILESD_PACKAGE], release)
        for stale in folder.glob("initramfs-*.cpio.gz"):
            stale.unlink()
        partial = image.with_suffix(".partial")
        partial.write_bytes(initramfs.archive(entries))
        partial.rename(image)
    out(f"lab: the CIFS VM's kernel {release} ({kernel.stat().st_size // 2**20} MiB) and initramfs "
        f"({image.stat().st_size // 2**20} MiB, {len(entries)} entries)")
    return VmImage(kernel, image, release)

