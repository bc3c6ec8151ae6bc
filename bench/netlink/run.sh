#!/usr/bin/env bash
# bench/netlink: our rtnetlink client vs `ip -batch` adding and removing 1,000
# VIPs, and the live interface table under 10,000 address notifications (with
# the default big receive buffer and with a tiny one that forces ENOBUFS and a
# re-dump). Needs root; every namespace it makes is deleted on exit.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ "$(id -u)" -ne 0 ]; then echo "bench/netlink: needs root (network namespaces)"; exit 0; fi
npx --no-install tsc -b bench >/dev/null || true
test -f bench/dist/netlink/vips.js || { echo "bench/netlink: build failed"; exit 1; }
VIPS=${VIPS:-1000} EVENTS=${EVENTS:-10000} node bench/dist/netlink/vips.js
