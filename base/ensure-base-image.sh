#!/usr/bin/env bash
# Makes sure the image every sdlab Dockerfile starts FROM exists.
#
#   base/ensure-base-image.sh            use it if present, else pull, else debootstrap
#   base/ensure-base-image.sh --rebuild  build it again from Debian packages
#
# The image is Debian bookworm, tagged $BASE_IMAGE (default sdlab/base:bookworm).
# In order of preference it is:
#   1. already there (nothing to do),
#   2. debian:bookworm-slim from a registry, re-tagged,
#   3. made here: `debootstrap --variant=minbase bookworm` into a temporary folder
#      and `docker import`ed. This is the path for hosts without a reachable
#      registry (air-gapped machines, our CI). It needs root and debootstrap.
set -euo pipefail

BASE_IMAGE=${BASE_IMAGE:-sdlab/base:bookworm}
rebuild=false
[[ ${1:-} == --rebuild ]] && rebuild=true

say() { printf 'base image: %s\n' "$*"; }

# The Debian mirror the host already uses (deb822 or one-line sources), so the
# build works wherever the host's apt works; $DEBIAN_MIRROR overrides it.
host_debian_mirror() {
  local uri
  uri=$(grep -rhoE 'https?://[^ ]+/debian/?( |$)' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null \
        | grep -v security | head -n 1 | tr -d ' ' || true)
  echo "${uri:-http://deb.debian.org/debian}"
}

# debootstrap prints one line per package and stage; show the stages and a
# running package count instead, so a 30-second step visibly moves.
debootstrap_progress() {
  awk '
    /^I: (Retrieving|Validating|Extracting|Unpacking|Configuring) [a-z0-9]/ {
      n++; if (n % 25 == 0) { printf "base image:   %d package steps\n", n; fflush() } ; next }
    /^I: / { print "base image: " substr($0, 4); fflush() }
    /^[EW]: / { print; fflush() }'
}

build_with_debootstrap() {
  if [[ $(id -u) -ne 0 ]]; then
    say "building from Debian packages needs root (debootstrap); run: sudo $0" >&2
    exit 1
  fi
  if ! command -v debootstrap >/dev/null; then
    say "debootstrap is missing; install it with: apt-get install debootstrap" >&2
    exit 1
  fi
  local mirror rootfs
  mirror=${DEBIAN_MIRROR:-$(host_debian_mirror)}
  rootfs=$(mktemp -d /tmp/sdlab-rootfs.XXXXXX)
  # shellcheck disable=SC2064  # expand now: $rootfs is local to this function
  trap "rm -rf '$rootfs'" EXIT
  say "debootstrap bookworm from $mirror (about 30 s)"
  debootstrap --variant=minbase bookworm "$rootfs" "$mirror" 2>&1 | debootstrap_progress
  # The same suites debian:bookworm-slim has, so images get security updates too.
  cat >"$rootfs/etc/apt/sources.list" <<EOF
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb ${mirror%/debian*}/debian-security bookworm-security main
EOF
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  say "importing as $BASE_IMAGE"
  tar -C "$rootfs" -c . | docker import \
    --change 'CMD ["bash"]' --change 'ENV LANG=C.UTF-8' \
    --message "sdlab base: debootstrap --variant=minbase bookworm $mirror" - "$BASE_IMAGE" >/dev/null
}

if ! $rebuild && docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
  say "$BASE_IMAGE is present"
  exit 0
fi
if ! $rebuild; then
  say "pulling debian:bookworm-slim"
  if docker pull -q debian:bookworm-slim >/dev/null 2>&1; then
    docker tag debian:bookworm-slim "$BASE_IMAGE"
    say "$BASE_IMAGE is debian:bookworm-slim"
    exit 0
  fi
  say "no registry answered; building one from Debian packages instead"
fi
build_with_debootstrap
say "$BASE_IMAGE is ready"
