"""The benchmark's measuring (`make bench` runs it): every
path of the stack measured side by side on the running lab, through a tool
container on the host's network (bench/: curl, wrk, and nginx for the loopback
baseline), each figure a table row of lab.bench.tables."""
from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from lab import database, images, standin_client
from lab import state as lab_state
from lab import status
from lab.ats import TrafficServer
from lab.bench import tables
from lab.bench.measure import curl_script, parse_curl, parse_writes, parse_wrk, write_command, wrk_script
from lab.cifsvm import machine as vm
from lab.cifsvm import measure as cifs_measure
from lab.cifsvm import mount as cifs_mount
from lab.cifsvm.probing import probing
from lab.config import LabConfig
from lab.docker_ops import DockerLab, ExecResult
from lab.errors import LabError
from lab.results.figures import MIN_SAMPLES, Count, Results, Unavailable
from lab.smb import StorageBox
from lab.standin_client import make_zip
from lab.switches import switched
from lab.topology import DATABASES, ENVIRONMENT_HOSTS, SHARES
from lab.waiting import poll_until

Output = Callable[[str], None]
Tool = Callable[[str], ExecResult]

PRODUCTION, BETA, ALPHA = ENVIRONMENT_HOSTS
SIZES = {"1 MB": 1_000_000, "50 MB": 50_000_000}
LOAD_CONNECTIONS = 20
# ATS adds up its threads' counters about once a second
STATS_SETTLE_S = 10.0
# inside the tool container: the zips, and the lab CA's certificate (only)
FILES = "/srv/bench"
CA = f"{FILES}/lab-ca.crt"
BASELINE = tables.DOWNLOADS.baseline


@dataclass(frozen=True)
class Published:
    """A zip published on a site: its mod, and the path of its file under /content/."""
    host: str
    mod_id: int
    name: str
    content: str
    size: int

    def remove(self, config: LabConfig, lab: DockerLab) -> None:
        """The zip and its folder gone from the storage box, then the mod from its
        site's database: the stand-in has no way to delete a mod, and a
        benchmark leaves nothing."""
        box = StorageBox(config, SHARES[self.host])
        path = self.content.removeprefix("/content/")
        box.remove(path)
        box.remove_folder(path.rsplit("/", 1)[0])
        database.query(lab, DATABASES[self.host], f"DELETE FROM downloadevent WHERE mod_id = {self.mod_id}; "
                                                  f"UPDATE mod SET default_version_id = NULL WHERE id = {self.mod_id}; "
                                                  f"DELETE FROM modversion WHERE mod_id = {self.mod_id}; "
                                                  f"DELETE FROM mod WHERE id = {self.mod_id}")


