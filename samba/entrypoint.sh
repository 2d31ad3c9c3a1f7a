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
# so both directions of an exchange wait once (shape-link says how).
shape-link "${STORAGE_DELAY_MS:-0}" "${STORAGE_RATE_MBIT:-0}"

testparm -s --suppress-prompt /etc/samba/smb.conf >/dev/null
exec smbd --foreground --no-process-group --debug-stdout
