#!/bin/bash
# Starts an sdlab web container: mount the storage box at /storage/sdmods, then
# run the storage watch, the gunicorn instances (the app), the Celery worker
# and Apache side by side. A gunicorn instance or the worker that dies is
# started again a minute later, as production's systemd does. When Apache, the
# storage watch or a keeper exits, for whatever reason (a crash, an OOM kill,
# `kill -9`), the others are stopped and the container exits with status 1,
# naming it, so Docker restarts it or reports it.
#
# tini (PID 1, see the Dockerfile) reaps orphans and hands `docker stop`'s
# SIGTERM to this script, which stops everything gracefully: running requests may finish.
set -euo pipefail

log() { echo "entrypoint: $*" >&2; }

# The storage mount is all that needs the container's SYS_ADMIN,
# DAC_READ_SEARCH (mount.cifs) and NET_ADMIN (mount-storage shapes the link
# to the box; `docker exec ... tc` gets the container's own set): once it is
# done, this script starts again without them in its bounding set, so neither
# it nor Apache, gunicorn, Celery or the storage watch can ever gain them. (tini, PID 1, and the smbnetfs
# daemon keep theirs: docs/deviations.md, privileges.)
if [[ -z ${SDLAB_MOUNTED:-} ]]; then
  # /run starts empty (a tmpfs, see compose.yaml); /var/lock points into it.
  install -d -m 1777 /run/lock
  mount-storage
  SDLAB_MOUNTED=1 exec setpriv --bounding-set=-sys_admin,-dac_read_search,-net_admin -- "$0" "$@"
fi

# Apache runs as Debian's apache2ctl starts it: with /etc/apache2/envvars
# (LANG=C among them, for Apache only) and its runtime folders. A container
# killed uncleanly keeps its files unless /run is a tmpfs: Apache's pid file
# would name a process of the last run, and in this run that number may be
# anyone (Apache then refuses to start: "httpd (pid 36) already running"), so
# it goes whatever /run is.
# shellcheck source=/dev/null
(set +u && . /etc/apache2/envvars && set -u \
  && mkdir -p "$APACHE_RUN_DIR" "$APACHE_LOCK_DIR" "$APACHE_LOG_DIR" && rm -f "$APACHE_PID_FILE")

# The switches spacedock.conf reads as <IfDefine>s.
apache_defines=()
case ${APACHE_FILE_READS:-production} in
  production) ;;
  safe) apache_defines+=(-DSafeFileReads) ;;
  *) log "APACHE_FILE_READS must be production or safe, not '$APACHE_FILE_READS'"; exit 64 ;;
esac
case ${CONTENT_SERVED_BY:-alias} in
  alias) ;;
  xsendfile) apache_defines+=(-DContentByXSendfile) ;;
  *) log "CONTENT_SERVED_BY must be alias or xsendfile, not '$CONTENT_SERVED_BY'"; exit 64 ;;
esac
# UPLOAD_REQUESTS=fixed: the app takes one chunk a request (app/spacedock/
# uploads.py: a chunk and 64 KiB of form fields); Apache refuses a bigger body
# with 413 itself, before proxying any of it: a gunicorn that answers 413
# before reading the body it refuses breaks the connection Apache is still
# sending on, and the client gets a 502.
case ${UPLOAD_REQUESTS:-production} in
  production) ;;
  fixed)
    apache_defines+=(-DBoundedRequests)
    export SDLAB_REQUEST_BODY_LIMIT=$((${UPLOAD_CHUNK_BYTES:-2097152} + 65536)) ;;
  *) log "UPLOAD_REQUESTS must be production or fixed, not '$UPLOAD_REQUESTS'"; exit 64 ;;
esac
log "Apache: file reads ${APACHE_FILE_READS:-production}, /content/ served by ${CONTENT_SERVED_BY:-alias}," \
    "request bodies ${SDLAB_REQUEST_BODY_LIMIT:-unbounded}"

