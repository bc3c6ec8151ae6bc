#!/usr/bin/env bash
# bench/failover: VRRP failover, our keepalived vs Debian's keepalived 2.2.7 in
# the same run, in network namespaces (bridge + routers A, B + observer).
# Scenarios: v2 advert 1 s, v3 0.1 s, v3 0.01 s; each with a crash (SIGKILL of
# A's VRRP child, then its parent) and a clean stop (SIGTERM to A's parent).
# Prints min / median / max time to the VIP and to the first GARP on the
# backup, CPU and RSS of the master's VRRP child with 200 instances at v3
# 0.1 s, the adverts' interval spread on the wire, and the targets.
#
# Knobs (environment):
#   RUNS=20                 runs per scenario and implementation
#   RUNS_V2_1, RUNS_V3_0_1, RUNS_V3_0_01   override RUNS for one advert setting
#   QUICK=1                 smoke mode: RUNS=3, CPU_SECONDS=5
#   SCENARIOS=v3-0.01-crash,v3-0.01-clean  only these (names as printed)
#   CPU_SECONDS=30 (0 skips the CPU part), CPU_INSTANCES=200, CAPTURE_SECONDS=5
#   OURS=bin/keepalived KEEPALIVED=/usr/sbin/keepalived  VERBOSE=0 (no progress)
# Needs root and tcpdump; every namespace and process it makes is removed on exit.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ "$(id -u)" -ne 0 ]; then echo "bench/failover: needs root (network namespaces)"; exit 0; fi
command -v tcpdump >/dev/null || { echo "bench/failover: needs tcpdump"; exit 1; }
if [ "${QUICK:-0}" = 1 ]; then export RUNS=${RUNS:-3} CPU_SECONDS=${CPU_SECONDS:-5}; fi
npx --no-install tsc -b bench >/dev/null || true
test -f bench/dist/failover/main.js || { echo "bench/failover: build failed"; exit 1; }
test -f packages/core/dist/src/cli/main.js || { echo "bench/failover: bin/keepalived is not built (npx tsc -b)"; exit 1; }
exec node bench/dist/failover/main.js
