#!/bin/bash
# Starts an sdlab web container: mount the storage box at /storage/sdmods, then
# run the storage watch, gunicorn (the app) and Apache side by side. If one
# stops, the others are stopped too and the container exits, so Docker sees it.
#
# `docker stop` (SIGTERM) stops both gracefully: running requests may finish.
set -euo pipefail

log() { echo "entrypoint: $*" >&2; }

mount-storage

# Schema and demo data (the first container of a shared database does it), as
# the user the app runs as, so seeded files belong to www-data like uploads.
setpriv --reuid=www-data --regid=www-data --init-groups python3 -m spacedock setup

storage-watch &
watch_pid=$!

gunicorn --config /etc/sdlab/gunicorn.conf.py &
gunicorn_pid=$!

# Debian's apache2ctl would do the same: its envvars, its runtime folders.
# shellcheck source=/dev/null
(set +u && . /etc/apache2/envvars && mkdir -p "$APACHE_RUN_DIR" "$APACHE_LOCK_DIR" "$APACHE_LOG_DIR" \
  && exec /usr/sbin/apache2 -DFOREGROUND) &
apache_pid=$!

stop() {
  log "stopping: Apache gracefully (SIGWINCH), gunicorn gracefully (SIGTERM)"
  kill -WINCH "$apache_pid" 2>/dev/null || true
  kill -TERM "$gunicorn_pid" "$watch_pid" 2>/dev/null || true
}
trap stop TERM INT

running() { kill -0 "$1" 2>/dev/null && echo running || echo stopped; }

log "running: storage watch (pid $watch_pid), gunicorn (pid $gunicorn_pid), Apache (pid $apache_pid)"
status=0
wait -n "$watch_pid" "$gunicorn_pid" "$apache_pid" || status=$?
# A trapped signal interrupts `wait` (status > 128): wait for all to finish.
if ((status > 128)); then
  wait "$gunicorn_pid" "$apache_pid" || true
  log "stopped"
  exit 0
fi
log "a process exited (status $status): storage watch $(running $watch_pid), gunicorn $(running $gunicorn_pid), Apache $(running $apache_pid); stopping the container"
stop
wait || true
exit 1
