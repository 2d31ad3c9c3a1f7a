"""Which of a kernel package's modules the guest needs, and the order to load
them in. The guest has busybox's insmod and no modules.dep: the order comes
from each module's own `depends=` (its .modinfo section), read here."""
from __future__ import annotations

import struct
from pathlib import Path

from lab.errors import LabError

# What the guest loads, besides what these need. cifs's own soft dependencies
# (MODULE_SOFTDEP: gcm, ccm, cmac, sha512, ecb, ...) are named as aliases that
# busybox cannot resolve, so the ones SMB 3.0 signing and sealing ask for are
# listed by module name.
WANTED = (
    "virtio_pci", "virtio_net", "virtio_blk",         # QEMU's network card and the fsc cache disk
    "virtio_console",                                 # virtio-serial: the host's shells (cifsvm/init.sh)
    "cifs",                                           # the client under test
    "ccm", "gcm", "ctr", "cmac", "ecb",               # SMB 3.0 sealing (AES-128-CCM) and signing (AES-CMAC)
    "sha512_generic",                                 # SMB 3.1.1's preauth integrity hash
    "aesni_intel", "ghash_clmulni_intel",             # AES-NI (QEMU's -cpu max has it): sealing at a usable speed
    "nls_utf8",                                       # iocharset for the share's file names
    "cachefiles", "ext4",                             # fsc: FS-Cache's backing store on an ext4 disk
    "crc32c_generic",                                 # ext4's metadata checksums (asked for by alias at mount)
)


def _sections(data: bytes) -> dict[str, bytes]:
    """An ELF64 little-endian file's sections by name."""
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        raise ValueError("not an ELF64 little-endian file")
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3A)
    headers = [struct.unpack_from("<IIQQQQ", data, shoff + index * shentsize) for index in range(shnum)]
    names_at = headers[shstrndx][4]
    sections = {}
    for name, _type, _flags, _addr, offset, size in headers:
        end = data.index(b"\x00", names_at + name)
        sections[data[names_at + name:end].decode()] = data[offset:offset + size]
    return sections


def modinfo(path: Path) -> dict[str, list[str]]:
    """A module's .modinfo: each key with its values, in order."""
    info: dict[str, list[str]] = {}
    for entry in _sections(path.read_bytes()).get(".modinfo", b"").split(b"\x00"):
        key, equals, value = entry.decode(errors="replace").partition("=")
        if equals:
            info.setdefault(key, []).append(value)
    return info


def depends(path: Path) -> list[str]:
    return [name for value in modinfo(path).get("depends", []) for name in value.split(",") if name]


def module_files(modules_dir: Path) -> dict[str, Path]:
    """Every module of a kernel by its name (file name with - as _)."""
    return {file.name.removesuffix(".ko").replace("-", "_"): file for file in modules_dir.rglob("*.ko")}


def load_order(modules_dir: Path, wanted: tuple[str, ...] = WANTED) -> list[Path]:
    """The modules `wanted` needs, each after the ones it depends on. A name
    the kernel has built in (modules.builtin) needs no file."""
    files = module_files(modules_dir)
    builtin = {Path(line).name.removesuffix(".ko").replace("-", "_")
               for line in (modules_dir / "modules.builtin").read_text().split()}
    order: list[Path] = []
    placed: set[str] = set()

    def place(name: str, wanted_by: tuple[str, ...]) -> None:
        if name in placed or name in builtin:
            return
        if name in wanted_by:
            raise LabError(f"kernel modules depend on each other in a circle: {' -> '.join((*wanted_by, name))}")
        if name not in files:
            raise LabError(f"the kernel package has no module {name}"
                           + (f" (needed by {wanted_by[-1]})" if wanted_by else ""))
        for dependency in depends(files[name]):
            place(dependency, (*wanted_by, name))
        placed.add(name)
        order.append(files[name])

    for name in wanted:
        place(name, ())
    return order
