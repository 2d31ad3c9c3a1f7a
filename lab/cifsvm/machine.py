"""QEMU running the CIFS VM, and shells in the guest.

The guest's shells are on virtio-serial ports (cifsvm/init.sh), each a Unix
socket on the host in a folder of mode 0700 made for the boot: only the user
who started the VM (and root) can open them. Nothing listens on TCP for them,
in the guest or on the host; QEMU's user network carries SMB only.

The host connects to every port before the guest runs (QEMU waits for it,
`wait=on`) and stays connected until the VM is powered off. In the guest each
port has a shell at a time: it says SHELL_READY, runs sh on the port, and when
that sh exits, says it again and runs another. A Shell here takes a port whose
shell has said it is ready, writes command lines to it and reads their output,
then a marker with the exit status; closing it ends that sh (`exit`), and the
port serves the next Shell. (The serial console is left to the boot: QEMU's
16550A held back the tail of command lines written to it until more input
came. A virtio-serial port is not a UART: what the host writes reaches the
guest's read() whole, in virtqueue buffers.)

Each line from the guest is timestamped on the host as it arrives, so a
measurement can time what happens in the guest against what the host did (a
file replaced over SMB, the storage box paused) on one clock."""
from __future__ import annotations

import itertools
import os
import queue
import shutil
import socket
import stat
import subprocess
import tempfile
import threading
import time
from collections import deque
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import BinaryIO, Callable, Iterable, Iterator

from lab.cifsvm.image import VmImage
from lab.cifsvm.mount import redacted
from lab.errors import LabError, LabTimeout, PrerequisiteMissing

Redact = Callable[[str], str]

QEMU = "qemu-system-x86_64"
# "at most 1 vCPU and 1 GB of memory"
VCPUS = 1
MEMORY_MB = 1024
# qboot: a BIOS that hands over to the kernel at once (SeaBIOS takes seconds under emulation)
BIOS = Path("/usr/share/qemu/qboot.rom")
# the guest's shell ports: the main shell, one beside it (lab.cifsvm.measure's
# mounted_twice writes through it while the main one watches), and spares
SHELL_PORTS = 4
# a port's name in the guest (/sys/class/virtio-ports/*/name); cifsvm/init.sh serves these
PORT_NAME = "sdlab.shell.{}"
# printk off the console; no reboot: a panic ends QEMU; sdlab_shells reaches
# /init as an environment variable: how many ports it waits for
KERNEL_COMMAND_LINE = f"console=ttyS0 quiet loglevel=1 panic=-1 sdlab_shells={SHELL_PORTS}"
READY = "sdlab-vm: ready"
# what the guest writes on a port before each new shell (cifsvm/init.sh)
SHELL_READY = "sdlab-shell: ready"
POWER_OFF = "poweroff -f"
# to the guest's "ready" under emulation: about 3 s here, 60 s for a slow host
BOOT_TIMEOUT_S = 60.0
# a guest under KVM that has not answered in this long is not going to
KVM_BOOT_TIMEOUT_S = 15.0
# QEMU making its sockets; a port's shell saying it is ready
CONNECT_TIMEOUT_S = 10.0
POWER_OFF_TIMEOUT_S = 10.0
# the guest's lines kept for an error message
KEPT_LINES = 30
DONE = "sdlab-done"
TCG = "-accel tcg -cpu max"
# a Unix socket's path has room for 107 bytes
SOCKET_PATH_MAX = 107


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


def socket_folder() -> Path:
    """A new folder for one boot's shell sockets, that only this user can
    open (mode 0700: tempfile.mkdtemp's, checked)."""
    folder = Path(tempfile.mkdtemp(prefix="sdlab-cifsvm-"))
    mode = folder.stat()
    if stat.S_IMODE(mode.st_mode) != 0o700 or mode.st_uid != os.geteuid():
        shutil.rmtree(folder, ignore_errors=True)
        raise LabError(f"the CIFS VM's socket folder {folder} is not this user's alone "
                       f"(mode {stat.S_IMODE(mode.st_mode):o}, owner {mode.st_uid})")
    longest = folder / f"{SHELL_PORTS - 1}.sock"
    if len(bytes(longest)) > SOCKET_PATH_MAX:
        shutil.rmtree(folder, ignore_errors=True)
        raise LabError(f"the CIFS VM's shell sockets would have a path longer than a Unix socket's "
                       f"{SOCKET_PATH_MAX} bytes ({longest})", hint="set TMPDIR to a shorter folder, e.g. /tmp")
    return folder


def shell_sockets(folder: Path) -> list[Path]:
    return [folder / f"{index}.sock" for index in range(SHELL_PORTS)]


def _option_value(value: object) -> str:
    """A value in a QEMU -chardev/-device option list (a comma doubled)."""
    return str(value).replace(",", ",,")


