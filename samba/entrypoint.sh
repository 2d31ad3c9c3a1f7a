#!/bin/bash
# Starts the storage box: the one SMB user from the environment (.env), the
# share folders owned by www-data, then smbd in the foreground logging to stdout.
set -euo pipefail

: "${SMB_USER:?SMB_USER is the one user allowed to log in}"
: "${SMB_PASSWORD:?SMB_PASSWORD is the password of SMB_USER}"

log() { echo "entrypoint: $*" >&2; }

# A system account without a shell or home: it can only log in over SMB.
id "$SMB_USER" >/dev/null 2>&1 || useradd --no-create-home --shell /usr/sbin/nologin "$SMB_USER"
# Set on every start, so a changed .env takes effect.
printf '%s\n%s\n' "$SMB_PASSWORD" "$SMB_PASSWORD" | smbpasswd -a -s "$SMB_USER" >/dev/null
log "SMB user $SMB_USER ready"

for share in backup beta alpha; do
  install -d -o www-data -g www-data -m 775 "/srv/storagebox/$share"
done

# For the healthcheck: a login file only root can read.
install -d -m 700 /run/sdlab
install -m 600 /dev/null /run/sdlab/smb-auth
printf 'username = %s\npassword = %s\n' "$SMB_USER" "$SMB_PASSWORD" >/run/sdlab/smb-auth

# Production's box is remote; this one is on a zero-latency bridge. On request,
# everything it sends waits STORAGE_DELAY_MS and goes at most STORAGE_RATE_MBIT,
# shaped on its one interface, so both directions of an exchange wait once.
# A delay needs the kernel's netem qdisc; a rate alone uses tbf.
shape_link() {
  local delay=${STORAGE_DELAY_MS:-0} rate=${STORAGE_RATE_MBIT:-0} qdisc=()
  if ! [[ $delay =~ ^[0-9]+$ && $rate =~ ^[0-9]+$ ]]; then
    log "STORAGE_DELAY_MS and STORAGE_RATE_MBIT must be whole numbers (ms, Mbit/s), not '$delay' and '$rate'"
    exit 64
  fi
  if ((delay > 0)); then
    qdisc=(netem delay "${delay}ms")
    ((rate > 0)) && qdisc+=(rate "${rate}mbit")
  elif ((rate > 0)); then
    qdisc=(tbf rate "${rate}mbit" burst 64kb latency 400ms)
  else
    log "link: as the bridge is (no delay, no rate limit)"
    return
  fi
  if ! tc qdisc replace dev eth0 root "${qdisc[@]}"; then
    log "link: cannot shape it with 'tc qdisc ${qdisc[*]}': this Docker host's kernel lacks that qdisc" \
        "(a delay needs sch_netem); set STORAGE_DELAY_MS=0"
    exit 1
  fi
  log "link: tc ${qdisc[*]} on everything the storage box sends"
}
shape_link

testparm -s --suppress-prompt /etc/samba/smb.conf >/dev/null
exec smbd --foreground --no-process-group --debug-stdout
