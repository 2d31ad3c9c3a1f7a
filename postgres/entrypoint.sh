#!/bin/bash
# Starts the database: creates the cluster on first start, makes sure the lab
# user and the databases exist (password from .env, set on every start),
# then runs postgres in the foreground.
set -euo pipefail

: "${DB_USER:?DB_USER owns the SpaceDock databases}"
: "${DB_PASSWORD:?DB_PASSWORD is its password}"
# the stand-in's, and the real SpaceDock's (APP=spacedock), whose tables differ
DATABASES=(spacedock spacedock_beta spacedock_alpha spacedock_real spacedock_beta_real spacedock_alpha_real)
CONF=/etc/sdlab/postgresql.conf

log() { echo "entrypoint: $*" >&2; }
as_postgres() { setpriv --reuid=postgres --regid=postgres --init-groups "$@"; }

install -d -o postgres -g postgres -m 700 "$PGDATA"
install -d -o postgres -g postgres -m 2775 /var/run/postgresql

if [[ ! -s $PGDATA/PG_VERSION ]]; then
  log "creating the cluster in $PGDATA"
  as_postgres initdb --pgdata="$PGDATA" --username=postgres --encoding=UTF8 --locale=C.UTF-8 \
    --auth-local=peer --auth-host=scram-sha-256 >/dev/null
fi

# Set-up on a server that listens on the socket only, so nobody connects early.
as_postgres pg_ctl --pgdata="$PGDATA" --wait --silent \
  --options="-c config_file=$CONF -c listen_addresses=''" start
# The password reaches psql by its environment (\getenv, psql 15 on), never
# its command line: the host's `ps` shows every process's arguments to every
# user, whereas a process's environment is readable by its own user and root.
as_postgres psql --quiet --no-psqlrc --set=ON_ERROR_STOP=1 \
  --set=user="$DB_USER" --dbname=postgres <<'SQL'
\getenv password DB_PASSWORD
SELECT format('CREATE ROLE %I LOGIN', :'user')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'user') \gexec
-- CREATEDB: the real SpaceDock at a commit older than its branch's schema
-- creates a database of its own (`spacedock database initialize`)
ALTER ROLE :"user" WITH LOGIN CREATEDB PASSWORD :'password';
SQL
for db in "${DATABASES[@]}"; do
  as_postgres psql --quiet --no-psqlrc --set=ON_ERROR_STOP=1 --set=user="$DB_USER" --set=db="$db" \
    --dbname=postgres <<'SQL'
SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'user')
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db') \gexec
SQL
done
as_postgres pg_ctl --pgdata="$PGDATA" --wait --silent stop
log "user $DB_USER owns ${DATABASES[*]}"

exec setpriv --reuid=postgres --regid=postgres --init-groups postgres -c config_file="$CONF"
