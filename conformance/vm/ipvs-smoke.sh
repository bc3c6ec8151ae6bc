#!/usr/bin/env bash
# ipvs-smoke.sh — runs INSIDE the vm-run guest (see vm-harness.test.ts): proves that the
# guest has a working IPVS kernel and network namespaces. Each step prints
#   ==== NAME
#   <its output>
#   ==== NAME rc=N
# so the host can assert every step's output and exit status from one boot.
# It also exercises vm-run's contract: $SMOKE_RW_DIR (shared with VM_RW) receives a file,
# one line goes to stderr, and the script exits with $SMOKE_EXIT.
set -u
step() {  # step NAME CMD...
  local name=$1 rc; shift
  echo "==== $name"
  "$@" 2>&1; rc=$?
  echo "==== $name rc=$rc"
}
NS=vmsmoke-$$
cleanup() { ip netns del "$NS" 2>/dev/null; ip link del vmsmoke0 2>/dev/null; }
trap cleanup EXIT

step kernel uname -r
step modprobe modprobe ip_vs
step proc-ip-vs test -e /proc/net/ip_vs
step add-service ipvsadm -A -t 192.0.2.1:80 -s rr
step add-dest ipvsadm -a -t 192.0.2.1:80 -r 192.0.2.11:80 -m
step save ipvsadm -Sn
step scheduler-wlc ipvsadm -E -t 192.0.2.1:80 -s wlc
step save-wlc ipvsadm -Sn
step modules sh -c 'lsmod | awk "\$1 ~ /^ip_vs/ {print \$1}" | sort'
step netns-add ip netns add "$NS"
step veth ip link add vmsmoke0 type veth peer name eth0 netns "$NS"
step addr sh -c "ip addr add 198.51.100.1/24 dev vmsmoke0 && ip link set vmsmoke0 up &&
  ip -n $NS addr add 198.51.100.2/24 dev eth0 && ip -n $NS link set eth0 up && ip -n $NS link set lo up"
step ping ip netns exec "$NS" ping -c 1 -W 5 198.51.100.1
# IPVS tables are per network namespace: the new one starts empty
step netns-ipvs ip netns exec "$NS" ipvsadm -Sn
step clear ipvsadm -C
step save-after-clear ipvsadm -Sn
step env-passed printenv SMOKE_EXIT
step rw-write sh -c 'test -n "$SMOKE_RW_DIR" && uname -r >"$SMOKE_RW_DIR/written-in-guest.txt"'
echo "smoke: this line goes to stderr" >&2
exit "${SMOKE_EXIT:-0}"
