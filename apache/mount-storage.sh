#!/bin/bash
# Mounts this environment's share of the storage box at $STORAGE (/storage/sdmods),
# the way production mounts its remote storage box over CIFS.
#
# STORAGE_MODE
#   cifs     kernel CIFS mount with $CIFS_OPTIONS (production's options by default)
#   smbfuse  the same share through smbnetfs (FUSE), for Docker hosts whose
#            kernel has no CIFS
#   local    a plain Docker volume, for work where storage does not matter
#   auto     cifs if the kernel can mount it, else smbfuse (the default)
#
# The mode in use and why are written to /run/sdlab/storage for /healthz and
# `make status`. If the storage box does not answer, this waits for it and
# says so every few seconds.
set -euo pipefail

target=${STORAGE:-/storage/sdmods}
server=${SMB_SERVER:-storagebox}
port=${SMB_SERVER_PORT:-445}
share=${SMB_SHARE:?SMB_SHARE names the share}
state_dir=${SDLAB_RUN_DIR:-/run/sdlab}
fuse_root=$state_dir/smbnet
smbnetfs_append=${SMBNETFS_APPEND:-/usr/local/lib/sdlab/smbnetfs-append.so}
smbnetfs_delete_pending=${SMBNETFS_DELETE_PENDING:-/usr/local/lib/sdlab/smbnetfs-delete-pending.so}
# the Docker volume of STORAGE_MODE=local
local_root=${STORAGE_LOCAL:-/storage/local}

log() { echo "mount-storage: $*" >&2; }

record_mode() {
  printf 'mode=%s\nreason=%s\n' "$1" "$2" >"$state_dir/storage"
  log "STORAGE_MODE=${STORAGE_MODE:-auto}: using $1 ($2)"
}

wait_for_storagebox() {
  local waited=0
  until timeout 2 bash -c "exec 3<>/dev/tcp/$server/$port" 2>/dev/null; do
    if ((waited % 10 == 0)); then
      log "the storage box $server:$port does not answer (waited ${waited}s); the site cannot serve files until it does"
    fi
    sleep 2
    waited=$((waited + 2))
  done
}

# A credentials file keeps the password out of the mount options and ps.
write_cifs_credentials() {
  install -m 600 /dev/null "$state_dir/smb-credentials"
  printf 'username=%s\npassword=%s\n' "$SMB_USER" "$SMB_PASSWORD" >"$state_dir/smb-credentials"
}

# Prints mount.cifs's error and returns its status; status 19 = ENODEV = no CIFS in this kernel.
mount_cifs() {
  write_cifs_credentials
  local out
  if out=$(mount -t cifs "//$server/$share" "$target" \
             -o "${CIFS_OPTIONS},credentials=$state_dir/smb-credentials" 2>&1); then
    return 0
  fi
  echo "$out"
  [[ $out == *"error(19)"* ]] && return 19
  return 1
}

