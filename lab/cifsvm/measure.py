"""What the CIFS VM measures against the running lab's storage box, for
`make cifs` (all of it) and `make bench` (the reads). Times are taken on the
host as the guest's lines arrive (lab.cifsvm.machine): "go" printed just
before a read and the command's end marker just after it bound the read.

Where KVM cannot run the guest (as on the machines here), it is emulated
(TCG): absolute rates are then the emulator's, and only ratios carry over."""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
import time
import uuid
from contextlib import closing, contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Callable, Iterator

from lab.cifsvm import mount as cifs
from lab.cifsvm.machine import Guest, Shell
from lab.config import LabConfig
from lab.docker_ops import DockerLab
from lab.errors import LabError, LabTimeout, PrerequisiteMissing
from lab.faults import paused
from lab.results.figures import MIN_SAMPLES, Observation, Results
from lab.smb import StorageBox
from lab.waiting import poll_until

Output = Callable[[str], None]

# the lab's test files on the production share, removed afterwards
FOLDER = "lab-tests/cifsvm"
MIB = 2**20
# a cold read of it lasts about a second under emulation (~30 MB/s), a warm one
# (the page cache, 200-600 MB/s) 50-150 ms: long against the host's timing
READ_MIB = 32
MOUNT_TIMEOUT_S = 60.0
# a cold read of READ_MIB on a loaded 2-core host took 5 s
READ_TIMEOUT_S = 120.0
# the fsc cache disk (ext4: cachefiles needs xattrs, which tmpfs lacks)
FSC_DISK_MIB = 256
FSC_TIMEOUT_S = 30.0
# how long a replaced file may stay stale before a sample gives up
COHERENCE_BOUND_S = 30.0
COHERENCE_POLL_US = 20000
# actimeo values compared with production's 1 (attribute cache lifetime, s)
ACTIMEO = ("1", "5")
# a read from the frozen storage box, for soft and for hard: 207 s and 229 s
# here with production's echo_interval=60 (CIFS gives a server up after
# about three of them)
OUTAGE_BOUND_S = 300.0
RECOVERY_BOUND_S = 120.0
# a line while the reads wait, so a long wait is seen to go on
PROGRESS_S = 30.0

READS = "cifs-reads"
COHERENCE = "cifs-coherence"
OUTAGE = "cifs-outage"
MOUNTED = "cifs-mount"


@dataclass(frozen=True)
class Probe:
    """The VM, the storage box it mounts, and where the figures go."""
    guest: Guest
    config: LabConfig
    box: StorageBox
    results: Results
    out: Output

    @property
    def shell(self) -> Shell:
        return self.guest.shell

    def mount(self, target: str, options: str) -> None:
        made = cifs.Mount(self.config, target, options)
        answer = self.shell.run(made.command(), MOUNT_TIMEOUT_S, check=False)
        if answer.status != 0:
            kernel = self.shell.run("dmesg | grep -i cifs | tail -5", check=False).output
            raise LabError(self.guest.redact(f"the CIFS VM could not mount: {made.command()}: "
                                             f"{answer.output}\n{kernel}"))

    def unmount(self, target: str) -> None:
        self.shell.run(f"umount {target}", MOUNT_TIMEOUT_S)

    def timed(self, command: str) -> float:
        """Seconds `command` took in the guest, from its "go" line to its end."""
        marker = self.shell.send(f"echo go; {command}")
        started = self.shell.until("go", READ_TIMEOUT_S, f"`{command}` to start")
        answer = self.shell.finish(marker, READ_TIMEOUT_S, f"`{command}` to finish")
        if answer.status != 0:
            raise LabError(f"the CIFS VM: `{command}` failed (exit {answer.status}): {answer.output}")
        return answer.finished_at - started.at

    def file(self, name: str, data: bytes) -> str:
        path = f"{FOLDER}/{name}"
        self.box.write(path, data)
        return path


@contextmanager
def test_folder(box: StorageBox, out: Output) -> Iterator[None]:
    """The test files written under FOLDER on the production share, removed
    afterwards (with the folder). A removal that fails is said, not raised:
    it must not hide the error a measurement may have ended with."""
    try:
        yield
    finally:
        try:
            if any(entry.path == FOLDER for entry in box.walk(FOLDER.rsplit("/", 1)[0])):
                for path in box.files(FOLDER):
                    box.remove(path)
                box.remove_folder(FOLDER)
        except LabError as error:
            out(f"cifs: could not remove the test files: {error}")


