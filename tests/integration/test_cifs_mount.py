"""Production's kernel CIFS mount of the storage box: in the web containers
where the Docker host's kernel has CIFS, and in every case in the CIFS VM
(QEMU with Debian's kernel, lab.cifsvm), which mounts the lab's storage box
through its published port. And the VM's shells: on virtio-serial ports only
the invoking user can open, nothing listening on TCP for them, the password
masked in what they print."""
from __future__ import annotations

import hashlib
import os
import shutil
import stat
import time
from pathlib import Path
from typing import Iterator

import pytest

from lab.cifsvm import image as vm_image
from lab.cifsvm import machine as vm
from lab.cifsvm.mount import SHARE, Mount, options_shown, session
from lab.cifsvm.probing import cache
from lab.config import LabConfig
from lab.docker_ops import DockerLab
from lab.errors import LabError
from lab.smb import StorageBox
from lab.status import STORAGE_STATE_FILE

TARGET = "/mnt/production"


@pytest.fixture(scope="module")
def machine(config: LabConfig, docker_lab: DockerLab) -> Iterator[vm.Guest]:
    """The CIFS VM, with production's mount of the storage box at TARGET."""
    if not shutil.which(vm.QEMU):
        pytest.skip(f"{vm.QEMU} is not installed (Debian: qemu-system-x86; CI's .ci/run installs it)")
    with vm.booted(vm_image.ensure(cache(config), print), print, secrets=[config.get("SMB_PASSWORD")]) as booted:
        booted.shell.run(Mount(config, TARGET, config.get("CIFS_OPTIONS")).command(), timeout_s=60)
        yield booted


@pytest.fixture
def guest(machine: vm.Guest) -> vm.Shell:
    """The VM's first shell."""
    return machine.shell


def production_options(config: LabConfig) -> list[str]:
    return config.get("CIFS_OPTIONS").split(",")


def test_production_s_options_are_the_ones_the_kernel_mounted_with(config: LabConfig, guest: vm.Shell) -> None:
    shown = options_shown(guest.run("cat /proc/mounts").output, TARGET)

    assert [option for option in production_options(config) if option not in shown] == []


def test_the_mount_s_session_is_smb_3_0_and_encrypted(guest: vm.Shell) -> None:
    mounted = session(guest.run("cat /proc/fs/cifs/DebugData").output)

    assert (mounted.dialect, mounted.encrypted) == ("3.0", True)


def test_a_file_written_over_smb_reads_back_byte_identical_through_the_mount(
    config: LabConfig, guest: vm.Shell, unique: str
) -> None:
    box = StorageBox(config, SHARE)
    data = os.urandom(1024 * 1024) + unique.encode()
    path = f"lab-tests/{unique}-cifs.bin"
    box.write(path, data)
    try:
        read = guest.run(f"sha256sum {TARGET}/{path}").output.split()[0]
    finally:
        # through the mount: a removal over SMB while the mount holds the file
        # (its deferred close) was lost
        guest.run(f"rm {TARGET}/{path}")

    assert read == hashlib.sha256(data).hexdigest()


def listening_tcp_inodes(proc_net_tcp: str) -> set[str]:
    """The socket inodes of /proc/net/tcp{,6} lines in state LISTEN (0A)."""
    rows = [line.split() for line in proc_net_tcp.splitlines()]
    return {row[9] for row in rows if len(row) > 9 and row[3] == "0A"}


def test_nothing_in_the_guest_listens_on_tcp(guest: vm.Shell) -> None:
    assert listening_tcp_inodes(guest.run("cat /proc/net/tcp /proc/net/tcp6").output) == set()


def test_the_vm_s_qemu_listens_on_no_tcp_port_of_the_host(machine: vm.Guest) -> None:
    pid = machine.process.pid
    sockets = {os.readlink(fd).removeprefix("socket:[").rstrip("]") for fd in Path(f"/proc/{pid}/fd").iterdir()
               if os.readlink(fd).startswith("socket:[")}
    listening = listening_tcp_inodes(Path(f"/proc/{pid}/net/tcp").read_text()
                                     + Path(f"/proc/{pid}/net/tcp6").read_text())

    assert sockets and sockets & listening == set()


def test_the_shells_sockets_are_in_a_folder_only_the_invoking_user_can_open(machine: vm.Guest) -> None:
    folder = machine.folder.stat()
    sockets = sorted(machine.folder.iterdir())

    assert (stat.S_IMODE(folder.st_mode), folder.st_uid) == (0o700, os.geteuid())
    assert [path.name for path in sockets] == [path.name for path in vm.shell_sockets(machine.folder)]
    assert all(stat.S_ISSOCK(path.stat().st_mode) for path in sockets)


def test_a_long_command_line_reaches_the_guest_whole_with_no_more_input_behind_it(guest: vm.Shell) -> None:
    # the serial console's 16550A held back the tail of a line until more came
    started = time.monotonic()

    answer = guest.run(f"printf %s {'x' * 65536} | wc -c", timeout_s=30)

    assert answer.output.strip() == "65536"
    assert answer.finished_at - started < 10


def test_a_second_shell_answers_while_the_first_runs_a_command(machine: vm.Guest) -> None:
    marker = machine.shell.send("sleep 3; echo slow")
    second = machine.another_shell()
    try:
        quick = second.run("echo quick")
    finally:
        second.close()

    assert quick.finished_at < machine.shell.finish(marker, 30, "the slow command").finished_at


def test_a_closed_shell_s_port_serves_a_new_shell_of_its_own(machine: vm.Guest) -> None:
    for round in range(vm.SHELL_PORTS + 1):  # more shells than ports, one after the other
        shell = machine.another_shell()
        try:
            assert shell.run("echo ${left_over:-none}; left_over=yes").output == "none", round
        finally:
            shell.close()


def test_a_failed_mount_s_message_has_no_password(config: LabConfig, guest: vm.Shell) -> None:
    password = config.get("SMB_PASSWORD")
    failing = Mount(config, "/mnt/nowhere", config.get("CIFS_OPTIONS"), share="no-such-share")

    with pytest.raises(LabError) as failed:
        guest.run(failing.command(), timeout_s=60)

    assert password not in str(failed.value)
    assert "password=***" in str(failed.value)


def test_the_web_containers_mount_with_production_s_options_where_the_kernel_has_cifs(
    config: LabConfig, docker_lab: DockerLab
) -> None:
    mode = docker_lab.exec("sd1a", ["cat", STORAGE_STATE_FILE]).output
    if "mode=cifs" not in mode:
        pytest.skip(f"this Docker host's kernel cannot mount CIFS, so the lab runs {mode.split()[0]}; "
                    "the CIFS VM's tests above mount with production's options instead")
    mounts = docker_lab.exec("sd1a", ["grep", " /storage/sdmods cifs ", "/proc/mounts"]).output

    assert [option for option in production_options(config) if option not in mounts.split()[3].split(",")] == []
