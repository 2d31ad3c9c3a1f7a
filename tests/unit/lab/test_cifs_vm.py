"""The CIFS VM's pieces that need no VM: which kernel modules the guest loads
and in what order, the initramfs archive, production's mount options, the
password masked in what is printed, and the host's side of the guest's shells
(against a stand-in for QEMU that serves the host's own sh on Unix sockets)."""
from __future__ import annotations

import gzip
import os
import shlex
import shutil
import stat
import struct
import subprocess
import sys
import time
from functools import partial
from pathlib import Path
from typing import Callable, Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lab.cifsvm import initramfs, machine
from lab.cifsvm.image import INIT, VmImage
from lab.cifsvm.kernel_modules import WANTED, depends, load_order
from lab.cifsvm.mount import (PRODUCTION, Mount, cache_variants, options_shown, redacted, session,
                              with_option, without_option)
from lab.config import LabConfig
from lab.errors import LabError, LabTimeout
from lab.waiting import poll_until

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
    assert (redacted("mount -o port=445,username=sd,password=s3cret,soft", ["s3cret"])
            == "mount -o port=445,username=sd,password=***,soft")


def test_an_option_is_taken_out_wherever_it_stands() -> None:
    assert without_option("soft,vers=3.0,cache=strict", "soft") == "vers=3.0,cache=strict"


# --- the password, masked in what is printed ---------------------------------

TARGET = "/mnt/production"
# what a password may hold but a comma (the kernel's options cannot carry one)
# and a * (the mask's own character)
PASSWORD_CHARACTERS = st.characters(blacklist_characters=",*", blacklist_categories=("Cs",))
NASTY = st.sampled_from(["'", '"', " ", "\\", "$", "\n", "`", "$(x)", "'\"'\"'"])
PASSWORDS = st.lists(st.one_of(NASTY, st.text(PASSWORD_CHARACTERS, min_size=1, max_size=4)),
                     min_size=1, max_size=8).map("".join)


def forms(password: str) -> list[str]:
    """The password as it is, as shlex.quote gives it, and inside a larger single-quoted string."""
    return [password, shlex.quote(password), password.replace("'", "'\"'\"'")]


def mount_command(password: str) -> str:
    config = LabConfig(Path("/lab"), {"SMB_USER": "sdlab", "SMB_PASSWORD": password, "SMB_PORT": "4450"})
    return Mount(config, TARGET, PRODUCTION_OPTIONS).command()


def test_a_password_with_a_quote_is_masked_whole_in_the_mount_command() -> None:
    shown = redacted(mount_command("ab'cd"), ["ab'cd"])

    assert shown == (f"mkdir -p {TARGET} && mount -t cifs //10.0.2.2/backup {TARGET} "
                     f"-o 'port=4450,{PRODUCTION_OPTIONS},username=sdlab,password=***'")


@given(PASSWORDS)
def test_no_form_of_any_password_is_left_in_the_mount_command_shown(password: str) -> None:
    shown = redacted(mount_command(password), [password])

    # (a password found elsewhere in the command, as "w" in "password", is masked there too)
    assert [form for form in forms(password) if form in shown] == []


@given(PASSWORDS)
def test_only_the_password_is_masked_in_the_mount_command(password: str) -> None:
    # a first character found nowhere else in the command: the password can
    # only stand where it was put
    password = "§" + password

    options = shlex.split(redacted(mount_command(password), [password]))[-1]

    assert options == f"port=4450,{PRODUCTION_OPTIONS},username=sdlab,password=***"


@given(PASSWORDS, st.text(max_size=20), st.text(max_size=20),
       st.sampled_from([lambda password: password, shlex.quote,
                        lambda password: "'" + password.replace("'", "'\"'\"'") + "'"]))
def test_a_password_is_masked_however_it_is_quoted_wherever_it_stands(
    password: str, before: str, after: str, quoted: Callable[[str], str]
) -> None:
    shown = redacted(before + quoted(password) + after, [password])

    assert [form for form in forms(password) if form in shown] == []


def test_a_password_quoted_on_its_own_is_masked_with_its_quotes() -> None:
    assert redacted(f"echo {shlex.quote('ab cd')}", ["ab cd"]) == "echo ***"


