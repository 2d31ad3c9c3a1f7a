"""Production's kernel CIFS mount of the storage box: in the web containers
where the Docker host's kernel has CIFS, and in every case in the CIFS VM
(QEMU with Debian's kernel, lab.cifsvm), which mounts the lab's storage box
through its published port."""
from __future__ import annotations

import hashlib
import os
import shutil
from typing import Iterator

import pytest

from lab.cifsvm import image as vm_image
from lab.cifsvm import machine as vm
from lab.cifsvm.mount import SHARE, Mount, options_shown, session
from lab.cifsvm.probing import cache
from lab.config import LabConfig
from lab.docker_ops import DockerLab
from lab.smb import StorageBox

TARGET = "/mnt/production"


@pytest.fixture(scope="module")
def guest(config: LabConfig, docker_lab: DockerLab) -> Iterator[vm.Shell]:
    """A shell in the CIFS VM, with production's mount of the storage box at TARGET."""
    if not shutil.which(vm.QEMU):
        pytest.skip(f"{vm.QEMU} is not installed (Debian: qemu-system-x86; CI's .ci/run installs it)")
    with vm.booted(vm_image.ensure(cache(config), print), print) as booted:
        shell = booted.shell
        shell.run(Mount(config, TARGET, config.get("CIFS_OPTIONS")).command(), timeout_s=60)
        yield shell


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


def test_the_web_containers_mount_with_production_s_options_where_the_kernel_has_cifs(
    config: LabConfig, docker_lab: DockerLab
) -> None:
    mode = docker_lab.exec("sd1a", ["cat", "/run/sdlab/storage"]).output
    if "mode=cifs" not in mode:
        pytest.skip(f"this Docker host's kernel cannot mount CIFS, so the lab runs {mode.split()[0]}; "
                    "the CIFS VM's tests above mount with production's options instead")
    mounts = docker_lab.exec("sd1a", ["grep", " /storage/sdmods cifs ", "/proc/mounts"]).output

    assert [option for option in production_options(config) if option not in mounts.split()[3].split(",")] == []
