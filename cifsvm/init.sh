#!/bin/sh
# /init of the CIFS microVM's initramfs (busybox sh, PID 1).
#
# Loads the kernel modules listed in /lib/modules/load-order (dependencies
# first, worked out on the host by lab.cifsvm.kernel_modules), brings up QEMU's
# user network, and serves a shell on TCP port 2323, which QEMU forwards from
# a port on the host's 127.0.0.1: the host writes commands there and reads
# their output. The serial console only says how the boot went.
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

# busybox nc: each connection gets a shell of its own (-ll: again and again)
nc -ll -p 2323 -e /bin/sh &

echo "sdlab-vm: ready, kernel $(uname -r)"
wait
echo "sdlab-vm: the shell server ended; powering off"
poweroff -f
