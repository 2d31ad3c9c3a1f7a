#!/bin/bash
# Watches the storage mount and raises a flag while it does not answer, so
# that Apache and the app refuse file requests at once with 503 instead of
# letting them hang on a network filesystem whose server is gone or frozen.
#
#   flag: $STORAGE_STATUS_FILE (/run/sdlab/status/storage-unavailable)
#   probe: does $STORAGE list, and is it still a mount point? Every $INTERVAL_S.
#   A mount that is gone leaves an empty folder that lists well: every file
#   would be a 404 (production, 2020-08-03), so that counts as a failure too.
#   A probe that has not answered after $TIMEOUT_S counts as a failure at once;
#   the watch does not wait for it (a process stuck on a frozen mount cannot
#   be reaped until the filesystem answers), and starts no other probe until
#   it ends. So the flag is up at most INTERVAL_S + TIMEOUT_S after the
#   storage box stops answering, and down about INTERVAL_S after it is back.
set -uo pipefail

storage=${STORAGE:-/storage/sdmods}
flag=${STORAGE_STATUS_FILE:-/run/sdlab/status/storage-unavailable}
INTERVAL_S=1
TIMEOUT_S=2

log() { echo "storage-watch: $*" >&2; }

# STORAGE_WATCH=production: production has no watch, so file requests go to
# the mount whatever it answers (the storage-outage scenario's production
# side). This process stays, idle, as the entrypoint watches it.
case ${STORAGE_WATCH:-fixed} in
  fixed) ;;
  production)
    log "off (STORAGE_WATCH=production): file requests go to the mount whatever it answers"
    exec sleep infinity ;;
  *) log "STORAGE_WATCH must be production or fixed, not '$STORAGE_WATCH'"; exit 64 ;;
esac

mark_down() {
  [[ -e $flag ]] && return
  date -u +%FT%TZ >"$flag"
  log "$storage does not answer ($1): answering 503 for files until it does"
}

mark_up() {
  [[ -e $flag ]] || return
  rm -f "$flag"
  log "$storage answers again: serving files"
}

# With STORAGE_MODE smbfuse the mount is smbnetfs, a daemon no one restarts:
# if it dies the mount is dead for good, so the watch ends, naming it, and the
# entrypoint stops the container, which Docker starts again (and mounts anew).
smbnetfs_mount=false
grep -qx 'mode=smbfuse' "${SDLAB_RUN_DIR:-/run/sdlab}/storage" 2>/dev/null && smbnetfs_mount=true

install -d -o www-data -g www-data "$(dirname "$flag")"
rm -f "$flag"
errors=$(mktemp)
probe=""
while true; do
  if $smbnetfs_mount && ! pgrep -x smbnetfs >/dev/null; then
    log "smbnetfs, the storage mount's daemon, is gone: ending, so that the container starts again"
    exit 1
  fi
  if [[ -z $probe ]]; then
    { ls "$storage" >/dev/null \
        && { mountpoint -q "$storage" || { echo "not a mount point: the share's mount is gone" >&2; exit 1; }; }
    } 2>"$errors" &
    probe=$!
    started=$SECONDS
  fi
  for ((tenths = 0; tenths < TIMEOUT_S * 10; tenths++)); do
    kill -0 "$probe" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$probe" 2>/dev/null; then
    mark_down "no answer after $((SECONDS - started)) s"
  elif wait "$probe"; then
    probe=""
    mark_up
  else
    probe=""
    mark_down "$(head -c 200 "$errors")"
  fi
  sleep "$INTERVAL_S"
done