def test_no_piece_of_a_password_is_left_where_it_overlaps_the_text_before_it() -> None:
    # "d=d" stands twice in "password=d=d", overlapping: both are masked
    assert redacted("password=d=d", ["d=d"]) == "passwor***"


def test_an_empty_password_masks_nothing() -> None:
    assert redacted("mount -o password='',soft", [""]) == "mount -o password='',soft"


# --- the guest's shells, served by a stand-in for QEMU -------------------------

# QEMU as init.sh and `wait=on` make it for the host: each socket made and
# waited on in turn, then on each accepted connection the shells of
# init.sh's serve(), one after the other; the boot's line on standard output.
# The host's own sh stands in for the guest's; its PATH holds a `poweroff`
# that ends this stand-in, and no sbin.
STAND_IN = r"""
import os, signal, socket, subprocess, sys, time
ready, shell_ready, fake_bin = sys.argv[1:4]
children = []
def end(*_):
    for child in children:
        child.kill()
    os._exit(0)
signal.signal(signal.SIGTERM, end)
environment = {"PATH": f"{fake_bin}:/usr/bin:/bin", "QEMU_PID": str(os.getpid())}
loop = f'while kill -0 $QEMU_PID 2>/dev/null; do echo "{shell_ready}"; sh; sleep 0.1; done'
for path in sys.argv[4:]:
    server = socket.socket(socket.AF_UNIX)
    server.bind(path)
    server.listen(1)
    print(f"QEMU waiting for connection on: disconnected:unix:{path},server=on", flush=True)
    connection, _ = server.accept()
    children.append(subprocess.Popen(["sh", "-c", loop], stdin=connection, stdout=connection,
                                     stderr=connection, env=environment))
print(f"{ready}, kernel stand-in", flush=True)
while True:
    time.sleep(1)
"""


@pytest.fixture
def guest(tmp_path: Path) -> Iterator[machine.Guest]:
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    (fake_bin / "poweroff").write_text('#!/bin/sh\nkill -TERM "$QEMU_PID"\n')
    (fake_bin / "poweroff").chmod(0o755)
    (tmp_path / "qemu.py").write_text(STAND_IN)
    folder = machine.socket_folder()
    sockets = machine.shell_sockets(folder)
    command = [sys.executable, str(tmp_path / "qemu.py"), machine.READY, machine.SHELL_READY, str(fake_bin),
               *map(str, sockets)]
    booted = machine.start(command, "a stand-in", folder, sockets, timeout_s=10,
                           redact=partial(redacted, secrets=("ab'cd",)))
    try:
        yield booted
    finally:
        booted.power_off()


def test_qemu_forwards_no_tcp_port_and_serves_each_shell_on_a_unix_socket(tmp_path: Path) -> None:
    image = VmImage(tmp_path / "vmlinux", tmp_path / "initramfs.cpio.gz", "6.1.0-1-amd64")
    sockets = machine.shell_sockets(tmp_path)

    command = machine.qemu_command(image, machine.TCG, sockets, None)

    after = {option: [command[index + 1] for index, arg in enumerate(command) if arg == option]
             for option in ("-netdev", "-chardev")}
    assert after["-netdev"] == ["user,id=net0"]  # no hostfwd: nothing reaches the guest from the host's ports
    assert after["-chardev"] == [f"socket,id=shell{index},path={path},server=on,wait=on"
                                 for index, path in enumerate(sockets)]  # a path: a Unix socket, no host= or port=
    assert [arg for arg in command if arg.startswith("virtserialport,")] == [
        f"virtserialport,bus=shells.0,chardev=shell{index},name=sdlab.shell.{index}" for index in range(len(sockets))]
    assert f"sdlab_shells={len(sockets)}" in command[command.index("-append") + 1].split()


def test_the_shell_sockets_folder_is_the_invoking_user_s_alone() -> None:
    folder = machine.socket_folder()
    try:
        status = folder.stat()

        assert (stat.S_IMODE(status.st_mode), status.st_uid) == (0o700, os.geteuid())
        assert all(path.parent == folder for path in machine.shell_sockets(folder))
    finally:
        folder.rmdir()


# a Python another user can run (the venv's may be in root's home)
SYSTEM_PYTHON = shutil.which("python3", path="/usr/bin:/bin")