# --- 1 and 2: the mount, and a file written through the storage box read back --

def mount_and_read_back(probe: Probe) -> None:
    options = probe.config.get("CIFS_OPTIONS")
    probe.mount("/mnt/production", options)
    shown = cifs.options_shown(probe.shell.run("cat /proc/mounts").output, "/mnt/production")
    session = cifs.session(probe.shell.run("cat /proc/fs/cifs/DebugData").output)
    missing = [option for option in options.split(",") if option not in shown]
    probe.results.observations += [
        Observation(MOUNTED, "options as the kernel shows them", probe.guest.redact(",".join(shown))),
        Observation(MOUNTED, "production's options the kernel does not show", ", ".join(missing) or "none"),
        Observation(MOUNTED, "session", f"SMB {session.dialect}, {'encrypted' if session.encrypted else 'NOT encrypted'}"),
    ]
    data = os.urandom(MIB) + b"written by the host over SMB3, read back through the kernel's CIFS mount\n"
    path = probe.file(f"read-back-{uuid.uuid4().hex[:8]}.bin", data)
    seen = probe.shell.run(f"sha256sum /mnt/production/{path}").output.split()[0]
    expected = hashlib.sha256(data).hexdigest()
    identical = seen == expected
    probe.results.observations.append(Observation(
        MOUNTED, "a file written through the storage box (as `lab storage put`), read through the mount",
        f"{len(data):,} bytes, sha256 {seen[:16]}…: {'byte-identical' if identical else f'DIFFERENT from {expected[:16]}…'}"))
    probe.unmount("/mnt/production")
    if not identical:
        raise LabError(f"the CIFS VM read {path} with sha256 {seen}, not the {expected} written")


# --- 3: cold and warm reads per caching mode -----------------------------------

@contextmanager
def fsc_disk() -> Iterator[Path]:
    """A fresh ext4 image for FS-Cache, on the host, for one boot."""
    with tempfile.TemporaryDirectory(prefix="sdlab-cifsvm-") as folder:
        disk = Path(folder) / "fscache.img"
        with disk.open("wb") as image:
            image.truncate(FSC_DISK_MIB * MIB)
        if not shutil.which("mkfs.ext4"):
            raise PrerequisiteMissing("mkfs.ext4 is not installed (for FS-Cache's disk in the CIFS VM)",
                                      hint="apt-get install e2fsprogs")
        try:
            subprocess.run(["mkfs.ext4", "-q", "-F", str(disk)], check=True, capture_output=True, text=True)
        except subprocess.CalledProcessError as error:
            raise LabError(f"mkfs.ext4 could not make FS-Cache's disk: {error.stderr.strip()}") from error
        yield disk


def start_fscache(probe: Probe) -> None:
    probe.shell.run("mount -t ext4 /dev/vda /var/cache/fscache && "
                    "(cachefilesd -n -s >/tmp/cachefilesd.log 2>&1 &)")
    # a cache in state A (active) in FS-Cache's list
    poll_until(lambda: probe.shell.run("grep -qE ' A [^ ]+$' /proc/fs/fscache/caches", check=False).status == 0,
               timeout_s=FSC_TIMEOUT_S, awaited="cachefilesd to register its cache with FS-Cache",
               last_state=lambda: probe.shell.run("cat /tmp/cachefilesd.log", check=False).output)


