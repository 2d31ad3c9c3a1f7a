"""A blue-green swap that production does not see: ATS with its default host
DNS cache keeps the live alias's old address for the TTL Docker's DNS gives
(600 s), so after `make swap` every request still goes to the old container.
The lab keeps ATS's records for 1 s (ATS_DNS_CACHE=fast)."""
from __future__ import annotations

from collections import Counter

from lab import state as lab_state
from lab.http import served_by
from lab.interrupts import ctrl_c_held
from lab.scenarios.engine import Scenario, Seen, Stage, Variant
from lab.swap import swap

REQUESTS = 20


def play(stage: Stage, variant: str) -> Seen:
    client = stage.client

    def indented(line: str) -> None:
        stage.out(f"  {line}")

    before = lab_state.load(stage.config).live
    stage.out(f"  spacedock.info is served by {served_by(client.get('/version?before-swap', host='spacedock.info'))}")
    try:
        report = swap(stage.config, stage.lab, lab_state.load(stage.config), indented)
        answers = Counter(served_by(client.get(f"/version?after-swap={n}", host="spacedock.info"))
                          for n in range(REQUESTS))
        shares = ", ".join(f"{count} from {name}" for name, count in answers.items())
        stage.out(f"  after the swap to {report.new}: {shares}")
    finally:
        if lab_state.load(stage.config).live != before:
            stage.out("  swapping back")
            with ctrl_c_held(stage.out):
                swap(stage.config, stage.lab, lab_state.load(stage.config), indented)
    stuck = answers[report.old]
    followed = "never followed" if report.followed_after_s is None else f"followed in {report.followed_after_s:.1f} s"
    return Seen(stuck > 0, f"ATS {followed}; {stuck} of {REQUESTS} requests after the swap still went to {report.old}")


SCENARIO = Scenario(
    name="hidden-swap",
    symptom="after a swap ATS keeps sending every request to the old container",
    fix="ATS keeping host DNS records for 1 s",
    upstream="the lab's swap design",
    production=Variant({"ATS_DNS_CACHE": "production"}, ("ats",)),
    fixed=Variant({"ATS_DNS_CACHE": "fast"}, ("ats",)),
    play=play,
)
