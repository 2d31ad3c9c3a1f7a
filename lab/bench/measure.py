"""The benchmark's instruments: curl for downloads (its own clock: the bytes
it received and the seconds from the start of the request to the last byte)
and wrk for load (requests/s and latency percentiles over keep-alive
connections), run in its tool container (bench/); and a timed write, run in a
web container on its storage mount. Builds their command lines and reads
their output; nothing here talks to Docker."""
from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

from lab.errors import LabError

# MB is 10^6 bytes, as curl's and wrk's own figures
MB = 1_000_000
CURL_FORMAT = r"%{http_code} %{size_download} %{time_total}\n"


def curl_script(url: str, samples: int, *, host: str | None = None, miss: bool = False, follow: bool = False,
                cacert: str | None = None) -> str:
    """`samples` downloads of `url`, one line each; `miss`: a query string of its
    own each time, so that ATS has no copy (its cache key includes the query)."""
    options = ["-s", "-o", "/dev/null", "-w", CURL_FORMAT]
    if host:
        options += ["-H", f"Host: {host}"]
    if follow:
        options.append("-L")
    if cacert:
        options += ["--cacert", cacert]
    target = shlex.quote(url)
    if miss:  # the shell's pid and the loop's count: unique within the run and across runs
        target = shlex.quote(url + ("&" if "?" in url else "?") + "bench-miss=") + '"$$-$i"'
    return f"for i in $(seq {samples}); do curl {shlex.join(options)} {target}; done"


def parse_curl(output: str, size: int, what: str) -> list[float]:
    """MB/s of each download; every one must be a 200 of `size` bytes."""
    speeds = []
    for line in output.strip().splitlines():
        parts = line.split()
        if len(parts) != 3:
            raise LabError(f"{what}: curl said {line!r}")
        status, received, seconds = parts[0], int(float(parts[1])), float(parts[2])
        if status != "200" or received != size:
            raise LabError(f"{what}: answered {status} with {received} bytes, not 200 with {size}")
        speeds.append(received / seconds / MB)
    return speeds


@dataclass(frozen=True)
class WrkRun:
    requests: int
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    # answers other than 2xx/3xx, and socket errors (connect, read, write, timeout)
    errors: int


def wrk_script(url: str, host: str, seconds: int, connections: int, threads: int = 2) -> str:
    return (f"wrk --latency -t{threads} -c{connections} -d{seconds}s "
            f"-H {shlex.quote('Host: ' + host)} {shlex.quote(url)}")


_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _latency_ms(text: str, percentile: str) -> float:
    found = re.search(rf"^\s*{percentile}%\s+([\d.]+)(us|ms|s)\s*$", text, re.MULTILINE)
    if not found:
        raise LabError(f"wrk printed no {percentile}% latency:\n{text}")
    return float(found.group(1)) * _UNITS_MS[found.group(2)]


def parse_wrk(text: str) -> WrkRun:
    rate = re.search(r"^Requests/sec:\s+([\d.]+)", text, re.MULTILINE)
    if not rate:
        raise LabError(f"wrk printed no Requests/sec:\n{text}")
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", text))
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    done = re.search(r"^\s*(\d+) requests in ", text, re.MULTILINE)
    if not done:
        raise LabError(f"wrk printed no count of requests:\n{text}")
    return WrkRun(int(done.group(1)), float(rate.group(1)), _latency_ms(text, "50"), _latency_ms(text, "99"),
                  errors + (int(non_2xx.group(1)) if non_2xx else 0))


# Writes `size` bytes from memory to the storage mount, `samples` times, a new
# file each time; prints the seconds of each, open to close (smbnetfs and a
# strict cifs mount send every write at once; a local volume takes it into
# the page cache). The folder goes afterwards, whatever happened.
WRITE_SCRIPT = """
import os, shutil, sys, time
size, samples, target = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
data = os.urandom(size)
os.makedirs(target, exist_ok=True)
try:
    for sample in range(samples):
        started = time.monotonic()
        with open(os.path.join(target, f"write-{sample}.bin"), "wb") as handle:
            handle.write(data)
        print(time.monotonic() - started)
finally:
    shutil.rmtree(target, ignore_errors=True)
"""
# a mount that stops answering must not hang the benchmark
WRITES_TIMEOUT_S = 300


def write_command(size: int, samples: int, target: str) -> list[str]:
    """A command for the web container: `samples` writes of `size` bytes into
    the folder `target` on the storage mount (made and removed), given up
    after WRITES_TIMEOUT_S."""
    return ["timeout", str(WRITES_TIMEOUT_S), "python3", "-c", WRITE_SCRIPT, str(size), str(samples), target]


def parse_writes(output: str, size: int, what: str) -> list[float]:
    """MB/s of each write that WRITE_SCRIPT timed."""
    try:
        return [size / float(line) / MB for line in output.split()]
    except ValueError as error:
        raise LabError(f"{what}: the writes said {output.strip()[-300:]!r}") from error
