#!/bin/bash
# Starts sdlab's ATS: writes the config files that depend on where the
# container runs (records.config, storage.config, remap.config, ip_allow.yaml),
# installs the TLS certificate, then hands over to traffic_manager, which starts
# and watches traffic_server and answers `traffic_ctl`.
#
# Environment:
#   ATS_CACHE_SIZE the cache's size on the ats-cache volume (4G)
#   HTTP_PORT      the published ports; each remap rule is added again with
#   HTTPS_PORT     them (a browser sends `Host: spacedock.localhost:$HTTP_PORT`)
#   ATS_DNS_CACHE  fast (default): follow a moved alias within 2 s
#                  production: ATS's default, obey the DNS TTL (Docker DNS
#                  answers 600 s; the blue-green swap bug, docs/deviations.md)
#   ATS_PURGE_FROM lab-networks (default): PURGE from the lab's container networks only
#                  any-internal-host: production's, from the host too (SpaceDock #375)
#   ATS_TIMEOUTS   production (default): 60 minutes, as since SpaceDock #250
#                  before-250: ATS's defaults (a request may last 15 minutes
#                  and be silent 30 s), for the upload-timeout scenario
#                  before-250-fast: the same scaled down, 6 s for the 15
#                  minutes and 2 s for the 30 s, so #250's dying uploads show
#                  in seconds
set -euo pipefail

conf=/etc/trafficserver
templates=/usr/share/sdlab

log() { echo "entrypoint: $*" >&2; }

ip2int() { local IFS=.; read -r a b c d <<<"$1"; echo $(((a << 24) + (b << 16) + (c << 8) + d)); }
int2ip() { echo "$(($1 >> 24 & 255)).$(($1 >> 16 & 255)).$(($1 >> 8 & 255)).$(($1 & 255))"; }

# records.config as shipped, plus where the cache is and how big, and the
# cache generation `lab cache clear` last moved to (cache-generation.sh): the
# cache outlives the container, and objects of an older generation must stay
# unreachable.
write_records_config() {
  local cache=/var/cache/trafficserver generation=-1
  if ! [[ ${ATS_CACHE_SIZE:-4G} =~ ^[0-9]+[KMGT]?$ ]]; then
    log "ATS_CACHE_SIZE must be a size such as 4G or 512M, not '$ATS_CACHE_SIZE'"
    exit 64
  fi
  [[ -s $cache/generation ]] && generation=$(<"$cache/generation")
  {
    cat "$templates/records.config"
    printf '\n# Added by entrypoint.sh: the generation cache-generation.sh last set.\n'
    printf 'CONFIG proxy.config.http.cache.generation INT %s\n' "$generation"
  } >"$conf/records.config"
  # One cache file of ATS_CACHE_SIZE on the volume (ATS creates it, sparse).
  printf '# Written by entrypoint.sh from ATS_CACHE_SIZE.\n%s %s\n' "$cache" "${ATS_CACHE_SIZE:-4G}" \
    >"$conf/storage.config"
  chown trafficserver:trafficserver "$cache"
  log "cache: ${ATS_CACHE_SIZE:-4G} in $cache (a volume), generation $generation"
}

# Every rule of the template (http://<name>/) again for TLS (https://<name>/),
# and both again with the published ports, which a browser sends in its Host.
write_remap_config() {
  local rules="$templates/remap.config"
  {
    cat "$rules"
    printf '\n# Added by entrypoint.sh: the same rules for TLS.\n'
    awk '$1 == "map" { sub("^http:", "https:", $2); print }' "$rules"
    if [[ -n ${HTTP_PORT:-} && $HTTP_PORT != 80 ]]; then
      printf '\n# Added by entrypoint.sh: the same rules with the published port %s.\n' "$HTTP_PORT"
      awk -v port="$HTTP_PORT" '$1 == "map" { sub("/$", ":" port "/", $2); print }' "$rules"
    fi
    if [[ -n ${HTTPS_PORT:-} && $HTTPS_PORT != 443 ]]; then
      printf '\n# Added by entrypoint.sh: the TLS rules with the published port %s.\n' "$HTTPS_PORT"
      awk -v port="$HTTPS_PORT" '$1 == "map" { sub("^http:", "https:", $2); sub("/$", ":" port "/", $2); print }' "$rules"
    fi
  } >"$conf/remap.config"
}

