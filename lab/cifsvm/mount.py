"""Production's CIFS mount, made in the VM: the options apache/mount-storage.sh
gives the kernel (CIFS_OPTIONS from .env), their variants, and what the
kernel says of a mount.

mount-storage.sh mounts with `-o "$CIFS_OPTIONS,credentials=<file>"`; mount.cifs
hands the kernel the file's username and password as options. The guest has
busybox's mount, not mount.cifs, so it gives the kernel the same options
itself: CIFS_OPTIONS, then username= and password= (and the published port)."""
from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from typing import Iterable

from lab.config import LabConfig
from lab.errors import LabError

# the host's 127.0.0.1 inside QEMU's user network
HOST = "10.0.2.2"
# production's containers mount this share (compose.yaml's SMB_SHARE)
SHARE = "backup"
PRODUCTION = "cache=strict"
# a dialect the kernel reports in DebugData, as SMB names it
DIALECTS = {"0x300": "3.0", "0x302": "3.0.2", "0x311": "3.1.1", "0x210": "2.1"}
# what a secret is shown as
MASK = "***"


def with_option(options: str, option: str) -> str:
    """`options` with `option` (key=value, or a flag) set: replaced where the
    key is there, else added."""
    return ",".join([without_option(options, option.split("=", 1)[0]), option]).lstrip(",")


def without_option(options: str, key: str) -> str:
    return ",".join(item for item in options.split(",") if item and item.split("=", 1)[0] != key)


def cache_variants(options: str) -> dict[str, str]:
    """Production's options and the caching the wiki asks about: cache=loose,
    cache=none, and fsc (FS-Cache on top of production's strict caching)."""
    return {PRODUCTION: options,
            "cache=loose": with_option(options, "cache=loose"),
            "cache=none": with_option(options, "cache=none"),
            "fsc": with_option(options, "fsc")}


@dataclass(frozen=True)
class Mount:
    """A mount of the storage box's share at `target`, with `options`."""
    config: LabConfig
    target: str
    options: str
    share: str = SHARE

    def command(self) -> str:
        password = self.secret()
        if "," in password:
            raise LabError("SMB_PASSWORD has a comma, which the kernel's CIFS options cannot carry "
                           "(mount.cifs's credentials file can): choose one without")
        credentials = f"username={self.config.get('SMB_USER')},password={password}"
        options = shlex.quote(f"port={self.config.smb_port},{self.options},{credentials}")
        return f"mkdir -p {self.target} && mount -t cifs //{HOST}/{self.share} {self.target} -o {options}"

    def secret(self) -> str:
        return self.config.get("SMB_PASSWORD")


def secret_forms(secret: str) -> set[str]:
    """How `secret` can stand in a message: as it is, as shlex.quote hands it
    to a shell on its own, and inside a larger single-quoted string (as in the
    mount command's options, each ' written '"'"'). An empty secret has none."""
    if not secret:
        return set()
    return {secret, shlex.quote(secret), secret.replace("'", "'\"'\"'")}


def redacted(text: str, secrets: Iterable[str]) -> str:
    """`text` with every occurrence of a secret, in any of its forms, masked.
    Each character that any occurrence covers (overlapping ones included) is
    hidden, and each run of hidden characters is shown as one MASK: no part
    of a secret is left beside the mask."""
    hidden = [False] * len(text)
    for form in {form for secret in secrets for form in secret_forms(secret)}:
        at = text.find(form)
        while at >= 0:
            hidden[at:at + len(form)] = [True] * len(form)
            at = text.find(form, at + 1)
    if not any(hidden):
        return text
    shown = []
    for index, char in enumerate(text):
        if not hidden[index]:
            shown.append(char)
        elif index == 0 or not hidden[index - 1]:
            shown.append(MASK)
    return "".join(shown)


def options_shown(proc_mounts: str, target: str) -> list[str]:
    """The options the kernel lists for the mount at `target` (/proc/mounts)."""
    for line in proc_mounts.splitlines():
        fields = line.split()
        if len(fields) >= 4 and fields[1] == target and fields[2] == "cifs":
            return fields[3].split(",")
    raise ValueError(f"no CIFS mount at {target} in /proc/mounts")


@dataclass(frozen=True)
class Session:
    dialect: str
    encrypted: bool


def session(debug_data: str) -> Session:
    """The dialect of the (first) connection and whether its session is
    encrypted, from /proc/fs/cifs/DebugData."""
    dialect = re.search(r"Dialect (0x[0-9a-f]+)", debug_data)
    security = re.search(r"Security type: .*", debug_data)
    if not dialect or not security:
        raise ValueError("no SMB session in /proc/fs/cifs/DebugData")
    return Session(DIALECTS.get(dialect.group(1), dialect.group(1)), security.group(0).rstrip().endswith("encrypted"))
