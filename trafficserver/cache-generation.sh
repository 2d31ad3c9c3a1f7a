#!/bin/bash
# cache-generation N: makes every object cached so far unreachable by moving
# ATS to cache generation N, now (traffic_ctl) and for every later start (the
# cache lives on a volume and outlives the container; the generation set at
# run time would not: traffic_manager keeps it in /run, a tmpfs).
set -euo pipefail
generation=${1:?usage: cache-generation N}
[[ $generation =~ ^[0-9]+$ ]] || { echo "cache-generation: N must be a number, not '$generation'" >&2; exit 64; }
echo "$generation" >/var/cache/trafficserver/generation
sed -i "s/^CONFIG proxy.config.http.cache.generation INT .*/CONFIG proxy.config.http.cache.generation INT $generation/" \
  /etc/trafficserver/records.config
traffic_ctl config set proxy.config.http.cache.generation "$generation"
