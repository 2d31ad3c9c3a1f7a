#!/bin/bash
# Starts an sdlab web container: mount the storage box at /storage/sdmods, then
# run gunicorn (the app) and Apache side by side. If either stops, the other is
# stopped too and the container exits, so Docker sees the failure.
#
# `docker stop` (SIGTERM) stops both gracefully: running requests may finish.
set -euo pipefail

log() { echo "entrypoint: $*" >&2; }

mount-storage

# Schema and demo data (the first container of a shared database does it), as
# the user the app runs as, so seeded files belong to www-data like uploads.
setpriv --reuid=www-data --regid=www-data --init-groups python3 -m spacedock setup

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
  kill -TERM "$gunicorn_pid" 2>/dev/null || true
}
trap stop TERM INT

log "running: gunicorn (pid $gunicorn_pid), Apache (pid $apache_pid)"
status=0
wait -n "$gunicorn_pid" "$apache_pid" || status=$?
# A trapped signal interrupts `wait` (status > 128): wait for both to finish.
if ((status > 128)); then
  wait "$gunicorn_pid" "$apache_pid" || true
  log "stopped"
  exit 0
fi
log "a server exited (status $status): gunicorn $(kill -0 $gunicorn_pid 2>/dev/null && echo running || echo stopped), Apache $(kill -0 $apache_pid 2>/dev/null && echo running || echo stopped); stopping the container"
stop
wait || true
exit 1
