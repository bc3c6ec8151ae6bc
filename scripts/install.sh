#!/usr/bin/env bash
# make install / make uninstall, both honouring DESTDIR.
#   /usr/lib/keepalived-ts/        the built tree (compiled JS, native addon, production node_modules)
#   /usr/sbin/keepalived           -> ../lib/keepalived-ts/bin/keepalived
#   /usr/bin/genhash               -> ../lib/keepalived-ts/bin/genhash (when built)
#   /etc/keepalived/keepalived.conf  sample, never overwritten
#   /etc/sysconfig/keepalived      KEEPALIVED_OPTIONS, never overwritten
#   /etc/init.d/keepalived         init script with chkconfig header
#   /lib/systemd/system/keepalived.service
set -euo pipefail
cd "$(dirname "$0")/.."
action=${1:?install or uninstall}
D=${DESTDIR:-}
LIB=/usr/lib/keepalived-ts
UNITDIR=${UNITDIR:-/lib/systemd/system}

case "$action" in
install)
  [ -f native/build/Release/keepalived_native.node ] || { echo "install: run 'make' first" >&2; exit 1; }
  rm -rf "$D$LIB"
  install -d "$D$LIB" "$D/usr/sbin" "$D/usr/bin" "$D/etc/keepalived" "$D/etc/sysconfig" "$D/etc/init.d" "$D$UNITDIR"
  cp -a package.json package-lock.json bin "$D$LIB/"
  for p in native packages/*; do
    install -d "$D$LIB/$p"
    cp -a "$p/package.json" "$D$LIB/$p/"
    [ -d "$p/dist" ] && cp -a "$p/dist" "$D$LIB/$p/"
  done
  install -D -m 0755 native/build/Release/keepalived_native.node "$D$LIB/native/build/Release/keepalived_native.node"
  cp -a node_modules "$D$LIB/"
  (cd "$D$LIB" && npm prune --omit=dev --ignore-scripts --no-audit --no-fund >/dev/null 2>&1) || true
  # tests are not part of an installation
  find "$D$LIB" -path '*/dist/test' -type d -prune -exec rm -rf {} +
  ln -sfn "../lib/keepalived-ts/bin/keepalived" "$D/usr/sbin/keepalived"
  [ -f bin/genhash ] && ln -sfn "../lib/keepalived-ts/bin/genhash" "$D/usr/bin/genhash"
  [ -e "$D/etc/keepalived/keepalived.conf" ] || install -m 0644 packaging/keepalived.conf.sample "$D/etc/keepalived/keepalived.conf"
  [ -e "$D/etc/sysconfig/keepalived" ] || install -m 0644 packaging/keepalived.sysconfig "$D/etc/sysconfig/keepalived"
  install -m 0755 packaging/keepalived.init "$D/etc/init.d/keepalived"
  install -m 0644 packaging/keepalived.service "$D$UNITDIR/keepalived.service"
  echo "installed into ${D:-/}"
  ;;
uninstall)
  rm -rf "$D$LIB"
  for f in /usr/sbin/keepalived /usr/bin/genhash; do
    # only our own symlinks; a keepalived binary of another package is left alone
    if [ -L "$D$f" ] && [[ "$(readlink "$D$f")" == *keepalived-ts* ]]; then rm -f "$D$f"; fi
  done
  rm -f "$D/etc/init.d/keepalived" "$D$UNITDIR/keepalived.service"
  echo "uninstalled from ${D:-/} (configuration in /etc/keepalived and /etc/sysconfig/keepalived kept)"
  ;;
*) echo "usage: $0 install|uninstall" >&2; exit 2 ;;
esac
