"""Processes keep only the privileges they need: once a web container's
storage is mounted, none of its long-running processes has SYS_ADMIN,
DAC_READ_SEARCH or NET_ADMIN in its bounding set, except tini (PID 1, started
by Docker with the container's set) and the smbnetfs daemon, which keeps
SYS_ADMIN alone (its FUSE mount needs it): read from /proc/<pid>/status."""
from __future__ import annotations

import json

import pytest

from lab.docker_ops import DockerLab
from lab.topology import WEB_SERVICES

# capability numbers (linux/capability.h)
SYS_ADMIN, DAC_READ_SEARCH, NET_ADMIN = 21, 2, 12
MOUNT_ONLY = {"smbnetfs": {DAC_READ_SEARCH, NET_ADMIN}}
EVERY_ONE = {SYS_ADMIN, DAC_READ_SEARCH, NET_ADMIN}

# Every process that descends from PID 1 (not the ones `docker exec` starts,
# this one among them): pid, name, command line, bounding set.
LIST = r"""
import json, os
procs = {}
for entry in os.listdir("/proc"):
    if not entry.isdigit():
        continue
    try:
        fields = dict(line.split(":\t", 1) for line in open(f"/proc/{entry}/status") if ":\t" in line)
        command = open(f"/proc/{entry}/cmdline", "rb").read().replace(b"\0", b" ").decode().strip()
    except OSError:
        continue
    procs[int(entry)] = (int(fields["PPid"]), fields["Name"].strip(), command, int(fields["CapBnd"], 16))
def under_init(pid):
    while pid not in (0, 1):
        pid = procs[pid][0] if pid in procs else 0
    return pid == 1
print(json.dumps([[pid, name, command, bounding] for pid, (parent, name, command, bounding) in procs.items()
                  if pid == 1 or under_init(pid)]))
"""


@pytest.mark.parametrize("service", WEB_SERVICES)
def test_no_long_running_process_keeps_the_mount_s_capabilities(docker_lab: DockerLab, service: str) -> None:
    listed = docker_lab.exec(service, ["python3", "-c", LIST])
    assert listed.exit_code == 0, listed.output
    processes = json.loads(listed.output)
    names = {name for _, name, _, _ in processes}
    assert {"apache2", "gunicorn", "python3"} <= names, names

    kept = [f"{name} (pid {pid}, {command[:60]}): {sorted(capability for capability in forbidden if bounding >> capability & 1)}"
            for pid, name, command, bounding in processes if pid != 1
            for forbidden in [MOUNT_ONLY.get(name, EVERY_ONE)]
            if any(bounding >> capability & 1 for capability in forbidden)]

    assert kept == []