# The lab CA's certificate and key (lab/tls.py), readable by ATS only.
install_certificate() {
  local from=/etc/sdlab/tls to=$conf/ssl
  if [[ ! -s $from/server.crt || ! -s $from/server.key ]]; then
    log "no certificate in $from (the lab makes it in .lab/tls/ats at \`make up\`); TLS cannot start"
    exit 1
  fi
  install -d -o trafficserver -g trafficserver -m 700 "$to"
  install -o trafficserver -g trafficserver -m 644 "$from/server.crt" "$to/server.crt"
  install -o trafficserver -g trafficserver -m 600 "$from/server.key" "$to/server.key"
  log "TLS on 443 with the lab CA's certificate for every host name"
}

# The lab networks this container is on, and their Docker gateways, where
# traffic through the published port comes from: the default route's, and the
# first address of every other subnet (Docker's choice unless told otherwise).
write_ip_allow() {
  local networks=() gateways=() net
  gateways+=("$(ip -4 route show default | awk '{print $3; exit}')")
  for net in $(ip -4 route show scope link proto kernel | awk '{print $1}'); do
    networks+=("$net")
    gateways+=("$(int2ip $(($(ip2int "${net%/*}") + 1)))")
  done
  mapfile -t gateways < <(printf '%s\n' "${gateways[@]}" | grep . | sort -u)
  if ((${#networks[@]} == 0)); then
    log "no IPv4 network found; PURGE is allowed from the container itself only"
    networks=(127.0.0.1) gateways=(127.0.0.1)
  fi
  local denied="PURGE, PUSH, DELETE, TRACE" from="${networks[*]}"
  case ${ATS_PURGE_FROM:-lab-networks} in
    lab-networks) ;;
    any-internal-host) denied="PUSH, TRACE" from="${networks[*]} and the gateways ${gateways[*]} (the host)" ;;
    *) log "ATS_PURGE_FROM must be lab-networks or any-internal-host, not '$ATS_PURGE_FROM'"; exit 64 ;;
  esac
  local IFS=,
  sed -e "s#@LAB_NETWORKS@#${networks[*]}#" -e "s#@GATEWAYS@#${gateways[*]}#" -e "s#@GATEWAY_DENIED@#$denied#" \
    "$templates/ip_allow.yaml.in" >"$conf/ip_allow.yaml"
  log "PURGE/DELETE allowed from $from only"
}

# Record overrides through the environment (PROXY_CONFIG_<NAME>) win over
# records.config; see its HostDB section.
choose_dns_cache() {
  case ${ATS_DNS_CACHE:-fast} in
    fast) log "host DNS cache: fast (hostdb.ttl_mode 1, timeout 1 s)" ;;
    production)
      export PROXY_CONFIG_HOSTDB_TTL_MODE=0 PROXY_CONFIG_HOSTDB_TIMEOUT=86400
      log "host DNS cache: production (obeys the DNS TTL; Docker answers 600 s)" ;;
    *) log "ATS_DNS_CACHE must be fast or production, not '$ATS_DNS_CACHE'"; exit 64 ;;
  esac
}

# The access log (logging.yaml) onto the container's output; tail follows
# ATS's log rolling. It outlives this shell as a child of traffic_manager.
follow_access_log() {
  local log=/var/log/trafficserver/access.log
  install -o trafficserver -g trafficserver -m 644 /dev/null "$log.new" && mv -n "$log.new" "$log"
  rm -f "$log.new"
  tail --lines=0 --follow=name --retry "$log" &
}

choose_timeouts() {
  case ${ATS_TIMEOUTS:-production} in
    production) log "timeouts: production's (a request may last 60 min and be silent 60 min)" ;;
    before-250 | before-250-fast)
      local active=900 silent=30
      [[ $ATS_TIMEOUTS == before-250-fast ]] && active=6 silent=2
      export PROXY_CONFIG_HTTP_TRANSACTION_ACTIVE_TIMEOUT_IN=$active \
        PROXY_CONFIG_HTTP_TRANSACTION_NO_ACTIVITY_TIMEOUT_IN=$silent \
        PROXY_CONFIG_HTTP_TRANSACTION_NO_ACTIVITY_TIMEOUT_OUT=$silent
      log "timeouts: before SpaceDock #250 (a request may last ${active} s and be silent ${silent} s)" ;;
    *) log "ATS_TIMEOUTS must be production, before-250 or before-250-fast, not '$ATS_TIMEOUTS'"; exit 64 ;;
  esac
}

write_records_config
write_remap_config
install_certificate
write_ip_allow
choose_dns_cache
choose_timeouts
install -d -o trafficserver -g trafficserver /run/trafficserver
follow_access_log
exec traffic_manager --nosyslog
