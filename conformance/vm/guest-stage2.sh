# Runs as PID 1 in the guest's final root (the host's root under a tmpfs overlay).
# Runs the job once with stdout on hvc0 and stderr on hvc1 (streamed to the host's
# stdout/stderr), leaves its exit code in the job directory, then powers off.
BB=/run/vm-init/busybox
JOB=/run/vm-job
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

$BB mkdir -p /dev/pts /dev/shm
$BB mount -t devpts -o newinstance,ptmxmode=0666 devpts /dev/pts
$BB mount -t tmpfs -o mode=1777 shm /dev/shm
$BB mount -t cgroup2 cgroup2 /sys/fs/cgroup 2>/dev/null
$BB ln -sf /proc/self/fd /dev/fd
$BB ln -sf /proc/self/fd/0 /dev/stdin
$BB ln -sf /proc/self/fd/1 /dev/stdout
$BB ln -sf /proc/self/fd/2 /dev/stderr
$BB hostname vm-run
$BB ip link set lo up

echo started >$JOB/started
/bin/bash $JOB/job.sh </dev/null >/dev/hvc0 2>/dev/hvc1
rc=$?
echo "$rc" >$JOB/rc.tmp && $BB mv $JOB/rc.tmp $JOB/rc
$BB sync
$BB poweroff -f
