#!/bin/sh
# /init of the vm-run initramfs (busybox sh, PID 1). Builds the guest's root from the
# host's root (9p, read-only) under a tmpfs overlay, mounts the job directory and the
# VM_RW directories read-write, then switch_roots into guest-stage2.sh.
# Anything going wrong here powers the VM off: the host sees no "started" file and retries.
export PATH=/bin
KVER=@KVER@
MODDIR_ON_HOST=@MODDIR@

fail() { echo "vm-init: $*" >/dev/kmsg; poweroff -f; }

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

# the initramfs carries just the modules needed to reach the host's root, in dependency order
for m in $(cat /modules.order); do
  insmod "/modules/$m.ko" || fail "insmod $m"
done

mkdir -p /lower /upper /newroot /job
# cache=loose: the host root is read-only for this boot, so the guest may cache freely
mount -t 9p -o ro,trans=virtio,version=9p2000.L,msize=262144,cache=loose hostroot /lower || fail "mount hostroot"
mount -t tmpfs -o mode=755 upper /upper
mkdir -p /upper/data /upper/work
mount -t overlay -o lowerdir=/lower,upperdir=/upper/data,workdir=/upper/work overlay /newroot || fail "mount overlay"
# the job directory and VM_RW directories are shared without caching: the host reads them after
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 vmjob /job || fail "mount vmjob"

mount -t tmpfs -o mode=755 run /newroot/run
mkdir -p /newroot/run/vm-init /newroot/run/vm-job
cp /bin/busybox /stage2.sh /newroot/run/vm-init/
mount --move /job /newroot/run/vm-job

# "tag path" per line; path may hold spaces, never newlines
while read -r tag path; do
  [ -n "$tag" ] || continue
  mkdir -p "/newroot$path" 2>/dev/null
  mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 "$tag" "/newroot$path" || fail "mount $tag on $path"
done </newroot/run/vm-job/mounts

# the kernel's modprobe (/sbin/modprobe of the host) looks under /lib/modules/$(uname -r)
mkdir -p "/newroot/lib/modules/$KVER"
mount --bind "/newroot$MODDIR_ON_HOST" "/newroot/lib/modules/$KVER" || fail "bind modules"

mount --move /dev /newroot/dev
mount --move /proc /newroot/proc
mount --move /sys /newroot/sys
exec switch_root /newroot /run/vm-init/busybox sh /run/vm-init/stage2.sh
