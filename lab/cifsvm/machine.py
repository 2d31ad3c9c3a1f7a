"""QEMU running the CIFS VM, and a shell in the guest.

The guest serves a shell on TCP (cifsvm/init.sh), which QEMU's user network
forwards from a free port on the host's 127.0.0.1. The host writes a command
line; the guest's sh runs it and prints its output, then a marker with the
exit status. (The serial console is left to the boot: QEMU's 16550A held back
the tail of command lines written to it until more input came.)

Each line from the guest is timestamped on the host as it arrives, so a
measurement can time what happens in the guest against what the host did (a
file replaced over SMB, the storage box paused) on one clock."""
from __future__ import annotations

import itertools
import os
import queue
import shutil
import socket
import subprocess
import threading
import time
from collections import deque
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Callable, Iterator

from lab.cifsvm.image import VmImage
from lab.cifsvm.mount import redacted
from lab.errors import LabError, LabTimeout, PrerequisiteMissing
from lab.waiting import poll_until

QEMU = "qemu-system-x86_64"
# "at most 1 vCPU and 1 GB of memory"
VCPUS = 1
MEMORY_MB = 1024
# qboot: a BIOS that hands over to the kernel at once (SeaBIOS takes seconds under emulation)
BIOS = Path("/usr/share/qemu/qboot.rom")
# printk off the console; no reboot: a panic ends QEMU
KERNEL_COMMAND_LINE = "console=ttyS0 quiet loglevel=1 panic=-1"
READY = "sdlab-vm: ready"
# the guest's shell server (cifsvm/init.sh)
SHELL_PORT = 2323
# to the guest's "ready" under emulation: about 3 s here, 60 s for a slow host
BOOT_TIMEOUT_S = 60.0
# a guest under KVM that has not answered in this long is not going to
KVM_BOOT_TIMEOUT_S = 15.0
# the shell server starts beside "ready"
CONNECT_TIMEOUT_S = 10.0
POWER_OFF_TIMEOUT_S = 10.0
# the guest's lines kept for an error message
KEPT_LINES = 30
DONE = "sdlab-done"
TCG = "-accel tcg -cpu max"


@dataclass(frozen=True)
class Line:
    at: float  # time.monotonic() on the host when it arrived
    text: str


@dataclass(frozen=True)
class Answer:
    lines: list[Line]
    status: int
    finished_at: float

    @property
    def output(self) -> str:
        return "\n".join(line.text for line in self.lines)


def accelerator() -> tuple[str, str]:
    """QEMU's accelerator options and why: KVM where a stock kernel runs
    under it, else TCG (instruction emulation)."""
    if Path("/sys/module/kvm_pvm").exists():
        return TCG, "TCG: this host's KVM is kvm_pvm, which cannot run a stock kernel"
    if os.access("/dev/kvm", os.R_OK | os.W_OK):
        return "-accel kvm -cpu host", "KVM"
    return TCG, "TCG: no usable /dev/kvm"


