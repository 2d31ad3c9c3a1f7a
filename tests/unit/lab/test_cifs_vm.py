"""The CIFS VM's pieces that need no VM: which kernel modules the guest loads
and in what order, the initramfs archive, and production's mount options."""
from __future__ import annotations

import gzip
import stat
import struct
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lab.cifsvm import initramfs
from lab.cifsvm.kernel_modules import depends, load_order
from lab.cifsvm.mount import PRODUCTION, cache_variants, options_shown, redacted, session, with_option, without_option
from lab.errors import LabError

PRODUCTION_OPTIONS = ("vers=3.0,sec=ntlmssp,cache=strict,uid=33,forceuid,gid=33,forcegid,file_mode=0777,"
                      "dir_mode=0777,seal,soft,nounix,serverino,mapposix,rsize=4194304,wsize=4194304,"
                      "bsize=1048576,echo_interval=60,actimeo=1")


def elf_module(modinfo: dict[str, str]) -> bytes:
    """A minimal ELF64 relocatable file whose .modinfo holds `modinfo`."""
    info = b"".join(f"{key}={value}\x00".encode() for key, value in modinfo.items())
    names = b"\x00.modinfo\x00.shstrtab\x00"
    header_size, section_size = 64, 64
    info_at, names_at = header_size, header_size + len(info)
    sections_at = names_at + len(names)
    header = (b"\x7fELF\x02\x01\x01" + b"\x00" * 9
              + struct.pack("<HHIQQQIHHHHHH", 1, 62, 1, 0, 0, sections_at, 0, header_size, 0, 0,
                            section_size, 3, 2))
    null = b"\x00" * section_size
    modinfo_section = struct.pack("<IIQQQQIIQQ", 1, 1, 0, 0, info_at, len(info), 0, 0, 1, 0)
    names_section = struct.pack("<IIQQQQIIQQ", 10, 3, 0, 0, names_at, len(names), 0, 0, 1, 0)
    return header + info + names + null + modinfo_section + names_section


@pytest.fixture
def kernel(tmp_path: Path) -> Path:
    """A kernel's modules folder: cifs needs netfs and fscache, fscache needs
    netfs; aes is built in."""
    modules = {"kernel/fs/smb/client/cifs.ko": "fscache,netfs,aes", "kernel/fs/netfs/netfs.ko": "",
               "kernel/fs/fscache/fscache.ko": "netfs", "kernel/crypto/ccm.ko": "",
               "kernel/drivers/net/virtio-net.ko": ""}
    for name, needs in modules.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(elf_module({"license": "GPL", "depends": needs}))
    (tmp_path / "modules.builtin").write_text("kernel/crypto/aes.ko\n")
    return tmp_path


def test_a_module_s_dependencies_are_read_from_its_modinfo(kernel: Path) -> None:
    assert depends(kernel / "kernel/fs/smb/client/cifs.ko") == ["fscache", "netfs", "aes"]


def test_every_module_is_loaded_after_the_ones_it_depends_on(kernel: Path) -> None:
    order = [path.name for path in load_order(kernel, ("cifs", "ccm"))]

    assert order == ["netfs.ko", "fscache.ko", "cifs.ko", "ccm.ko"]


def test_a_module_with_a_dash_in_its_file_name_is_found_by_its_underscored_name(kernel: Path) -> None:
    assert [path.name for path in load_order(kernel, ("virtio_net",))] == ["virtio-net.ko"]


def test_a_module_the_kernel_lacks_is_named_with_what_needed_it(kernel: Path) -> None:
    (kernel / "kernel/fs/netfs/netfs.ko").unlink()

    with pytest.raises(LabError, match="no module netfs.*needed by fscache"):
        load_order(kernel, ("cifs",))