def reads(probe: Probe, samples: int = MIN_SAMPLES) -> None:
    """A READ_MIB file through each caching mode: cold (after a new mount and
    with the guest's page cache dropped) and warm (read again at once)."""
    data = os.urandom(READ_MIB * MIB)
    path = probe.file(f"reads-{uuid.uuid4().hex[:8]}.bin", data)
    size_mb = len(data) / 1e6
    for mode, options in cifs.cache_variants(probe.config.get("CIFS_OPTIONS")).items():
        row = f"{mode} (production)" if mode == cifs.PRODUCTION else mode
        probe.out(f"cifs: reads of a {READ_MIB} MiB file with {row}, {samples} cold and {samples} warm")
        target = f"/mnt/{mode.replace('=', '-')}"
        read = f"dd if={target}/{path} of=/dev/null bs=1M 2>/dev/null"
        if mode == "fsc":
            start_fscache(probe)
            probe.mount(target, options)
            filling = probe.timed(read)
            probe.results.observations.append(Observation(
                READS, "fsc, the first read (filling an empty cache)", f"{size_mb / filling:.1f} MB/s"))
            poll_until(lambda: int(probe.shell.run("du -sk /var/cache/fscache").output.split()[0]) * 1024 >= len(data),
                       timeout_s=FSC_TIMEOUT_S, awaited=f"FS-Cache to hold the {READ_MIB} MiB file")
            probe.unmount(target)
        cold = []
        for _ in range(samples):
            probe.shell.run("sync; echo 3 >/proc/sys/vm/drop_caches")
            probe.mount(target, options)
            cold.append(size_mb / probe.timed(read))
            probe.unmount(target)
        probe.mount(target, options)
        probe.timed(read)
        warm = [size_mb / probe.timed(read) for _ in range(samples)]
        probe.unmount(target)
        probe.results.add(READS, row, "cold", "MB/s", cold)
        probe.results.add(READS, row, "warm", "MB/s", warm)


# --- 4 and 5: how long a replaced file stays stale -----------------------------

def _stale_for(probe: Probe, watcher: str, replace: Callable[[], object]) -> float:
    """Seconds from the start of `replace` until `watcher`, a file the guest
    has read once, shows the new version (COHERENCE_BOUND_S: never)."""
    marker = probe.shell.send(
        f"cat {watcher} >/dev/null; echo watching; timeout {COHERENCE_BOUND_S:.0f} sh -c "
        f"'until grep -q \"version 2\" {watcher}; do usleep {COHERENCE_POLL_US}; done'; echo \"seen $?\"")
    probe.shell.until("watching", READ_TIMEOUT_S, f"the guest to read {watcher}")
    began = time.monotonic()
    replace()
    seen = probe.shell.until("seen", COHERENCE_BOUND_S + READ_TIMEOUT_S, f"the guest to see {watcher} replaced")
    probe.shell.finish(marker, READ_TIMEOUT_S, "the watch to end")
    if seen.text != "seen 0":
        return COHERENCE_BOUND_S
    return seen.at - began


def _versions(name: str) -> tuple[bytes, bytes]:
    """Two contents of one length: the size tells them apart no more than a
    zip replaced by another of its size would be."""
    return (f"{name} version 1\n".encode(), f"{name} version 2\n".encode())


def replaced_by_another_client(probe: Probe, samples: int = MIN_SAMPLES) -> None:
    """A file replaced over SMB by another client (the host, as another
    production container would, overwriting it in place): how long the mount
    serves the old bytes, per caching mode and attribute cache lifetime."""
    options = probe.config.get("CIFS_OPTIONS")
    for cache in ("cache=strict", "cache=loose"):
        for actimeo in ACTIMEO:
            production = {cache, f"actimeo={actimeo}"} <= set(options.split(","))
            row = f"{cache}, actimeo={actimeo}" + (" (production)" if production else "")
            probe.out(f"cifs: a file replaced by another SMB client, seen through {row}: {samples} times")
            probe.mount("/mnt/watched", cifs.with_option(cifs.with_option(options, cache), f"actimeo={actimeo}"))
            windows = []
            for _ in range(samples):
                name = f"replaced-{uuid.uuid4().hex[:8]}"
                old, new = _versions(name)
                path = probe.file(name, old)
                windows.append(_stale_for(probe, f"/mnt/watched/{path}", partial(probe.box.replace, path, new)))
            probe.unmount("/mnt/watched")
            probe.results.add(COHERENCE, row, "replaced by another client: stale for", "s", windows)


def mounted_twice(probe: Probe, samples: int = MIN_SAMPLES) -> None:
    """Two mounts of the share in one machine, a file written through one and
    watched through the other: with production's options as they are (one
    kernel may share its connection and session between them), and as two
    sessions (nosharesock: as a mount on the host and one in a VM, or on
    another machine, would be)."""
    options = probe.config.get("CIFS_OPTIONS")
    for row, second in (("two mounts, one kernel (production's options)", options),
                        ("two sessions (nosharesock)", cifs.with_option(options, "nosharesock"))):
        probe.out(f"cifs: mounted twice, {row}: a file written through one, watched through the other, "
                  f"{samples} times")
        probe.mount("/mnt/first", options)
        probe.mount("/mnt/second", second)
        windows = []
        with closing(probe.guest.another_shell()) as writer:
            for _ in range(samples):
                name = f"twice-{uuid.uuid4().hex[:8]}"
                old, new = _versions(name)
                path = probe.file(name, old)
                write = f"printf '{new.decode().strip()}\\n' >/mnt/first/{path}"
                windows.append(_stale_for(probe, f"/mnt/second/{path}", partial(writer.run, write)))
        probe.unmount("/mnt/second")
        probe.unmount("/mnt/first")
        probe.results.add(COHERENCE, row, "written through the other mount: stale for", "s", windows)