# The app: the stand-in, or the real SpaceDock in its image (real-spacedock/),
# which sets these. Each runs in its working directory (SpaceDock reads its
# config.ini there).
cd "${APP_DIR:-/srv/spacedock}"
read -ra app_setup <<<"${APP_SETUP:-python3 -m spacedock setup}"
# An app whose schema the environment's database is past uses one of its own.
if [ -n "${APP_DATABASE_SCHEMA:-}" ]; then
  export CONNECTION_STRING="${CONNECTION_STRING}_${APP_DATABASE_SCHEMA}"
fi
log "app: ${APP:-stand-in} in $PWD, database ${CONNECTION_STRING##*/}"

# Schema and demo data (the first container of a shared database does it), as
# the user the app runs as, so seeded files belong to www-data like uploads.
setpriv --reuid=www-data --regid=www-data --init-groups "${app_setup[@]}"

# "status 137" says little; "killed by SIGKILL" says what happened.
how() {
  if (($1 > 128)) && name=$(kill -l "$(($1 - 128))" 2>/dev/null); then
    echo "killed by SIG$name"
  else
    echo "exit status $1"
  fi
}

# Production's gunicorn: GUNICORN_INSTANCES instances (systemd's
# spacedock@<port>.service, on production's ports 8004, 8006, 8009...) behind
# Apache's balancer://sdclusterlocal, and its Celery worker
# (spacedock-celery.service). systemd keeps each running (Restart=always,
# RestartSec=60), and so does `keep`: one that dies is started again
# UNIT_RESTART_SECONDS later. Meanwhile the balancer sends a dead instance's
# requests to the others (with one instance, as on alpha and beta: 503).
PORTS=(8004 8006 8009 8010 8011 8012 8013 8014)
instances=${GUNICORN_INSTANCES:-1}
if ! [[ $instances =~ ^[1-8]$ ]]; then
  log "GUNICORN_INSTANCES must be 1 to 8 (production's balancer has 8 members), not '$instances'"
  exit 64
fi
restart_after=${UNIT_RESTART_SECONDS:-60}
if ! [[ $restart_after =~ ^[0-9]+$ ]]; then
  log "UNIT_RESTART_SECONDS must be a number of seconds, not '$restart_after'"
  exit 64
fi

# stop_unit <what> <pid>: stops a unit's run as systemd's KillMode=mixed does:
# SIGTERM to its main process (gunicorn's master stops its workers within its
# graceful_timeout, 30 s; Celery's warm shutdown lets a running task finish),
# or to what is left of its process group once that has died; then SIGKILL to
# the whole group UNIT_STOP_S later. Production's units wait systemd's 90 s;
# the lab's 32 s fit Docker's 40 s grace (compose.yaml).
UNIT_STOP_S=32
stop_unit() {
  local what=$1 group=$2 deadline=$((SECONDS + UNIT_STOP_S))
  if kill -0 "$group" 2>/dev/null; then
    kill -TERM "$group" 2>/dev/null || true
  else
    kill -TERM -- "-$group" 2>/dev/null || true
  fi
  while ((SECONDS < deadline)); do
    kill -0 -- "-$group" 2>/dev/null || kill -0 "$group" 2>/dev/null || return 0
    sleep 0.1
  done
  log "$what (pid $group): still running ${UNIT_STOP_S} s after SIGTERM; killing what is left of it (SIGKILL)"
  kill -KILL -- "-$group" 2>/dev/null || kill -KILL "$group" 2>/dev/null || true
}

# keep <what> <command...>: keeps one unit running. Each run is a process group
# of its own (setsid: the first process's pid is the group's id), so what is
# left of it after its main process dies (orphaned workers, which would hold a
# port) goes with it. Stopped (SIGTERM), it stops the run it keeps.
keep() {
  local what=$1 child="" status
  shift
  # once: a second SIGTERM (docker stop during a stop) must not start the wait again
  trap 'trap "" TERM; [[ -n $child ]] && stop_unit "$what" "$child"; exit 0' TERM
  while true; do
    setsid "$@" &
    child=$!
    status=0
    wait "$child" || status=$?
    stop_unit "$what" "$child"
    log "$what (pid $child) ended, $(how "$status"); starting it again in ${restart_after} s"
    sleep "$restart_after" &
    child=$!
    wait "$child" || true
  done
}