def unpacked(archive: bytes) -> list[tuple[str, int, bytes]]:
    """(name, mode, data) of each entry of a gzipped newc archive, trailer included."""
    raw, at, entries = gzip.decompress(archive), 0, []
    while True:
        assert raw[at:at + 6] == b"070701"
        fields = [int(raw[at + 6 + 8 * index:at + 14 + 8 * index], 16) for index in range(13)]
        mode, size, name_size = fields[1], fields[6], fields[11]
        name_at = at + 110
        name = raw[name_at:name_at + name_size - 1].decode()
        data_at = name_at + name_size + (-(110 + name_size) % 4)
        entries.append((name, mode, raw[data_at:data_at + size]))
        at = data_at + size + (-size % 4)
        if name == initramfs.TRAILER:
            assert len(raw) % 512 == 0
            return entries


@given(st.lists(st.tuples(st.from_regex(r"[a-z]{1,12}", fullmatch=True), st.binary(max_size=300)),
                max_size=8, unique_by=lambda entry: entry[0]))
def test_the_initramfs_holds_each_file_byte_for_byte(files: list[tuple[str, bytes]]) -> None:
    entries = [initramfs.directory("bin"), *(initramfs.file(f"bin/{name}", data) for name, data in files)]

    found = unpacked(initramfs.archive(entries))

    assert found[:-1] == [(entry.path, entry.mode, entry.data) for entry in entries]
    assert found[-1][0] == initramfs.TRAILER


def test_the_initramfs_keeps_links_and_the_executable_bit() -> None:
    entries = [initramfs.symlink("bin/sh", "busybox"), initramfs.file("init", b"#!/bin/sh\n", executable=True)]

    (link_name, link_mode, target), (_, init_mode, _), _ = unpacked(initramfs.archive(entries))

    assert (link_name, stat.S_ISLNK(link_mode), target) == ("bin/sh", True, b"busybox")
    assert init_mode & 0o111


def test_an_option_given_again_replaces_the_one_with_its_key() -> None:
    assert with_option("vers=3.0,cache=strict,soft", "cache=loose") == "vers=3.0,soft,cache=loose"


def test_a_flag_not_there_is_added() -> None:
    assert with_option("vers=3.0,soft", "fsc") == "vers=3.0,soft,fsc"


def test_the_cache_variants_differ_from_production_s_options_only_in_their_caching() -> None:
    variants = cache_variants(PRODUCTION_OPTIONS)

    assert variants[PRODUCTION] == PRODUCTION_OPTIONS
    for mode, options in variants.items():
        assert set(options.split(",")) ^ set(PRODUCTION_OPTIONS.split(",")) <= {"cache=strict", mode}


def test_the_options_are_read_from_the_mount_s_line_in_proc_mounts() -> None:
    mounts = ("proc /proc proc rw 0 0\n"
              "//10.0.2.2/backup /mnt/production cifs rw,vers=3.0,cache=strict,actimeo=1,closetimeo=1 0 0\n")

    assert options_shown(mounts, "/mnt/production") == ["rw", "vers=3.0", "cache=strict", "actimeo=1", "closetimeo=1"]


def test_the_dialect_and_encryption_are_read_from_debug_data() -> None:
    debug_data = ("Servers: \n1) ConnectionId: 0x1 Hostname: 10.0.2.2 \nNumber of credits: 407 Dialect 0x300\n"
                  "\tSessions: \n\t1) Address: 10.0.2.2 Uses: 1 Capability: 0x300047\tSession Status: 1 \n"
                  "\tSecurity type: RawNTLMSSP  SessionId: 0x3207f43c encrypted\n")

    mounted = session(debug_data)

    assert (mounted.dialect, mounted.encrypted) == ("3.0", True)


def test_an_unencrypted_session_is_told_apart() -> None:
    assert not session("Dialect 0x311\n\tSecurity type: RawNTLMSSP  SessionId: 0x1 \n").encrypted


def test_the_password_is_left_out_of_what_is_printed() -> None:
    assert redacted("mount -o port=445,username=sd,password=s3cret,soft") == "mount -o port=445,username=sd,password=***,soft"


def test_an_option_is_taken_out_wherever_it_stands() -> None:
    assert without_option("soft,vers=3.0,cache=strict", "soft") == "vers=3.0,cache=strict"
