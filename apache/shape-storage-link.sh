#!/bin/bash
# shape-storage-link RATE_MBIT: limits what this web container sends to the
# storage box (SMB, TCP port $SMB_SERVER_PORT) to RATE_MBIT, as uploads to a
# remote box go; 0 = the bridge as it is. Its other traffic (the database,
# Redis, ATS) is not touched. The box shapes the other direction
# (samba/shape-link.sh). Run by mount-storage.sh at start (STORAGE_RATE_MBIT)
# and by the lab at run time (lab/storage_link.py).
set -euo pipefail

log() { echo "shape-storage-link: $*" >&2; }

rate=${1:?usage: shape-storage-link RATE_MBIT}
server=${SMB_SERVER:-storagebox}
port=${SMB_SERVER_PORT:-445}
if ! [[ $rate =~ ^[0-9]+$ ]]; then
  log "the rate must be a whole number of Mbit/s, not '$rate'"
  exit 64
fi
# the interface the route to the box leaves by (the box's address is only
# looked up for that: it may change when the box is made anew, the port not)
address=$(getent hosts "$server" | awk '{print $1; exit}') || true
device=""
[[ -n $address ]] && device=$(ip -o route get "$address" | sed -n 's/.* dev \([^ ]*\).*/\1/p') || true
if [[ -z $device ]]; then
  log "cannot find the interface towards the storage box '$server' (address '${address:-none}')"
  exit 1
fi

tc qdisc del dev "$device" root 2>/dev/null || true
if ((rate == 0)); then
  log "what this container sends to the storage box: as the bridge is (no rate limit)"
  exit 0
fi
# htb with no default class: what the filter does not pick goes out at once,
# unshaped, through htb's direct queue; the one class takes what goes to the
# SMB port. Queue lengths are given: Docker's veth has txqueuelen 0, from
# which htb would size both queues. burst/cburst: a few packets at line
# speed, as the box's tbf; quantum: htb's default (rate / 10) is too big at
# these rates and it warns.
tc qdisc replace dev "$device" root handle 1: htb direct_qlen 1000
tc class add dev "$device" parent 1: classid 1:1 htb rate "${rate}mbit" ceil "${rate}mbit" \
  burst 64kb cburst 64kb quantum 60000
tc qdisc add dev "$device" parent 1:1 handle 10: pfifo limit 1000
tc filter add dev "$device" parent 1: protocol ip prio 1 u32 match ip dport "$port" 0xffff flowid 1:1
log "what this container sends to the storage box (port $port on $device): at most ${rate} Mbit/s"
