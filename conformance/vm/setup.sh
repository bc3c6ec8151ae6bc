#!/usr/bin/env bash
# setup.sh — installs and caches what conformance/vm/vm-run needs. Idempotent: a warm
# machine pays a few dpkg-query calls and one hash.
#   - Debian packages: qemu-system-x86 (TCG: this machine's /dev/kvm cannot run a stock
#     kernel), busybox-static (the initramfs), kmod (depmod here, modprobe in the guest),
#     xz-utils/zstd (vmlinux extraction), ipvsadm and strace (used inside the guest).
#   - Debian's bookworm kernel (IPVS and every scheduler as modules), downloaded with
#     apt-get download and unpacked into the cache, never installed on the host.
#   - A ~1.5 MB initramfs built from guest-init.sh + guest-stage2.sh.
# Cache: ${VM_CACHE:-/var/cache/keepalived-ts-vm}; current.env there names the files.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${VM_CACHE:-/var/cache/keepalived-ts-vm}
KERNEL_META=${VM_KERNEL_META:-linux-image-amd64}
log() { echo "vm-setup: $*" >&2; }

# ------------------------------------------------------------------ Debian packages
APT_PACKAGES=(qemu-system-x86 busybox-static kmod xz-utils zstd ipvsadm iproute2 strace)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$p")
done
apt_updated=0
if [ ${#missing[@]} -gt 0 ]; then
  [ "$(id -u)" -eq 0 ] || { log "need root to apt-get install: ${missing[*]}"; exit 1; }
  log "apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt_updated=1
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

mkdir -p "$CACHE"

# ------------------------------------------------------------------ kernel
kernel_ready() { [ -n "${1:-}" ] && [ -f "$CACHE/kernel/$1/.complete" ]; }
KVER=""
[ -f "$CACHE/current.env" ] && KVER=$(sed -n 's/^KVER=//p' "$CACHE/current.env")
if ! kernel_ready "$KVER"; then
  if [ "$apt_updated" = 0 ]; then apt-get update -qq; fi
  # the metapackage depends on exactly one concrete image package
  pkg=$(apt-cache depends "$KERNEL_META" | sed -n 's/^ *Depends: \(linux-image-[0-9].*\)$/\1/p' | head -n1)
  [ -n "$pkg" ] || { log "cannot resolve the kernel package behind $KERNEL_META"; exit 1; }
  KVER=${pkg#linux-image-}
  if ! kernel_ready "$KVER"; then
    log "downloading $pkg (~70 MB) into $CACHE"
    work=$(mktemp -d "$CACHE/download.XXXXXX")
    trap 'rm -rf "$work"' EXIT
    # apt's sandbox user must be able to write the download directory
    chmod 755 "$work"
    (cd "$work" && apt-get download -qq "$pkg" 2>/dev/null || apt-get download "$pkg")
    deb=$(ls "$work"/*.deb)
    mkdir -p "$work/x"
    dpkg-deb -x "$deb" "$work/x"
    dest=$CACHE/kernel/$KVER
    rm -rf "$dest"; mkdir -p "$dest/lib/modules"
    "$HERE/extract-vmlinux.sh" "$work/x/boot/vmlinuz-$KVER" "$dest/vmlinux"
    cp "$work/x/boot/config-$KVER" "$dest/config"
    mv "$work/x/lib/modules/$KVER" "$dest/lib/modules/$KVER"
    # the package leaves modules.dep to its postinst; we never run that on the host
    depmod -b "$dest" "$KVER"
    grep -q '^CONFIG_IP_VS=[my]' "$dest/config" || { log "$pkg has no IPVS"; exit 1; }
    touch "$dest/.complete"
    rm -rf "$work"; trap - EXIT
  fi
fi
KDIR=$CACHE/kernel/$KVER
MODDIR=$KDIR/lib/modules/$KVER

# ------------------------------------------------------------------ initramfs
# the modules needed before the host's root is reachable; load order comes from modules.dep
INITRD_MODULES=(virtio_mmio 9pnet_virtio 9p overlay virtio_console)
BUSYBOX=/bin/busybox
inputs_hash=$( { echo "$KVER $MODDIR ${INITRD_MODULES[*]}"; cat "$HERE/guest-init.sh" "$HERE/guest-stage2.sh" "$BUSYBOX"; } | sha256sum | cut -c1-16)
INITRD=$CACHE/initramfs-$KVER-$inputs_hash.cpio.gz
if [ ! -s "$INITRD" ]; then
  log "building $INITRD"
  root=$(mktemp -d "$CACHE/initramfs.XXXXXX")
  trap 'rm -rf "$root"' EXIT
  mkdir -p "$root"/{bin,dev,proc,sys,modules}
  cp "$BUSYBOX" "$root/bin/busybox"
  for applet in sh mount insmod mkdir cat cp poweroff switch_root; do ln -s busybox "$root/bin/$applet"; done
  sed -e "s|@KVER@|$KVER|" -e "s|@MODDIR@|$MODDIR|" "$HERE/guest-init.sh" >"$root/init"
  chmod 755 "$root/init"
  cp "$HERE/guest-stage2.sh" "$root/stage2.sh"
  # dependencies first, each module once
  order=()
  add_module() {  # add_module NAME-as-in-modules.dep-path
    local rel=$1 dep
    for seen in "${order[@]}"; do [ "$seen" = "$rel" ] && return 0; done
    for dep in $(grep -E "^$rel:" "$MODDIR/modules.dep" | cut -d: -f2-); do add_module "$dep"; done
    order+=("$rel")
  }
  for m in "${INITRD_MODULES[@]}"; do
    rel=$(grep -E "/$m\.ko(\.[a-z]+)?:" "$MODDIR/modules.dep" | head -n1 | cut -d: -f1)
    [ -n "$rel" ] || { log "module $m not in $MODDIR/modules.dep"; exit 1; }
    add_module "$rel"
  done
  : >"$root/modules.order"
  for rel in "${order[@]}"; do
    name=$(basename "$rel"); name=${name%%.ko*}
    case $rel in
      *.ko) cp "$MODDIR/$rel" "$root/modules/$name.ko" ;;
      *.ko.xz) xz -dc "$MODDIR/$rel" >"$root/modules/$name.ko" ;;
      *.ko.zst) zstd -qdc "$MODDIR/$rel" >"$root/modules/$name.ko" ;;
      *.ko.gz) gzip -dc "$MODDIR/$rel" >"$root/modules/$name.ko" ;;
    esac
    echo "$name" >>"$root/modules.order"
  done
  (cd "$root" && find . -mindepth 1 | LC_ALL=C sort | "$BUSYBOX" cpio -o -H newc 2>/dev/null) | gzip -9 >"$INITRD.tmp"
  mv "$INITRD.tmp" "$INITRD"
  rm -rf "$root"; trap - EXIT
  # older initramfs images of this cache are stale now
  find "$CACHE" -maxdepth 1 -name 'initramfs-*.cpio.gz' ! -path "$INITRD" -delete
fi

cat >"$CACHE/current.env.tmp" <<ENV
KVER=$KVER
VMLINUX=$KDIR/vmlinux
INITRD=$INITRD
MODDIR=$MODDIR
ENV
mv "$CACHE/current.env.tmp" "$CACHE/current.env"
log "ready: kernel $KVER, $(du -h "$INITRD" | cut -f1) initramfs"