# smbnetfs reads its settings and libsmbclient's from $HOME/.smb.
mount_smbfuse() {
  local home=$state_dir/smbnetfs-home
  if [[ ! -r $smbnetfs_append ]]; then
    log "smbfuse needs $smbnetfs_append (built in the web image): without it smbnetfs fails every append"
    return 1
  fi
  if [[ ! -r $smbnetfs_delete_pending ]]; then
    log "smbfuse needs $smbnetfs_delete_pending (built in the web image): without it a file being read cannot be deleted"
    return 1
  fi
  install -d -m 700 "$home/.smb"
  cat >"$home/.smb/smb.conf" <<EOF
[global]
   # As production's mount: SMB 3.0 exactly and an encrypted session
   # (mount.cifs vers=3.0,seal); libsmbclient would otherwise negotiate 3.1.1.
   client min protocol = SMB3_00
   client max protocol = SMB3_00
   client smb encrypt = required
   # NTLMSSP with NTLMv2, as sec=ntlmssp.
   client use spnego = yes
   client ntlmv2 auth = yes
   # Resolve the storage box's name afresh on every connection: libsmbclient
   # caches addresses for 11 minutes by default, and the box gets a new
   # address when it is recreated.
   name cache timeout = 0
EOF
  install -m 600 /dev/null "$home/.smb/smbnetfs.conf"
  cat >"$home/.smb/smbnetfs.conf" <<EOF
# Only the storage box, no network browsing.
smb_query_browsers "false"
host $server visible=true
auth "$server" "$SMB_USER" "$SMB_PASSWORD"
# Give up on a request after 4 s (default 20 s), so that during an outage
# a request stuck on the mount fails within seconds instead of hanging. A
# file read that meets a frozen box may wait for three requests (attributes,
# open, read): 12 s, inside the lab's 15 s bound (docs/storage.md).
smb_timeout 4000
EOF
  install -d "$fuse_root"
  # uid/gid/umask: present every file as www-data with mode 0777, as the cifs
  # mount does with uid=33,forceuid,gid=33,forcegid,file_mode=0777,dir_mode=0777.
  # The daemon keeps SYS_ADMIN (FUSE's mount needs it: libfuse2 mounts from
  # the daemon itself) but not the container's DAC_READ_SEARCH (reading any
  # file by handle) and NET_ADMIN (docs/deviations.md, privileges).
  # LD_PRELOAD: smbnetfs-append.so, so that a file opened for appending (as
  # SpaceDock writes its uploads) works as on the kernel's CIFS mount, and
  # smbnetfs-delete-pending.so, so that a file being read (a zip Apache sends)
  # can be deleted, delete-pending until its reader closes, as on that mount
  # (libfuse's hard_remove would send the unlink too, but then fails every
  # read of the open file: smbnetfs cannot serve a file without a path).
  # SMBFUSE_WRITES=big: FUSE's big_writes, writes handed over in pieces of up
  # to 128 KiB instead of 4 KiB, each an SMB write: 144 MB/s instead of 10.7
  # (docs/bench.md); the kernel's mount writes up to wsize=4194304 at once.
  local options=allow_other,uid=33,gid=33,umask=0000
  case ${SMBFUSE_WRITES:-big} in
    big) options+=,big_writes ;;
    small) ;;
    *) log "SMBFUSE_WRITES must be big or small, not '$SMBFUSE_WRITES'"; return 1 ;;
  esac
  HOME=$home LD_PRELOAD="$smbnetfs_append $smbnetfs_delete_pending" setpriv --bounding-set=-dac_read_search,-net_admin -- \
    smbnetfs "$fuse_root" -o "$options"
  local waited=0
  until ls "$fuse_root/$server/$share" >/dev/null 2>&1; do
    if ((waited >= 30)); then
      log "smbnetfs mounted, but //$server/$share is not readable after 30 s"
      return 1
    fi
    sleep 1
    waited=$((waited + 1))
  done
  mount --bind "$fuse_root/$server/$share" "$target"
}

# What this container sends to the box goes at most STORAGE_RATE_MBIT, as
# uploads to a remote box do (the box limits what it sends itself).
shape_uplink() {
  shape-storage-link "${STORAGE_RATE_MBIT:-0}" || { log "could not shape the link to the storage box (above)"; exit 1; }
}

mount_local() {
  chown www-data:www-data "$local_root"
  mount --bind "$local_root" "$target"
}

install -d -m 755 "$state_dir"
mode=${STORAGE_MODE:-auto}
case $mode in
  local)
    mount_local
    record_mode local "STORAGE_MODE=local: a Docker volume, no storage box" ;;
  cifs)
    wait_for_storagebox
    shape_uplink
    mount_cifs >&2 || { log "the CIFS mount failed (see above)"; exit 1; }
    record_mode cifs "STORAGE_MODE=cifs: kernel CIFS, options ${CIFS_OPTIONS}" ;;
  smbfuse)
    wait_for_storagebox
    shape_uplink
    mount_smbfuse || exit 1
    record_mode smbfuse "STORAGE_MODE=smbfuse: smbnetfs (FUSE)" ;;
  auto)
    wait_for_storagebox
    shape_uplink
    status=0
    error=$(mount_cifs) || status=$?
    if ((status == 0)); then
      record_mode cifs "auto: the kernel mounts CIFS"
    elif ((status == 19)); then
      mount_smbfuse || exit 1
      record_mode smbfuse "auto: this Docker host's kernel has no CIFS (mount error 19, No such device)"
    else
      log "the CIFS mount failed for a reason other than a missing kernel module: $error"
      exit 1
    fi ;;
  *)
    log "STORAGE_MODE must be auto, cifs, smbfuse or local, not '$mode'"
    exit 64 ;;
esac
