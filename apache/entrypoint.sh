#!/bin/bash
# Starts an sdlab web container: mount the storage box at /storage/sdmods, then
# run the storage watch, gunicorn (the app) and Apache side by side. When one
# of them exits, for whatever reason (a crash, an OOM kill, `kill -9`), the
# others are stopped and the container exits with status 1, naming it, so
# Docker restarts it or reports it.
#
# tini (PID 1, see the Dockerfile) reaps orphans and hands `docker stop`'s
# SIGTERM to this script, which stops both gracefully: running requests may finish.
set -euo pipefail

log() { echo "entrypoint: $*" >&2; }

# /run starts empty (a tmpfs, see compose.yaml); /var/lock points into it.
install -d -m 1777 /run/lock

# Apache runs as Debian's apache2ctl starts it: with /etc/apache2/envvars
# (LANG=C among them, for Apache only) and its runtime folders. A container
# killed uncleanly keeps its files unless /run is a tmpfs: Apache's pid file
# would name a process of the last run, and in this run that number may be
# anyone (Apache then refuses to start: "httpd (pid 36) already running"), so
# it goes whatever /run is.
# shellcheck source=/dev/null
(set +u && . /etc/apache2/envvars && set -u \
  && mkdir -p "$APACHE_RUN_DIR" "$APACHE_LOCK_DIR" "$APACHE_LOG_DIR" && rm -f "$APACHE_PID_FILE")

mount-storage

# Schema and demo data (the first container of a shared database does it), as
# the user the app runs as, so seeded files belong to www-data like uploads.
setpriv --reuid=www-data --regid=www-data --init-groups python3 -m spacedock setup

storage-watch &
watch_pid=$!
gunicorn --config /etc/sdlab/gunicorn.conf.py &
gunicorn_pid=$!
# one subshell that becomes Apache, so $! is Apache's pid (for its signals)
# shellcheck source=/dev/null
(set +u && . /etc/apache2/envvars && set -u && exec /usr/sbin/apache2 -DFOREGROUND) &
apache_pid=$!
declare -A names=(["$watch_pid"]="the storage watch" ["$gunicorn_pid"]="gunicorn" ["$apache_pid"]="Apache")

stopping=false
stop() {
  stopping=true
  log "stopping: Apache gracefully (SIGWINCH), gunicorn gracefully (SIGTERM)"
  kill -WINCH "$apache_pid" 2>/dev/null || true
  kill -TERM "$gunicorn_pid" "$watch_pid" 2>/dev/null || true
}
trap stop TERM INT

# "status 137" says little; "killed by SIGKILL" says what happened.
how() {
  if (($1 > 128)) && name=$(kill -l "$(($1 - 128))" 2>/dev/null); then
    echo "killed by SIG$name"
  else
    echo "exit status $1"
  fi
}

log "running: storage watch (pid $watch_pid), gunicorn (pid $gunicorn_pid), Apache (pid $apache_pid)"
status=0
exited=""
wait -n -p exited "$watch_pid" "$gunicorn_pid" "$apache_pid" || status=$?
# Until every child has ended: a second signal interrupts `wait` too.
wait_for_all() {
  while kill -0 "$gunicorn_pid" 2>/dev/null || kill -0 "$apache_pid" 2>/dev/null \
        || kill -0 "$watch_pid" 2>/dev/null; do
    wait || true
  done
}
if $stopping; then
  # `docker stop`: the trap interrupted the wait; let everything finish.
  wait_for_all
  log "stopped"
  exit 0
fi
log "${names[${exited:-none}]:-a process} (pid ${exited:-?}) ended, $(how "$status"); stopping the container"
stop
wait_for_all
exit 1
