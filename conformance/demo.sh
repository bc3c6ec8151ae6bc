#!/usr/bin/env bash
# make demo: a VRRP failover in network namespaces, on an embedded default config.
#
#   client (192.0.2.100) ---+
#   r1     (192.0.2.1)   ---+--- bridge (in namespace "sw") --- VIP 192.0.2.200
#   r2     (192.0.2.2)   ---+
#
# Two routers run our keepalived (VRRPv3, advert_int 0.1 s, r1 priority 150,
# r2 priority 100). The demo shows who is master, kills the master with
# SIGKILL, and measures how long until the VIP answers from the other router.
# Everything it creates (namespaces, files, processes) is removed on exit.
# KEEPALIVED=/usr/sbin/keepalived runs the same demo with Debian's keepalived.
set -euo pipefail
cd "$(dirname "$0")/.."
KEEPALIVED=${KEEPALIVED:-$PWD/bin/keepalived}
tag=kademo$$
work=$(mktemp -d /tmp/ka-demo.XXXXXX)
pids=()

say() { printf '\033[1m%s\033[0m\n' "$*"; }
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for _ in $(seq 30); do
    alive=0; for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
    [ $alive = 0 ] && break; sleep 0.1
  done
  for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
  for ns in sw r1 r2 client; do ip netns del "$tag-$ns" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

# --- topology ------------------------------------------------------------
for ns in sw r1 r2 client; do ip netns add "$tag-$ns"; ip -n "$tag-$ns" link set lo up; done
ip -n "$tag-sw" link add br0 type bridge
ip -n "$tag-sw" link set br0 up
declare -A addr=([r1]=192.0.2.1 [r2]=192.0.2.2 [client]=192.0.2.100)
for node in r1 r2 client; do
  ip -n "$tag-sw" link add "p-$node" type veth peer name eth0 netns "$tag-$node"
  ip -n "$tag-sw" link set "p-$node" master br0 up
  ip -n "$tag-$node" addr add "${addr[$node]}/24" dev eth0
  ip -n "$tag-$node" link set eth0 up
done

# --- the embedded default config -----------------------------------------
for node in r1 r2; do
  prio=$([ "$node" = r1 ] && echo 150 || echo 100)
  cat >"$work/$node.conf" <<CONF
global_defs {
    router_id demo_$node
}
vrrp_instance VI_DEMO {
    state BACKUP
    interface eth0
    virtual_router_id 51
    version 3
    priority $prio
    advert_int 0.1
    virtual_ipaddress {
        192.0.2.200/24 dev eth0
    }
}
CONF
done

start() { # start NODE
  local node=$1
  ip netns exec "$tag-$node" "$KEEPALIVED" -n -l -P -f "$work/$node.conf" \
    -p "$work/$node.pid" -r "$work/$node.vrrp.pid" -c "$work/$node.chk.pid" \
    >"$work/$node.log" 2>&1 &
  pids+=($!)
  eval "pid_$node=$!"
  disown $! # its death is the demo's point, not a job-control message
}
holder() { # which router has the VIP (or "none")
  local h=none
  for node in r1 r2; do
    ip -n "$tag-$node" -o addr show dev eth0 | grep -q ' 192.0.2.200/' && h=${h/none/}$node
  done
  echo "$h"
}
wait_holder() { # wait_holder NODE TIMEOUT_S
  local deadline=$(( $(date +%s%N) + $2 * 1000000000 ))
  while [ "$(holder)" != "$1" ]; do
    [ "$(date +%s%N)" -lt "$deadline" ] || return 1
    sleep 0.002
  done
}

say "== keepalived: $KEEPALIVED"
say "== starting two routers: r1 (priority 150) and r2 (priority 100), VRRPv3, advert 0.1 s"
start r1; start r2
if ! wait_holder r1 10; then echo "r1 never became master; logs:"; tail -n 20 "$work"/r*.log; exit 1; fi
say "== master: r1 holds 192.0.2.200"
ip netns exec "$tag-client" ping -c 2 -W 1 -i 0.2 192.0.2.200 >/dev/null && echo "client reaches the VIP"
ip netns exec "$tag-client" ip neigh show 192.0.2.200

say "== killing r1's keepalived with SIGKILL (no goodbye advert)"
# the whole process group: parent and VRRP child die together, as in a crash
t0=$(date +%s%N)
pkill -KILL -P "$pid_r1" 2>/dev/null || true
kill -KILL "$pid_r1" 2>/dev/null || true
ip -n "$tag-r1" addr del 192.0.2.200/24 dev eth0 2>/dev/null || true # a dead box's address is gone with it
if ! wait_holder r2 10; then echo "r2 never took over; logs:"; tail -n 20 "$work"/r2.log; exit 1; fi
t1=$(date +%s%N)
say "== r2 is master after $(( (t1 - t0) / 1000000 )) ms (protocol limit: 3 x 100 ms + skew 60 ms = 360 ms)"
ip netns exec "$tag-client" ping -c 2 -W 1 -i 0.2 192.0.2.200 >/dev/null && echo "client reaches the VIP again"
ip netns exec "$tag-client" ip neigh show 192.0.2.200

say "== r2's log"
grep -E 'Entering|VIPs|gratuitous' "$work/r2.log" | tail -n 8 || true
say "== demo finished; cleaning up"