def qemu_command(image: VmImage, accel: str, sockets: list[Path], disk: Path | None) -> list[str]:
    command = [QEMU, *accel.split(), "-machine", "q35", "-smp", str(VCPUS), "-m", str(MEMORY_MB),
               "-nodefaults", "-no-reboot", "-display", "none", "-monitor", "none", "-serial", "stdio",
               "-kernel", str(image.kernel), "-initrd", str(image.initramfs), "-append", KERNEL_COMMAND_LINE,
               # user networking, for SMB: the guest reaches the host's 127.0.0.1 as 10.0.2.2;
               # nothing is forwarded to the guest
               "-netdev", "user,id=net0", "-device", "virtio-net-pci,netdev=net0",
               "-device", "virtio-serial-pci,id=shells"]
    for index, path in enumerate(sockets):
        # QEMU makes the socket and waits for the host to connect before it runs the guest
        command += ["-chardev", f"socket,id=shell{index},path={_option_value(path)},server=on,wait=on",
                    "-device", f"virtserialport,bus=shells.0,chardev=shell{index},name={PORT_NAME.format(index)}"]
    if BIOS.exists():
        command += ["-bios", str(BIOS)]
    if disk:
        # the fsc cache's ext4 disk: scratch data, so the host need not flush it
        command += ["-drive", f"file={_option_value(disk)},if=virtio,format=raw,cache=unsafe"]
    return command


class Lines:
    """Lines read from a stream in a thread of their own, timestamped."""

    def __init__(self, stream: BinaryIO, what: str, redact: Redact) -> None:
        self.what = what
        self.redact = redact
        self.recent: deque[str] = deque(maxlen=KEPT_LINES)
        self.queue: queue.Queue[Line | None] = queue.Queue()
        threading.Thread(target=self._read, args=(stream,), daemon=True).start()

    def _read(self, stream: BinaryIO) -> None:
        try:
            for raw in stream:
                text = raw.decode(errors="replace").rstrip("\r\n")
                self.recent.append(text)
                self.queue.put(Line(time.monotonic(), text))
        except (OSError, ValueError) as error:  # a reset, or the stream closed under the thread: its end
            self.recent.append(f"({error})")
        finally:
            try:
                stream.close()
            except OSError:
                pass
            self.queue.put(None)

    def next(self, deadline: float, awaited: str) -> Line:
        try:
            line = self.queue.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            raise LabTimeout(self.redact(f"the CIFS VM: timed out waiting for {awaited}; {self.what} ended with:\n"
                                         + "\n".join(self.recent))) from None
        if line is None:
            self.queue.put(None)  # closed for whoever reads next, too
            raise LabError(self.redact(f"the CIFS VM: {self.what} closed while waiting for {awaited}; "
                                       "it ended with:\n" + "\n".join(self.recent)))
        return line


class Port:
    """The host's end of a shell port: its connection, open until the VM is
    powered off, and the lines that arrive on it."""

    def __init__(self, index: int, connection: socket.socket, redact: Redact) -> None:
        self.index = index
        self.connection = connection
        self.lines = Lines(connection.makefile("rb"), f"its shell port {PORT_NAME.format(index)}", redact)
        # unique on the port, across the shells that serve it one after the other
        self.markers = itertools.count(1)
        self.held = False
        self.uses = 0

    def write(self, text: str) -> None:
        self.connection.sendall(text.encode())

    def close(self) -> None:
        try:
            self.connection.shutdown(socket.SHUT_RDWR)  # ends the reader thread's file too
        except OSError:
            pass  # QEMU has gone
        self.connection.close()


class Shell:
    """A shell in the guest, on a port of its own while it is open."""

    def __init__(self, port: Port, redact: Redact) -> None:
        self.port = port
        self.redact = redact
        self.lines = port.lines
        self.until(SHELL_READY, CONNECT_TIMEOUT_S, f"a shell on {PORT_NAME.format(port.index)} to be ready")
        port.held = True
        port.uses += 1
        self.open = True

    def send(self, command: str) -> str:
        """Start `command`; returns the marker its end prints."""
        marker = f"{DONE}-{next(self.port.markers)}"
        # the marker on a line of its own, even after output that ends without one
        self.port.write(f"{{ {command}\n}} 2>&1; printf '\\n%s %s\\n' {marker} $?\n")
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
        shown = self.redact(command)
        answer = self.finish(self.send(command), timeout_s, f"`{shown}` to finish")
        if check and answer.status != 0:
            # masked before it is cut short, so that no piece of a secret is left at the cut
            raise LabError(f"the CIFS VM: `{shown}` failed (exit {answer.status}): "
                           + self.redact(answer.output)[-600:])
        return answer

    def close(self) -> None:
        """Ends this shell (after the command it runs, if any); its port
        then serves the next Shell."""
        if self.open:
            self.open = False
            try:
                self.port.write("exit\n")
            except OSError:
                pass  # QEMU has gone
            self.port.held = False


