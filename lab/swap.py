"""The blue-green swap of sd1a and sd1b, as production
does it (the sd-prod-live.52k / sd1.52k aliases move on the front network),
made safe:

1. health gate: the idle container must be healthy to Docker and answer
   /healthz through ATS; otherwise the swap is refused and nothing moves;
2. the idle container gets the live aliases, then the live one loses them
   (each re-attached with its own address, so no connection breaks), and
   .lab/state.json names the new one: Ctrl-C and SIGTERM are held meanwhile,
   so an interrupted swap ends with one holder that the state file names;
3. wait until ATS sends new requests to the new container;
4. let the old one finish what it was doing (its Apache answers no request);
5. report how long each step took.

With --ref, the idle container is first rebuilt from that git ref and must
come up healthy (lab.deploy). Swapping again rolls back.
"""
from __future__ import annotations

import re
import time
import uuid
from dataclasses import dataclass
from typing import Callable

from lab import live_alias
from lab import state as lab_state
from lab.config import LabConfig
from lab.deploy import deploy
from lab.docker_ops import DockerLab
from lab.errors import LabError, LabTimeout
from lab.http import LabClient, served_by
from lab.interrupts import ctrl_c_held
from lab.state import LabState
from lab.waiting import poll_until

Output = Callable[[str], None]
GATE_TIMEOUT_S = 5.0
FOLLOW_TIMEOUT_S = 15.0
# consecutive answers from the new container that count as "ATS has followed"
FOLLOWED_AFTER_ANSWERS = 10
DRAIN_TIMEOUT_S = 120.0


class SwapRefused(LabError):
    """The swap did not happen; the live container is unchanged."""


@dataclass
class SwapReport:
    old: str
    new: str
    new_version: str
    gate_s: float = 0.0
    alias_moved_s: float = 0.0
    # time.monotonic() when the new container held the aliases and the old one not
    moved_at: float = 0.0
    # requests the old container was answering as it lost the aliases (None: cannot tell)
    busy_at_move: int | None = None
    followed_after_s: float | None = None
    both_answered_s: float = 0.0
    drained_after_s: float | None = None

    def render(self) -> str:
        followed = (f"ATS sent every new request to {self.new} {self.followed_after_s:.2f} s after the alias moved"
                    if self.followed_after_s is not None else
                    f"ATS still sent requests to {self.old} {FOLLOW_TIMEOUT_S:.0f} s after the alias moved "
                    "(host DNS cache: is ATS_DNS_CACHE=production?)")
        if self.drained_after_s is None and self.busy_at_move is None:
            drained = (f"{self.old} could not say what it is working on (its Apache status page did not answer "
                       f"for {DRAIN_TIMEOUT_S:.0f} s), so it is not known to have drained")
        elif self.drained_after_s is None:
            drained = f"{self.old} was still busy after {DRAIN_TIMEOUT_S:.0f} s"
        else:
            busy = "its" if self.busy_at_move is None else f"its {self.busy_at_move}"
            drained = f"{self.old} finished {busy} in-flight request(s) {self.drained_after_s:.2f} s after that"
        return "\n".join([
            f"swapped: {self.new} is live ({self.new_version}), {self.old} is idle",
            f"  health gate for {self.new}: {self.gate_s:.2f} s",
            f"  aliases sd-prod-live.52k and sd1.52k moved in {self.alias_moved_s:.2f} s",
            f"  {followed}; both answered for {self.both_answered_s:.2f} s",
            f"  {drained}",
        ])


