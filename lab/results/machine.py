"""The machine a benchmark ran on, for its report: figures from another
machine are not comparable."""
from __future__ import annotations

import os
import platform
from pathlib import Path

from lab import status
from lab.docker_ops import DockerLab


def described(lab: DockerLab) -> dict[str, str]:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.machine())
    memory_kib = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                      if line.startswith("MemTotal:"))
    return {"cores": str(os.cpu_count()), "cpu": cpu, "memory": f"{memory_kib / 1024 / 1024:.1f} GiB",
            "kernel": platform.release(), "docker": lab.engine_version(),
            "storage": status.storage_mode(lab, "sd6")}
