#!/bin/sh
# /init of the CIFS microVM's initramfs (busybox sh, PID 1).
#
# Loads the kernel modules listed in /lib/modules/load-order (dependencies
# first, worked out on the host by lab.cifsvm.kernel_modules), brings up QEMU's
# user network (for SMB only: nothing listens on it), and serves the host's
# shells on QEMU's virtio-serial ports named sdlab.shell.<n>: on the host each
# is a Unix socket in a folder only the user who booted the VM can open
# (lab.cifsvm.machine). The serial console only says how the boot went.
export PATH=/bin:/sbin

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

# Kernel messages (CIFS's "VFS:" lines among them) stay in dmesg, off the
# console the host reads.
dmesg -n 1

while read -r module; do
  insmod "/lib/modules/$module" || echo "sdlab-vm: insmod $module failed"
done </lib/modules/load-order

# QEMU's user network (slirp): the guest is 10.0.2.15, and 10.0.2.2 is the
# host, whose 127.0.0.1 ports it forwards (the storage box's published port).
ifconfig lo 127.0.0.1 up
ifconfig eth0 10.0.2.15 netmask 255.255.255.0 up
route add default gw 10.0.2.2

mkdir -p /mnt /var/cache/fscache /tmp

# One port's shells, one after the other: the port opened once, read and
# written (a virtio-serial port opens for one process at a time, and data
# already in it is dropped when it closes), then for each shell a line that
# says it is ready (the host writes to a new shell only after it), and sh.
# The host stays connected for the VM's life (QEMU waited for it before it
# started the guest); were it gone, sh would end at once, so the next one
# waits a little.
serve() {
  exec <>"$1" >&0 2>&0
  while :; do
    echo "sdlab-shell: ready"
    sh
    usleep 100000
  done
}

# Each port is /dev/vport<device>p<port>, made by devtmpfs (no udev here, so
# no /dev/virtio-ports/<name> links); its name comes from QEMU a moment after
# the device, in /sys/class/virtio-ports/*/name. sdlab_shells, from the
# kernel's command line, says how many to wait for.
named=sdlab.shell.
shell_ports() {
  for port in /sys/class/virtio-ports/*; do
    case "$(cat "$port/name" 2>/dev/null)" in
      "$named"*) echo "/dev/${port##*/}" ;;
    esac
  done
}
tries=0
until [ "$(shell_ports | wc -l)" -ge "${sdlab_shells:-1}" ]; do
  if [ "$tries" -ge 50 ]; then
    echo "sdlab-vm: $(shell_ports | wc -l) of ${sdlab_shells:-1} shell ports named after 50 tries"
    break
  fi
  usleep 100000
  tries=$((tries + 1))
done
for device in $(shell_ports); do
  serve "$device" &
done

echo "sdlab-vm: ready, kernel $(uname -r)"
wait
echo "sdlab-vm: the shells' ports ended; powering off"
poweroff -f
