#!/usr/bin/env bash
# bench/checkers: 5,000 TCP_CHECK real servers at delay_loop 1 (and 2,000 HTTP_GET in the
# "mixed" scenario) against real listeners in a network namespace of the bench's own
# (loopback only). Measures the checker child's CPU (/proc utime+stime) and RSS over a
# window, probe lateness on the wire (as the servers see it) and in our scheduler
# (KEEPALIVED_TS_SCHED_STATS + SIGUSR2), ours beside Debian's keepalived 2.2.7.
# keepalived 2.2.7 cannot start its checker without IPVS: on a host without ip_vs its
# column is n/a; VM=1 runs the whole bench in conformance/vm (real IPVS, QEMU TCG: slow,
# compare the two columns with each other, not with host figures).
#
# Knobs (environment):
#   TCP=5000 HTTP=2000 TCP_DELAY_LOOP=1 HTTP_DELAY_LOOP=1 CONNECT_TIMEOUT=3 PER_VS=100
#   SECONDS=30 (measuring window)  SETTLE=8 (start-up before the window)
#   SCENARIOS=tcp,mixed (also: http)  IMPLS=ours,keepalived  KEEPALIVED=/usr/sbin/keepalived
#   NICE=0 (e.g. -10: the bench, its listener and both daemons ahead of other load on a shared
#          host; the table's "waited for a CPU" row shows how much other load there was)
#   RT_PRIORITY= (e.g. 10: everything under SCHED_RR, as keepalived's checker_rt_priority would put
#          its checker; on a busy shared host this separates our own lateness from other load's)
#   OURS_NODE_ARGS='--cpu-prof --cpu-prof-dir=DIR' (profile our parent and checker child)
#   OURS_BIN=bin/keepalived (another build of ours to compare with, e.g. a copy at an older commit)
#   VM=1 (inside the IPVS VM; VM_TIMEOUT, VM_MEM as for vm-run)  KEEP=1 (keep configs and logs)
# Needs root; the namespace and every process it starts are removed on exit.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ "$(id -u)" -ne 0 ]; then echo "bench/checkers: needs root (network namespace)"; exit 0; fi
npx --no-install tsc -b bench >/dev/null || true
test -f bench/dist/checkers/main.js || { echo "bench/checkers: build failed"; exit 1; }
test -f packages/core/dist/src/cli/main.js || { echo "bench/checkers: bin/keepalived is not built (npx tsc -b)"; exit 1; }
PRIO=(nice -n "${NICE:-0}")
if [ -n "${RT_PRIORITY:-}" ]; then PRIO=(chrt -r "$RT_PRIORITY"); fi
if [ "${VM:-0}" = 1 ]; then
  conformance/vm/setup.sh >/dev/null
  VM_RUN=1 VM_TIMEOUT=${VM_TIMEOUT:-1800} VM_MEM=${VM_MEM:-2048} exec conformance/vm/vm-run "${PRIO[@]}" node bench/dist/checkers/main.js
fi
exec "${PRIO[@]}" node bench/dist/checkers/main.js