def free_port() -> int:
    """A port nothing listens on at 127.0.0.1."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def qemu_command(image: VmImage, accel: str, shell_port: int, disk: Path | None) -> list[str]:
    command = [QEMU, *accel.split(), "-machine", "q35", "-smp", str(VCPUS), "-m", str(MEMORY_MB),
               "-nodefaults", "-no-reboot", "-display", "none", "-monitor", "none", "-serial", "stdio",
               "-kernel", str(image.kernel), "-initrd", str(image.initramfs), "-append", KERNEL_COMMAND_LINE,
               # user networking: the guest reaches the host's 127.0.0.1 as 10.0.2.2; only its shell is
               # forwarded, from the host's loopback
               "-netdev", f"user,id=net0,hostfwd=tcp:127.0.0.1:{shell_port}-:{SHELL_PORT}",
               "-device", "virtio-net-pci,netdev=net0"]
    if BIOS.exists():
        command += ["-bios", str(BIOS)]
    if disk:
        # the fsc cache's ext4 disk: scratch data, so the host need not flush it
        command += ["-drive", f"file={disk},if=virtio,format=raw,cache=unsafe"]
    return command


class Lines:
    """Lines read from a stream in a thread of their own, timestamped."""

    def __init__(self, stream: BinaryIO, what: str, recent: deque[str]) -> None:
        self.what = what
        self.recent = recent
        self.queue: queue.Queue[Line | None] = queue.Queue()
        threading.Thread(target=self._read, args=(stream,), daemon=True).start()

    def _read(self, stream: BinaryIO) -> None:
        try:
            for raw in stream:
                text = raw.decode(errors="replace").rstrip("\r\n")
                self.recent.append(text)
                self.queue.put(Line(time.monotonic(), text))
        except OSError as error:  # a connection reset: the end of this stream, as a close would be
            self.recent.append(f"({error})")
        finally:
            stream.close()
            self.queue.put(None)

    def next(self, deadline: float, awaited: str) -> Line:
        try:
            line = self.queue.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            raise LabTimeout(f"the CIFS VM: timed out waiting for {awaited}; {self.what} ended with:\n"
                             + "\n".join(self.recent)) from None
        if line is None:
            raise LabError(f"the CIFS VM: {self.what} closed while waiting for {awaited}; it ended with:\n"
                           + "\n".join(self.recent))
        return line


class Shell:
    """A shell in the guest, on a connection of its own."""

    def __init__(self, shell_port: int) -> None:
        self.connection = socket.create_connection(("127.0.0.1", shell_port), timeout=CONNECT_TIMEOUT_S)
        self.connection.settimeout(None)
        self.lines = Lines(self.connection.makefile("rb"), "its shell", deque(maxlen=KEPT_LINES))
        self.markers = itertools.count(1)

    def send(self, command: str) -> str:
        """Start `command`; returns the marker its end prints."""
        marker = f"{DONE}-{next(self.markers)}"
        # the marker on a line of its own, even after output that ends without one
        self.connection.sendall(f"{{ {command}\n}} 2>&1; printf '\\n%s %s\\n' {marker} $?\n".encode())
        return marker

    def finish(self, marker: str, timeout_s: float, awaited: str) -> Answer:
        """The output of the command `marker` ends, and its exit status."""
        deadline = time.monotonic() + timeout_s
        lines = []
        while True:
            line = self.lines.next(deadline, awaited)
            if line.text.startswith(f"{marker} "):
                if lines and not lines[-1].text:
                    lines.pop()  # the newline before the marker
                return Answer(lines, int(line.text.split()[1]), line.at)
            lines.append(line)

    def until(self, text: str, timeout_s: float, awaited: str) -> Line:
        """The next line of output that starts with `text`; the lines before
        it are passed over."""
        deadline = time.monotonic() + timeout_s
        while not (line := self.lines.next(deadline, awaited)).text.startswith(text):
            pass
        return line

    def run(self, command: str, timeout_s: float = 30.0, *, check: bool = True) -> Answer:
        shown = redacted(command)
        answer = self.finish(self.send(command), timeout_s, f"`{shown}` to finish")
        if check and answer.status != 0:
            raise LabError(f"the CIFS VM: `{shown}` failed (exit {answer.status}): {answer.output[-600:]}")
        return answer

    def close(self) -> None:
        try:
            self.connection.shutdown(socket.SHUT_RDWR)  # ends the reader thread's file too
        except OSError:
            pass  # already closed by the guest
        self.connection.close()


class Guest:
    """A booted VM, and shells in it: `shell` for most work, more from
    `another_shell` for what must run beside it."""

    def __init__(self, process: subprocess.Popen[bytes], how: str, shell_port: int) -> None:
        self.process = process
        self.how = how
        self.shell_port = shell_port
        assert process.stdout
        self.console = Lines(process.stdout, "its serial console", deque(maxlen=KEPT_LINES))
        self.shells: list[Shell] = []

    def another_shell(self) -> Shell:
        """A new shell (the guest's server may take a moment to listen)."""
        def answering() -> Shell | None:
            shell: Shell | None = None
            try:
                shell = Shell(self.shell_port)
                shell.run("true", timeout_s=2.0)
                return shell
            except (LabError, OSError):
                if shell:
                    shell.close()
                return None
        shell = poll_until(answering, timeout_s=CONNECT_TIMEOUT_S, interval_s=0.2,
                           awaited=f"the CIFS VM's shell on 127.0.0.1:{self.shell_port} to answer")
        self.shells.append(shell)
        return shell

    @property
    def shell(self) -> Shell:
        return self.shells[0]  # the one made at boot

    def power_off(self) -> None:
        if self.process.poll() is None:
            try:
                self.shells[0].connection.sendall(b"poweroff -f\n")
            except (IndexError, OSError):
                self.process.kill()  # no shell to ask: QEMU is stopped from outside
        try:
            self.process.wait(timeout=POWER_OFF_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        for shell in self.shells:
            shell.close()


def _boot(image: VmImage, accel: str, how: str, disk: Path | None, timeout_s: float) -> Guest:
    shell_port = free_port()
    process = subprocess.Popen(qemu_command(image, accel, shell_port, disk), stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    guest = Guest(process, how, shell_port)
    try:
        deadline = time.monotonic() + timeout_s
        while not guest.console.next(deadline, "the guest to boot").text.startswith(READY):
            pass
        guest.another_shell()
    except (LabError, OSError):
        guest.power_off()
        raise
    return guest


@contextmanager
def booted(image: VmImage, out: Callable[[str], None], disk: Path | None = None) -> Iterator[Guest]:
    """The VM, booted, and powered off afterwards. A KVM that fails to boot
    the guest is reported, and the boot tried again under TCG."""
    if not shutil.which(QEMU):
        raise PrerequisiteMissing(f"{QEMU} is not installed", hint="apt-get install qemu-system-x86")
    accel, how = accelerator()
    started = time.monotonic()
    try:
        guest = _boot(image, accel, how, disk, BOOT_TIMEOUT_S if accel == TCG else KVM_BOOT_TIMEOUT_S)
    except LabError as error:
        if accel == TCG:
            raise
        out(f"lab: the CIFS VM did not boot under KVM ({str(error).splitlines()[0]}); trying TCG")
        accel, how = TCG, "TCG: KVM did not boot it"
        guest = _boot(image, accel, how, disk, BOOT_TIMEOUT_S)
    out(f"lab: the CIFS VM booted in {time.monotonic() - started:.1f} s ({VCPUS} vCPU, {MEMORY_MB} MB, {how})")
    try:
        yield guest
    finally:
        guest.power_off()