class Guest:
    """A booted VM, and shells in it: `shell` for most work, more from
    `another_shell` for what must run beside it."""

    def __init__(self, process: subprocess.Popen[bytes], how: str, folder: Path, redact: Redact) -> None:
        self.process = process
        self.how = how
        self.folder = folder  # the shell sockets'
        self.redact = redact
        assert process.stdout
        self.console = Lines(process.stdout, "its serial console", redact)
        self.ports: list[Port] = []
        self.shells: list[Shell] = []

    def connect(self, sockets: list[Path], timeout_s: float = CONNECT_TIMEOUT_S) -> None:
        """Connects to each shell socket as QEMU makes it (one after the
        other: it waits for each before it makes the next)."""
        deadline = time.monotonic() + timeout_s
        for index, path in enumerate(sockets):
            while True:
                connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                try:
                    connection.connect(str(path))
                    break
                except (FileNotFoundError, ConnectionRefusedError):
                    connection.close()
                if self.process.poll() is not None:
                    raise LabError(self.redact(f"the CIFS VM: QEMU exited ({self.process.returncode}) before its "
                                               f"shell socket {path.name} could be reached:\n"
                                               + "\n".join(self.console.recent)))
                if time.monotonic() > deadline:
                    raise LabTimeout(f"the CIFS VM: QEMU did not make its shell socket {path} "
                                     f"within {timeout_s:g} s")
                time.sleep(0.01)
            self.ports.append(Port(index, connection, self.redact))

    def another_shell(self) -> Shell:
        """A new shell, on a port no open shell holds (the least used: a
        shell closed while a command still ran frees its port only after)."""
        free = sorted((port for port in self.ports if not port.held), key=lambda port: port.uses)
        if not free:
            raise LabError(f"the CIFS VM: all its {len(self.ports)} shells are open; close one first")
        shell = Shell(free[0], self.redact)
        self.shells.append(shell)
        return shell

    @property
    def shell(self) -> Shell:
        return self.shells[0]  # the one made at boot

    def power_off(self) -> None:
        if self.process.poll() is None:
            try:
                if not self.shells:
                    raise OSError("no shell has answered")
                # whichever shell serves the first port runs it
                self.ports[0].write(f"{POWER_OFF}\n")
            except OSError:
                self.process.kill()  # no shell to ask: QEMU is stopped from outside
        try:
            self.process.wait(timeout=POWER_OFF_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        for shell in self.shells:
            shell.open = False
        for port in self.ports:
            port.close()
        shutil.rmtree(self.folder, ignore_errors=True)


def start(command: list[str], how: str, folder: Path, sockets: list[Path], timeout_s: float,
          redact: Redact) -> Guest:
    """`command` (QEMU's) started, its shell sockets connected, the guest
    booted and its first shell ready."""
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT)
    guest = Guest(process, how, folder, redact)
    try:
        deadline = time.monotonic() + timeout_s
        guest.connect(sockets)
        while not guest.console.next(deadline, "the guest to boot").text.startswith(READY):
            pass
        guest.another_shell()
    except BaseException:  # Ctrl-C included: QEMU does not outlive the command
        guest.power_off()
        raise
    return guest


def _boot(image: VmImage, accel: str, how: str, disk: Path | None, timeout_s: float, redact: Redact) -> Guest:
    folder = socket_folder()
    sockets = shell_sockets(folder)
    try:
        return start(qemu_command(image, accel, sockets, disk), how, folder, sockets, timeout_s, redact)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise


@contextmanager
def booted(image: VmImage, out: Callable[[str], None], disk: Path | None = None,
           secrets: Iterable[str] = ()) -> Iterator[Guest]:
    """The VM, booted, and powered off afterwards. `secrets` (the SMB
    password) are masked in every message about the VM's shells. A KVM that
    fails to boot the guest is reported, and the boot tried again under TCG."""
    if not shutil.which(QEMU):
        raise PrerequisiteMissing(f"{QEMU} is not installed", hint="apt-get install qemu-system-x86")
    redact = partial(redacted, secrets=tuple(secrets))
    accel, how = accelerator()
    started = time.monotonic()
    try:
        guest = _boot(image, accel, how, disk, BOOT_TIMEOUT_S if accel == TCG else KVM_BOOT_TIMEOUT_S, redact)
    except LabError as error:
        if accel == TCG:
            raise
        out(f"lab: the CIFS VM did not boot under KVM ({str(error).splitlines()[0]}); trying TCG")
        accel, how = TCG, "TCG: KVM did not boot it"
        guest = _boot(image, accel, how, disk, BOOT_TIMEOUT_S, redact)
    out(f"lab: the CIFS VM booted in {time.monotonic() - started:.1f} s ({VCPUS} vCPU, {MEMORY_MB} MB, {how})")
    try:
        yield guest
    finally:
        guest.power_off()