def health_gate(lab: DockerLab, client: LabClient, service: str) -> str:
    """Refuse unless `service` is healthy and answers through ATS; returns its version."""
    health = lab.healths([service])[service]
    if health != "healthy":
        detail = f" (last healthcheck: {lab.last_health_output(service)})" if health == "unhealthy" else ""
        raise SwapRefused(f"{service} is {health}{detail}; nothing was moved", hint=f"make logs service={service}")
    probe = LabClient(client.base_url, test_tag=client.test_tag, timeout_s=GATE_TIMEOUT_S)
    try:
        answer = probe.get("/healthz", host=f"{service}.52k.de")
    except LabError as error:
        raise SwapRefused(f"{service} does not answer /healthz through ATS: {error}; nothing was moved") from error
    if answer.status_code != 200:
        title = re.search(r"<title>(.*?)</title>", answer.text, re.IGNORECASE | re.DOTALL)
        said = title.group(1).strip() if title else " ".join(answer.text.split())[:200]
        raise SwapRefused(f"{service} answers /healthz through ATS with {answer.status_code} ({said}); "
                          "nothing was moved")
    version = probe.get("/version", host=f"{service}.52k.de").text
    return next((line.split(": ", 1)[1] for line in version.splitlines() if line.startswith("version: ")), "?")


# One look inside the container: Apache's status counters, then the Send-Q of
# every established connection on port 80 (bytes written, not yet delivered).
_IN_FLIGHT_PROBE = ("curl --silent --max-time 5 'http://127.0.0.1/server-status?auto'; "
                    "echo '--- sockets'; ss -Htn state established '( sport = :80 )'")


def in_flight(lab: DockerLab, service: str) -> int | None:
    """Requests the container's Apache is still answering, or None if its
    status page does not answer (an image built before it had one).

    Apache's counters alone flicker for a big download (the event MPM moves it
    between a worker and its write-completion queue, and for a moment it is in
    neither), so a connection that still has unsent bytes counts too."""
    output = lab.exec(service, ["bash", "-c", _IN_FLIGHT_PROBE]).output
    status, _, sockets = output.partition("--- sockets")
    fields = dict(line.split(": ", 1) for line in status.splitlines() if ": " in line)
    if "BusyWorkers" not in fields:
        return None
    # less the worker answering this status request
    counted = (int(fields["BusyWorkers"]) - 1 + int(fields.get("ConnsAsyncWriting", 0))
               + int(fields.get("ConnsAsyncWaitIO", 0)))
    send_queues = [line.split()[1] for line in sockets.splitlines() if len(line.split()) >= 2]
    sending = sum(1 for queue in send_queues if queue != "0")
    return max(counted, sending)


def drained(lab: DockerLab, service: str, samples: int = 3) -> bool:
    """No request in flight in `samples` looks in a row; a look that cannot
    tell (None) is not a zero."""
    return all(in_flight(lab, service) == 0 for _ in range(samples))


def move_aliases(lab: DockerLab, old: str, new: str) -> int | None:
    """Give `new` the live aliases, then take them from `old`; returns what
    `old` was answering at that moment. If any step fails, `old` alone holds
    them again (as checked) and SwapRefused says so."""
    try:
        live_alias.grant(lab, new)
        busy = in_flight(lab, old)
        live_alias.revoke(lab, old)
    except Exception as error:  # whatever failed (a timeout, an answer not understood), one holder after
        raise SwapRefused(f"moving the live aliases from {old} to {new} failed ({error}); "
                          f"{roll_back(lab, old, new)}") from error
    return busy


def move_and_record(config: LabConfig, lab: DockerLab, state: LabState, new: str, out: Output) -> int | None:
    """The live aliases moved to `new` and .lab/state.json naming it, with
    Ctrl-C and SIGTERM held: interrupted at any point, the move ends with one
    holder that the state file names (the new one, or the old after a roll
    back), then the interruption takes effect. Returns move_aliases's count."""
    old = state.live
    recorded = False
    try:
        with ctrl_c_held(out, "the live aliases have one holder and .lab/state.json names it"):
            out(f"lab: moving the live aliases from {old} to {new}")
            busy = move_aliases(lab, old, new)
            state.live = new
            try:
                lab_state.save(config, state)
            except OSError as error:
                state.live = old
                raise SwapRefused(f"{new} held the live aliases but .lab/state.json could not say so ({error}); "
                                  f"{roll_back(lab, old, new)}") from error
            recorded = True
    except KeyboardInterrupt:
        if recorded:
            out(f"lab: interrupted once the aliases had moved: {new} alone holds them and .lab/state.json names "
                f"it; ATS's following and {old}'s draining were not watched")
        raise
    return busy


