#!/usr/bin/env bash
# bench/ipvs: our IPVS reconciler vs `ipvsadm -R` on a real IPVS kernel. The host has no
# IPVS, so everything runs inside ONE conformance/vm boot (QEMU TCG: absolute times are
# emulated and slow; the message/byte counts are exact). SERVICES and DESTS size the
# table (default 1,000 x 10). Prints a side-by-side table and one JSON line.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ "$(id -u)" -ne 0 ]; then echo "bench/ipvs: needs root (the VM harness)"; exit 0; fi
npx --no-install tsc -b bench >/dev/null || true
test -f bench/dist/ipvs/ipvs-bench.js || { echo "bench/ipvs: build failed"; exit 1; }
conformance/vm/setup.sh >/dev/null
SERVICES=${SERVICES:-1000} DESTS=${DESTS:-10} VM_TIMEOUT=${VM_TIMEOUT:-1800} VM_MEM=${VM_MEM:-2048} \
  conformance/vm/vm-run node bench/dist/ipvs/ipvs-bench.js
