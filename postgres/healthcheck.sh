#!/bin/bash
# Healthy when the lab user can log in over TCP with its password and run a
# query, as the web containers do.
PGPASSWORD=$DB_PASSWORD exec psql --host=127.0.0.1 --username="$DB_USER" --dbname=spacedock \
  --no-psqlrc --quiet --tuples-only --command='SELECT 1' >/dev/null
