"""From the lab's review of SpaceDock's uploads: a request may carry a whole
upload, and SpaceDock reads its zip whole into the worker's memory before it
writes it (`f.write(request.files['zipball'].stream.read())`), so any
logged-in user can make a gunicorn worker hold as much as they send. With the
fix a request carries one chunk at most: a bigger one is refused with 413
before it is read, and a chunk is copied to storage in blocks."""
from __future__ import annotations

from lab.docker_ops import DockerLab
from lab.errors import LabError
from lab.scenarios.engine import Scenario, Seen, Stage, Variant
from lab.scenarios.steps import BETA
from lab.standin_client import make_zip

SERVICE = "sd2"
UPLOAD_BYTES = 64 * 1024 * 1024
# a worker that held the upload grew by at least this much
HELD_BYTES = UPLOAD_BYTES // 2

# the largest high-water mark of resident memory (VmHWM) among the container's gunicorn processes, in bytes
HIGH_WATER = r"""
import os
marks = [0]
for pid in filter(str.isdigit, os.listdir("/proc")):
    try:
        if b"gunicorn" in open(f"/proc/{pid}/cmdline", "rb").read():
            marks += [int(line.split()[1]) * 1024 for line in open(f"/proc/{pid}/status") if line.startswith("VmHWM:")]
    except OSError:
        pass
print(max(marks))
"""


def high_water(lab: DockerLab) -> int:
    result = lab.exec(SERVICE, ["python3", "-c", HIGH_WATER])
    if result.exit_code != 0:
        raise LabError(f"reading {SERVICE}'s gunicorn memory failed: {result.output.strip()}")
    return int(result.output)


def play(stage: Stage, variant: str) -> Seen:
    spacedock = stage.author(BETA)
    name = stage.name("Whole")
    data = make_zip(UPLOAD_BYTES, f"{stage.tag}-whole")
    before = high_water(stage.lab)
    answer = spacedock.create_mod(name, "1.0", data, chunk_bytes=len(data))
    grown = high_water(stage.lab) - before
    # Apache's own 413 is text, the app's JSON
    reason = " ".join(answer.text.split())[:100] if answer.status_code >= 400 else ""
    stage.out(f"  {name!r}: {len(data) // 2**20} MiB in one request → {answer.status_code} {reason}".rstrip())
    stage.out(f"  the gunicorn workers' memory high-water mark grew by {grown / 2**20:.1f} MiB")
    return Seen(grown >= HELD_BYTES, f"a worker's memory grew by {grown / 2**20:.1f} MiB for a "
                                     f"{len(data) // 2**20} MiB request answered {answer.status_code}")


SCENARIO = Scenario(
    name="upload-in-memory",
    symptom="one request carries a whole upload, read whole into a gunicorn worker's memory",
    fix="a request carries one chunk at most (413 before reading more), copied in blocks",
    upstream="the lab's review",
    production=Variant({"BETA_UPLOAD_REQUESTS": "production"}, (SERVICE,)),
    fixed=Variant({"BETA_UPLOAD_REQUESTS": "fixed"}, (SERVICE,)),
    play=play,
)
