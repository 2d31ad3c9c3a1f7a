"""Production's kernel CIFS mount, on hosts whose kernel has none: Debian's own
kernel booted by QEMU with a busybox initramfs, mounting the running lab's
storage box through its published SMB port.

image: the kernel and the initramfs, made once from Debian packages
machine: QEMU, and shells in the guest (on virtio-serial ports, Unix sockets in a 0700 folder)
mount: production's mount options and the guest's view of a mount
probing: the VM booted against the storage box, ready for the probes
measure: the probes, what `make cifs` reports
tables: the report's tables
"""
