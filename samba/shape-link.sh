#!/bin/bash
# shape-link DELAY_MS RATE_MBIT: shapes everything the storage box sends on
# its one interface (SMB to the web containers, and to the host's tools and
# tests through the published port): each packet waits DELAY_MS and they
# leave at RATE_MBIT at most; 0 0 = the bridge as it is.
# The web containers shape their own direction (apache/shape-storage-link.sh).
# Run by the entrypoint at start (STORAGE_DELAY_MS, STORAGE_RATE_MBIT) and by
# the lab at run time (lab/storage_link.py). A delay needs the kernel's netem
# qdisc, which some hosts lack (our CI machines); a rate alone uses tbf.
set -euo pipefail

log() { echo "shape-link: $*" >&2; }

delay=${1:?usage: shape-link DELAY_MS RATE_MBIT}
rate=${2:?usage: shape-link DELAY_MS RATE_MBIT}
device=${SHAPED_DEVICE:-eth0}
if ! [[ $delay =~ ^[0-9]+$ && $rate =~ ^[0-9]+$ ]]; then
  log "the delay and the rate must be whole numbers (ms, Mbit/s), not '$delay' and '$rate'"
  exit 64
fi

qdisc=()
if ((delay > 0)); then
  qdisc=(netem delay "${delay}ms")
  ((rate > 0)) && qdisc+=(rate "${rate}mbit")
elif ((rate > 0)); then
  # burst: a few packets at line speed; latency: how long a packet may queue
  qdisc=(tbf rate "${rate}mbit" burst 64kb latency 400ms)
fi

# the kernel's default qdisc first: a shaping removed is the bridge as it is
tc qdisc del dev "$device" root 2>/dev/null || true
if ((${#qdisc[@]} == 0)); then
  log "what the storage box sends: as the bridge is (no delay, no rate limit)"
  exit 0
fi
if ! tc qdisc replace dev "$device" root "${qdisc[@]}"; then
  log "cannot shape with 'tc qdisc ${qdisc[*]}': this Docker host's kernel lacks that qdisc" \
      "(a delay needs sch_netem); set STORAGE_DELAY_MS=0"
  exit 1
fi
log "what the storage box sends: tc ${qdisc[*]}"