# --- 6: soft against hard while the storage box does not answer -----------------

def outage(probe: Probe, lab: DockerLab) -> None:
    """The storage box frozen (docker pause) while a file is read through a
    soft mount (production's) and through a hard one: how long until each
    read returns, and what it returns."""
    options = probe.config.get("CIFS_OPTIONS")
    mounts = {"soft (production)": cifs.with_option(options, "nosharesock"),
              "hard": cifs.with_option(cifs.with_option(cifs.without_option(options, "soft"), "hard"), "nosharesock")}
    files = {}
    for index, (row, row_options) in enumerate(mounts.items()):
        probe.mount(f"/mnt/outage{index}", row_options)
        files[row] = probe.file(f"outage-{index}-{uuid.uuid4().hex[:8]}.bin", os.urandom(MIB))
        shown = cifs.options_shown(probe.shell.run("cat /proc/mounts").output, f"/mnt/outage{index}")
        if ("soft" in shown) != row.startswith("soft"):
            raise LabError(probe.guest.redact(f"the {row} mount shows {','.join(shown)}"))
    probe.out(f"cifs: the storage box frozen (docker pause; the lab's sites cannot read files meanwhile) while a "
              f"file is read through a soft and a hard mount; watched for up to {OUTAGE_BOUND_S:.0f} s")
    rows = list(mounts)
    ended: dict[str, tuple[float, str]] = {}  # row -> (seconds after the freeze, exit status)

    def wait_for_reads(frozen: float, bound_s: float) -> None:
        """Each read's end, until `bound_s` after the freeze (LabTimeout then)."""
        while len(ended) < len(rows):
            waited = time.monotonic() - frozen
            if waited >= bound_s:
                raise LabTimeout(f"the reads through {', '.join(set(rows) - set(ended))} had not returned "
                                 f"{bound_s:.0f} s after the storage box froze")
            try:
                line = probe.shell.until("outage", min(PROGRESS_S, bound_s - waited), "the reads to return")
            except LabTimeout:
                probe.out(f"cifs: {time.monotonic() - frozen:.0f} s since the box froze; still reading through: "
                          f"{', '.join(row for row in rows if row not in ended)}")
                continue
            index, status = line.text.removeprefix("outage").split()
            ended[rows[int(index)]] = (line.at - frozen, status)

    with paused(lab, "storagebox", probe.out):
        frozen = time.monotonic()
        for index, row in enumerate(rows):
            probe.shell.run(f"(dd if=/mnt/outage{index}/{files[row]} of=/dev/null bs=1M 2>/tmp/outage{index}.err; "
                            f"echo \"outage{index} $?\") &")
        try:
            wait_for_reads(frozen, OUTAGE_BOUND_S)
        except LabTimeout:
            pass  # a read still waiting is what is reported
        during = dict(ended)
    thawed = time.monotonic()
    wait_for_reads(frozen, thawed - frozen + RECOVERY_BOUND_S)
    for index, row in enumerate(rows):
        seconds, status = ended[row]
        error = probe.shell.run(f"cat /tmp/outage{index}.err", check=False).output.strip().splitlines()
        result = "it succeeded" if status == "0" else f"it failed: exit {status}, {error[-1] if error else 'no message'}"
        if row in during:
            text = f"returned after {seconds:.0f} s: {result}"
        else:
            text = (f"still waiting when the box answered again after {thawed - frozen:.0f} s; it returned "
                    f"{seconds - (thawed - frozen):.1f} s later: {result}")
        probe.results.observations.append(Observation(OUTAGE, row, text))
    for index in range(len(mounts)):
        probe.shell.run(f"umount -f /mnt/outage{index}", MOUNT_TIMEOUT_S, check=False)