class Bench:
    def __init__(self, config: LabConfig, lab: DockerLab, tool: Tool, files: Path, results: Results,
                 out: Output) -> None:
        self.config, self.lab, self.tool, self.files, self.results, self.out = config, lab, tool, files, results, out
        self.baseline_port = free_port()
        self.published: list[Published] = []

    def step(self, what: str) -> None:
        self.out(f"bench: {what}")

    def run(self, script: str, what: str) -> str:
        result = self.tool(script)
        if result.exit_code != 0:
            raise LabError(f"{what}: exit {result.exit_code}: {result.output.strip()[-400:]}")
        return result.output

    # --- what is downloaded ------------------------------------------------------

    def clean_up(self) -> list[str]:
        """Every mod the benchmark published, removed; returns what could not be
        (each tried whatever the others did)."""
        left = []
        for published in self.published:
            try:
                published.remove(self.config, self.lab)
            except LabError as error:
                left.append(f"{published.name} on {published.host} ({error})")
        self.published.clear()
        return left

    def publish(self, host: str, label: str, size: int) -> Published:
        """A new mod with a zip of `size` bytes on `host`, through the stand-in's API;
        the same bytes in the baseline's folder."""
        # make_zip's zip structure adds some 130 bytes to the payload
        name = f"Bench{label.replace(' ', '')}{uuid.uuid4().hex[:10]}"
        data = make_zip(size - 200, name)
        answer = standin_client.logged_in(self.config, host).create_mod(name, "1.0", data)
        if answer.status_code != 201:
            raise LabError(f"publishing {name} on {host}: {answer.status_code} {answer.text[:200]}")
        mod = answer.json()
        (self.files / f"{name}.zip").write_bytes(data)
        (self.files / f"{name}.zip").chmod(0o644)
        self.published.append(Published(host, mod["id"], name, f"/content/{mod['storage_path']}", len(data)))
        return self.published[-1]

    # --- downloads ---------------------------------------------------------------

    def downloads(self, row: str, column: str, script: str, size: int) -> None:
        output = self.run(script, row)
        self.results.add("downloads", row, column, "MB/s", parse_curl(output, size, f"{row}, {column}"))

    def download_paths(self, label: str, samples: int) -> None:
        size = SIZES[label]
        self.step(f"publishing a {label} zip on production, beta and alpha (the stand-in's API)")
        production, beta, alpha = (self.publish(host, label, size) for host in (PRODUCTION, BETA, ALPHA))
        port = self.config.http_port
        published = f"http://127.0.0.1:{port}{production.content}"
        ats = self.lab.ip_address("ats", "front")
        live = lab_state.load(self.config).live
        self.step(f"{label}: the loopback baseline, ATS's hit (published port, container address), ATS's miss, "
                  f"Apache in {live} directly")
        self.downloads(BASELINE, label, curl_script(f"http://127.0.0.1:{self.baseline_port}/{production.name}.zip",
                                                    samples), production.size)
        self.run(curl_script(published, 2, host=PRODUCTION), "filling ATS's cache")
        self.downloads("ATS cache hit, published port", label, curl_script(published, samples, host=PRODUCTION),
                       production.size)
        self.downloads("ATS cache hit, ATS's container address", label,
                       curl_script(f"http://{ats}{production.content}", samples, host=PRODUCTION), production.size)
        self.downloads("ATS miss (Apache reads the storage mount)", label,
                       curl_script(published, samples, host=PRODUCTION, miss=True), production.size)
        self.downloads("Apache in the live container directly, bypassing ATS", label,
                       curl_script(f"http://{self.lab.ip_address(live, 'front')}{production.content}", samples,
                                   host=PRODUCTION), production.size)
        self.step(f"{label}: each download route, through ATS as a browser goes")
        routes = (
            ("production: count, 302, /content/ (ATS)", production),
            ("beta: X-Sendfile (Apache sends it)", beta),
            ("alpha: Flask send_file (gunicorn streams it, PR #373's fallback)", alpha),
        )
        for row, mod in routes:
            browser_name = mod.host.replace("spacedock.info", "spacedock.localhost")
            self.downloads(row, label, curl_script(f"http://{browser_name}:{port}/mod/{mod.mod_id}/{mod.name}/download/1.0",
                                                   samples, follow=True, cacert=CA), mod.size)

    # --- storage modes -----------------------------------------------------------

    def storage_modes(self, samples: int) -> None:
        label = "50 MB"
        no_cifs = "no CIFS" in status.storage_mode(self.lab, "sd6")
        modes = {
            "local (a Docker volume)": {"STORAGE_MODE": "local"},
            "smbfuse (smbnetfs)": {"STORAGE_MODE": "smbfuse"},
            "smbfuse, 4 KiB writes (as until 2026-12-07)": {"STORAGE_MODE": "smbfuse", "SMBFUSE_WRITES": "small"},
            **{f"cifs, {mode}" + (" (production's options)" if mode == cifs_mount.PRODUCTION else ""):
               {"STORAGE_MODE": "cifs", "CIFS_OPTIONS": options}
               for mode, options in cifs_mount.cache_variants(self.config.get("CIFS_OPTIONS")).items()},
        }
        for row, settings in modes.items():
            if settings["STORAGE_MODE"] == "cifs" and no_cifs:
                self.results.unavailable.append(Unavailable(
                    "storage", row, "this Docker host's kernel has no CIFS"
                                    + ("; the CIFS VM's reads are below" if shutil.which(vm.QEMU) else "")))
                continue
            self.step(f"storage: alpha (sd6) with {row}; Apache reads a {label} zip {samples} times after its upload,"
                      f" then sd6 writes {label} {samples} times")
            try:
                with switched(self.config, ["sd6"], settings, lambda line: None):
                    mod = self.publish(ALPHA, label, SIZES[label])
                    address = self.lab.ip_address("sd6", "front")
                    self.results.add("storage", row, f"{label} read", "MB/s", parse_curl(
                        self.run(curl_script(f"http://{address}{mod.content}", samples, host=ALPHA), row),
                        mod.size, row))
                    folder = f"/storage/sdmods/bench-writes-{uuid.uuid4().hex[:8]}"
                    written = self.lab.exec("sd6", write_command(SIZES[label], samples, folder), user="www-data")
                    if written.exit_code != 0:
                        raise LabError(f"writing through {row}: {written.output.strip()[-300:]}")
                    self.results.add("storage", row, f"{label} written", "MB/s",
                                     parse_writes(written.output, SIZES[label], row))
            except LabError as error:
                self.results.unavailable.append(Unavailable("storage", row, " ".join(str(error).split())))

    def cifs_vm_reads(self) -> None:
        """Production's CIFS mount and its caching variants, read in the CIFS VM."""
        if not shutil.which(vm.QEMU):
            self.results.unavailable.append(Unavailable(
                cifs_measure.READS, "kernel CIFS in a VM", f"{vm.QEMU} is not installed (qemu-system-x86)"))
            return
        self.step("storage: production's kernel CIFS mount in the CIFS VM (make cifs has more)")
        try:
            with probing(self.config, self.results, self.out, fsc=True) as probe:
                cifs_measure.reads(probe)
        except LabError as error:
            self.results.unavailable.append(Unavailable(cifs_measure.READS, "kernel CIFS in a VM",
                                                        " ".join(str(error).split())))

    # --- load --------------------------------------------------------------------

    def load(self, seconds: int, targets: int) -> None:
        production = self.publish(PRODUCTION, "load", 100_000)
        every = (
            ("a cached page (alpha's home page from ATS)", ALPHA, "/"),
            ("an uncached page (production's mod list, gunicorn)", PRODUCTION, "/"),
            ("a static file (Apache, /static/)", PRODUCTION, "/static/spacedock.css"),
            ("the download redirect (production: count, 302)", PRODUCTION,
             f"/mod/{production.mod_id}/{production.name}/download"),
        )
        for row, host, path in every[:targets]:
            self.load_target(row, host, path, seconds)

    def load_target(self, row: str, host: str, path: str, seconds: int) -> None:
        self.step(f"load: {row}, {LOAD_CONNECTIONS} connections, {MIN_SAMPLES} runs of {seconds} s")
        ats = TrafficServer(self.lab)
        hits_before, lookups_before = ats.cache_lookups()
        runs = [parse_wrk(self.run(wrk_script(f"http://127.0.0.1:{self.config.http_port}{path}", host, seconds,
                                              LOAD_CONNECTIONS), row)) for _ in range(MIN_SAMPLES)]
        answered = sum(run.requests for run in runs)

        def all_counted() -> tuple[int, int] | None:
            """ATS's counters once they include every request wrk had answered
            (each looked its URL up in the cache)."""
            hits, lookups = ats.cache_lookups()
            return (hits, lookups) if lookups - lookups_before >= answered else None

        hits, lookups = poll_until(all_counted, timeout_s=STATS_SETTLE_S,
                                   awaited=f"ATS's counters to count the {answered} requests of {row}")
        self.results.add("load", row, "requests/s", "", [run.requests_per_s for run in runs])
        self.results.add("load", row, "latency p50", "ms", [run.p50_ms for run in runs])
        self.results.add("load", row, "latency p99", "ms", [run.p99_ms for run in runs])
        self.results.add("load", row, "failed", "requests", [float(run.errors) for run in runs])
        self.results.counts.append(Count("load", row, "ATS cache hits", hits - hits_before, lookups - lookups_before))

    # --- the lab's own operations ---------------------------------------------------

    def timed_lab_command(self, *args: str) -> float:
        """Seconds `python -m lab <args>` took (as `make <args>` runs it)."""
        started = time.monotonic()
        done = subprocess.run([sys.executable, "-m", "lab", *args], cwd=self.config.root, check=False,
                              capture_output=True, text=True)
        if done.returncode != 0:
            raise LabError(f"`lab {' '.join(args)}` failed (exit {done.returncode}): "
                           + "\n".join((done.stdout + done.stderr).strip().splitlines()[-6:]))
        return time.monotonic() - started

    def swaps(self, count: int) -> None:
        self.step(f"lab: {count} swaps (an even number: the live container is the same afterwards)")
        self.results.add("lab", "a swap (`make swap`)", "seconds", "s",
                         [self.timed_lab_command("swap") for _ in range(count)])

    def ups(self, samples: int) -> None:
        self.step(f"lab: `make up` on the running lab, {samples} times")
        self.results.add("lab", "`make up` on a running lab", "seconds", "s",
                         [self.timed_lab_command("up") for _ in range(samples)])
        warm, cold = [], []
        for index in range(samples):
            self.step(f"lab: `make down` then `make up` (warm: images kept), {index + 1} of {samples}")
            self.timed_lab_command("down")
            warm.append(self.timed_lab_command("up"))
        self.results.add("lab", "`make up` after `make down` (images kept)", "seconds", "s", warm)
        for index in range(samples):
            self.step(f"lab: `make down`, the lab's images removed, `make up` (cold), {index + 1} of {samples}")
            self.timed_lab_command("down")
            self.lab.remove_images([spec.ref() for spec in images.IMAGES])
            cold.append(self.timed_lab_command("up"))
        self.results.add("lab", "`make up` with the lab's images removed (the base image and Docker's build cache "
                                "kept)", "seconds", "s", cold)


def free_port() -> int:
    """A port nothing listens on at 127.0.0.1, for the baseline's nginx (the
    tool container shares the host's network)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
