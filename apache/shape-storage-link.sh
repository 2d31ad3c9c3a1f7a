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
address=$(getent hosts "$server" | awk '{print $1; exit}')
if [[ -z $address ]]; then
  log "cannot resolve the storage box $server"
  exit 1
fi
# the interface the route to the box leaves by
device=$(ip -o route get "$address" | sed -n 's/.* dev \([^ ]*\).*/\1/p')

tc qdisc del dev "$device" root 2>/dev/null || true
if ((rate == 0)); then
  log "what this container sends to the storage box: as the bridge is (no rate limit)"
  exit 0
fi
# htb with no default class: whatever the filter does not pick goes out
# unshaped; the one class takes the SMB connection. quantum: htb's default
# (rate / 10) is too big for a fair share at these rates and it warns.
tc qdisc replace dev "$device" root handle 1: htb
tc class add dev "$device" parent 1: classid 1:1 htb rate "${rate}mbit" ceil "${rate}mbit" \
  burst 64kb cburst 64kb quantum 60000
tc filter add dev "$device" parent 1: protocol ip prio 1 u32 \
  match ip dst "$address/32" match ip dport "$port" 0xffff flowid 1:1
log "what this container sends to the storage box ($address:$port on $device): at most ${rate} Mbit/s"