def roll_back(lab: DockerLab, old: str, new: str) -> str:
    """After a failed move: `old` alone holds the live aliases again, as
    .lab/state.json still says; returns what happened, in words."""
    try:
        # old first: at no moment may nobody hold them
        live_alias.grant(lab, old)
        live_alias.revoke(lab, new)
        holders = live_alias.holders(lab)
    except Exception as error:  # said in the refusal, with the repair
        try:
            where = ", ".join(live_alias.holders(lab)) or "neither container"
        except LabError:
            where = "containers Docker cannot say"
        return f"rolling back failed too ({error}): the live aliases are on {where}; `make up` gives them to {old} alone"
    if holders != [old]:
        return (f"rolling back left the live aliases on {', '.join(holders) or 'neither container'}; "
                f"`make up` gives them to {old} alone")
    return f"rolled back: {old} alone holds the live aliases, production stays on it"


def follow(client: LabClient, old: str, new: str, report: SwapReport, moved_at: float, timeout_s: float) -> None:
    """Ask through ATS until FOLLOWED_AFTER_ANSWERS answers in a row come from `new`."""
    streak = 0
    first_new = last_old = None
    deadline = moved_at + timeout_s
    while time.monotonic() < deadline:
        answer = client.get(f"/version?swap={uuid.uuid4().hex[:8]}")
        now = time.monotonic()
        container = served_by(answer)
        if container == old:
            last_old, streak = now, 0
        elif container == new:
            first_new = first_new or now
            streak += 1
            if streak >= FOLLOWED_AFTER_ANSWERS:
                report.followed_after_s = max((last_old or first_new) - moved_at, 0.0)
                break
        time.sleep(0.05)
    if first_new is not None and last_old is not None:
        report.both_answered_s = max(last_old - first_new, 0.0)


def swap(config: LabConfig, lab: DockerLab, state: LabState, out: Output, *, ref: str | None = None,
         follow_timeout_s: float = FOLLOW_TIMEOUT_S) -> SwapReport:
    old, new = state.live, state.idle
    client = LabClient(config.http_base, test_tag=f"lab swap {old}->{new}")
    if ref:
        try:
            deploy(config, lab, state, new, ref, out)
        except LabError as error:
            raise SwapRefused(f"{new} did not come up with {ref}: {error}; production stays on {old}") from error

    # where an interruption finds the swap, for the line that says what it left
    stage = "before the move"
    try:
        started = time.monotonic()
        version = health_gate(lab, client, new)
        report = SwapReport(old=old, new=new, new_version=version, gate_s=time.monotonic() - started)
        out(f"lab: {new} is healthy ({version})")
        moving = time.monotonic()
        stage = "moving"  # move_and_record says what an interruption left
        report.busy_at_move = move_and_record(config, lab, state, new, out)
        stage = "after the move"
        report.moved_at = time.monotonic()
        report.alias_moved_s = report.moved_at - moving
        out(f"lab: {new} holds sd-prod-live.52k and sd1.52k; waiting for ATS to follow")
        follow(client, old, new, report, report.moved_at, follow_timeout_s)
        draining = time.monotonic()
        try:
            poll_until(lambda: drained(lab, old), timeout_s=DRAIN_TIMEOUT_S, interval_s=0.2,
                       awaited=f"{old} to finish its in-flight requests")
            report.drained_after_s = time.monotonic() - draining
        except LabTimeout:
            report.drained_after_s = None
    except KeyboardInterrupt:
        if stage == "before the move":
            out(f"lab: interrupted before the move: {old} is still live, nothing was moved")
        elif stage == "after the move":
            out(f"lab: interrupted after the swap: {new} is live (.lab/state.json names it); "
                f"ATS's following and {old}'s draining were not watched to the end")
        raise
    return report
