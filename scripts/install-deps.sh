#!/usr/bin/env bash
# Installs what a fresh machine lacks: Debian packages first (only the missing
# ones, so a warm machine pays nothing), then the npm workspace.
set -euo pipefail
cd "$(dirname "$0")/.."

# keepalived is the reference we compare against; the rest are the kernel
# tools our namespace tests drive (ip, nft, tcpdump), ipvsadm for golden
# IPVS bytes, and the toolchain node-gyp needs.
APT_PACKAGES=(keepalived iproute2 nftables tcpdump ipvsadm procps psmisc time iputils-ping python3 make g++ ca-certificates openssl
              qemu-system-x86 busybox-static kmod xz-utils zstd strace util-linux)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: need root to apt-get install: ${missing[*]}" >&2
    exit 1
  fi
  echo "install-deps: apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # The keepalived package must never start a daemon of its own on a test machine.
  policy=/usr/sbin/policy-rc.d
  made_policy=0
  if [ ! -e "$policy" ]; then printf '#!/bin/sh\nexit 101\n' >"$policy"; chmod +x "$policy"; made_policy=1; fi
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  [ "$made_policy" = 1 ] && rm -f "$policy"
fi

# npm: reinstall only when the lock file changed since the last install.
stamp=node_modules/.install-stamp
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ] || [ package.json -nt "$stamp" ]; then
  npm ci --no-audit --no-fund
  touch "$stamp"
fi