write_balancer() {
  local route
  {
    echo '# Written by entrypoint.sh: one member per gunicorn instance (GUNICORN_INSTANCES).'
    echo '<Proxy "balancer://sdclusterlocal">'
    for ((route = 1; route <= instances; route++)); do
      echo "    BalancerMember \"http://127.0.0.1:${PORTS[route - 1]}\" route=$route"
    done
    echo '    # production sets it, though nothing sets the cookie'
    echo '    ProxySet stickysession=ROUTEID'
    echo '</Proxy>'
  } >/run/sdlab/balancer.conf
}

storage-watch &
watch_pid=$!
write_balancer
declare -A names=(["$watch_pid"]="the storage watch")
unit_pids=()
for ((i = 0; i < instances; i++)); do
  keep "gunicorn instance ${PORTS[i]}" \
    gunicorn --config /etc/sdlab/gunicorn.conf.py --bind "127.0.0.1:${PORTS[i]}" --name "spacedock@${PORTS[i]}" &
  unit_pids+=($!)
  names[$!]="the keeper of gunicorn instance ${PORTS[i]}"
done
# Production's worker: `celery -A KerbalStuff.celery:app worker -B --loglevel=INFO`
# as www-data; Debian's python3-celery has no `celery` script. One process for
# tasks (production: one per CPU; here 4 containers share the machine); the
# schedule of the periodic jobs on a volume of the container's own (compose.yaml),
# as production's in its working tree, so neither a restart nor a recreate resets it.
keep "the Celery worker" setpriv --reuid=www-data --regid=www-data --init-groups \
  python3 -m celery --app "${APP_CELERY:-spacedock.tasks}" worker --beat --loglevel=INFO --concurrency 1 \
  --hostname "celery@${SD_CONTAINER:-local}" --schedule /var/lib/sdlab/celery/beat-schedule &
unit_pids+=($!)
names[$!]="the keeper of the Celery worker"
# one subshell that becomes Apache, so $! is Apache's pid (for its signals)
# shellcheck source=/dev/null
(set +u && . /etc/apache2/envvars && set -u && exec /usr/sbin/apache2 -DFOREGROUND "${apache_defines[@]}") &
apache_pid=$!
names[$apache_pid]="Apache"
children=("$watch_pid" "${unit_pids[@]}" "$apache_pid")

stopping=false
stop() {
  $stopping && return
  stopping=true
  log "stopping: Apache gracefully (SIGWINCH), gunicorn and Celery gracefully (SIGTERM)"
  kill -WINCH "$apache_pid" 2>/dev/null || true
  kill -TERM "${unit_pids[@]}" "$watch_pid" 2>/dev/null || true
}
trap stop TERM INT

log "running: storage watch (pid $watch_pid), $instances gunicorn instance(s) on ${PORTS[*]:0:instances}" \
    "of ${GUNICORN_WORKERS:-3} workers each, the Celery worker, Apache (pid $apache_pid)"
status=0
exited=""
wait -n -p exited "${children[@]}" || status=$?
# Until every child has ended. Apache (GracefulShutdownTimeout, 30 s, then a
# moment to reap its children) and each unit (UNIT_STOP_S) are bounded, so
# whatever still runs after STOP_GRACE_S is named, and ends with the container
# when this script (and tini) exit. Docker's own grace is 40 s (compose.yaml).
STOP_GRACE_S=36
wait_for_all() {
  local deadline=$((SECONDS + STOP_GRACE_S)) child left list
  while true; do
    left=()
    for child in "${children[@]}"; do
      kill -0 "$child" 2>/dev/null && left+=("${names[$child]} (pid $child)")
    done
    ((${#left[@]})) || return 0
    if ((SECONDS >= deadline)); then
      printf -v list '%s, ' "${left[@]}"
      log "still running ${STOP_GRACE_S} s after the stop: ${list%, }; ending without them"
      return 0
    fi
    sleep 0.1
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
