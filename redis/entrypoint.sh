#!/bin/bash
# Starts Redis with the lab's password, as Debian's redis user.
set -euo pipefail

log() { echo "entrypoint: $*" >&2; }

# The password also goes into the web containers' broker URL
# (redis://:<password>@redis:6379/<n>), so it must need no escaping there.
if ! [[ ${REDIS_PASSWORD:-} =~ ^[A-Za-z0-9._~-]+$ ]]; then
  log "REDIS_PASSWORD must be set, of letters, digits and . _ ~ - only (it is part of a URL)"
  exit 64
fi

# /run starts empty (a tmpfs, see compose.yaml); readable by Redis only.
install -d -o redis -g redis -m 0700 /run/redis
(umask 077 && printf 'requirepass %s\n' "$REDIS_PASSWORD" >/run/redis/password.conf)
chown redis:redis /run/redis/password.conf /var/lib/redis

exec setpriv --reuid=redis --regid=redis --init-groups redis-server /etc/sdlab/redis.conf
