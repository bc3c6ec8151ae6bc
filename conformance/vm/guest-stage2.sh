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

# The command writes into pipes, not the consoles: a tty would turn \n into \r\n and make
# programs believe they talk to a terminal (colours, buffering). Two relays copy to the
# consoles, and are given a moment to drain once the command is done: a daemon the
# command left behind may hold the pipes open for ever.
F=/run/vm-init
# (hvc resets its termios on the last close: set raw mode while the relay holds it open)
$BB mkfifo $F/out $F/err
( exec >/dev/hvc0; $BB stty raw -echo <&1; $BB cat $F/out; : >$F/out.done ) &
out_relay=$!
( exec 2>/dev/null >/dev/hvc1; $BB stty raw -echo <&1; $BB cat $F/err; : >$F/err.done ) &
err_relay=$!

echo started >$JOB/started
/bin/bash $JOB/job.sh </dev/null >$F/out 2>$F/err
rc=$?
i=0
while [ $i -lt 30 ] && ! { [ -e $F/out.done ] && [ -e $F/err.done ]; }; do
  $BB sleep 0.1; i=$((i + 1))
done
$BB kill $out_relay $err_relay 2>/dev/null
echo "$rc" >$JOB/rc.tmp && $BB mv $JOB/rc.tmp $JOB/rc
$BB sync
$BB poweroff -f