@pytest.mark.skipif(os.geteuid() != 0 or not SYSTEM_PYTHON, reason="only root can try the sockets as another user")
def test_another_user_can_neither_reach_nor_open_a_shell_s_socket(guest: machine.Guest) -> None:
    # the folder refuses, whatever mode the umask gave the socket itself
    attempt = subprocess.run(
        [str(SYSTEM_PYTHON), "-c", "import os, socket, sys\n"
         "for step in (lambda: os.stat(sys.argv[1]), lambda: socket.socket(socket.AF_UNIX).connect(sys.argv[1])):\n"
         "    try:\n        step()\n        print('allowed')\n"
         "    except PermissionError:\n        print('refused')\n",
         str(guest.folder / "1.sock")],
        user=65534, group=65534, capture_output=True, text=True, cwd="/")

    assert attempt.stdout.split() == ["refused", "refused"], attempt.stderr


def test_a_command_s_output_and_exit_status_come_back(guest: machine.Guest) -> None:
    answer = guest.shell.run("echo one; printf 'two'; exit_with() { return $1; }; exit_with 3", check=False)

    assert (answer.output, answer.status) == ("one\ntwo", 3)


def test_each_line_is_timestamped_on_the_host_as_it_arrives_not_when_it_is_read(guest: machine.Guest) -> None:
    sent = time.monotonic()
    marker = guest.shell.send("echo first; sleep 0.5; echo second")
    # both lines, the newline before the marker and the marker: all arrived, none read yet
    poll_until(lambda: guest.shell.lines.queue.qsize() >= 4, timeout_s=10, interval_s=0.05, awaited="the lines")
    time.sleep(0.2)
    read = time.monotonic()

    answer = guest.shell.finish(marker, 10, "the command")

    first, second = answer.lines
    assert sent <= first.at < second.at <= answer.finished_at < read
    assert second.at - first.at >= 0.45


def test_a_second_shell_answers_while_the_first_runs_a_command(guest: machine.Guest) -> None:
    first = guest.shell
    marker = first.send("sleep 1; echo slow")
    second = guest.another_shell()

    quick = second.run("echo quick")

    assert quick.finished_at < first.finish(marker, 10, "the slow command").finished_at
    assert quick.output == "quick"


def test_a_closed_shell_s_port_serves_a_new_shell_of_its_own(guest: machine.Guest) -> None:
    for round in range(machine.SHELL_PORTS + 1):  # more shells than ports, one after the other
        shell = guest.another_shell()
        assert shell.run("echo ${left_over:-none}; left_over=yes").output == "none", round
        shell.close()


def test_a_shell_is_refused_when_every_port_is_open(guest: machine.Guest) -> None:
    for _ in range(machine.SHELL_PORTS - 1):
        guest.another_shell()

    with pytest.raises(LabError, match="all its 4 shells are open"):
        guest.another_shell()


def test_the_password_is_masked_in_a_failed_command_s_message(guest: machine.Guest) -> None:
    with pytest.raises(LabError) as failed:
        # the output is cut to its last 600 characters, here inside the password
        guest.shell.run(f"printf %s {shlex.quote('ab' + chr(39) + 'cd')}; printf %0598d 0; false")

    assert "cd" not in str(failed.value)
    assert "failed (exit 1)" in str(failed.value)


def test_the_password_is_masked_in_a_timed_out_command_s_message(guest: machine.Guest) -> None:
    with pytest.raises(LabTimeout) as timed_out:
        guest.shell.run("echo 'ab'\"'\"'cd'; sleep 2", timeout_s=0.5)

    assert "cd" not in str(timed_out.value)
    assert "***" in str(timed_out.value)


def test_power_off_ends_qemu_and_removes_the_sockets(guest: machine.Guest) -> None:
    guest.power_off()

    assert guest.process.returncode == 0  # the guest's poweroff, not a kill
    assert not guest.folder.exists()


def test_the_guest_loads_virtio_serial_for_its_shells() -> None:
    assert "virtio_console" in WANTED


def test_init_serves_the_ports_the_host_names() -> None:
    init = INIT.read_text()

    assert f'echo "{machine.SHELL_READY}"' in init
    assert f"\nnamed={machine.PORT_NAME.format('')}\n" in init
