#!/usr/bin/env bash
# extract-vmlinux.sh BZIMAGE OUT — writes the uncompressed ELF kernel inside a bzImage.
# A bzImage is a small decompressor followed by the compressed ELF; QEMU can boot that
# ELF directly through its PVH note, which skips the real-mode setup (fast under TCG).
# We look for each compression format's magic bytes and keep the first candidate that
# decompresses to an ELF file.
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 BZIMAGE OUT" >&2; exit 2; }
image=$1 out=$2
export LC_ALL=C
tmp=$(mktemp "${out}.XXXXXX")
trap 'rm -f "$tmp"' EXIT

is_elf() { [ "$(head -c 4 "$1" | od -An -tx1 | tr -d ' \n')" = 7f454c46 ]; }

# magic (as a grep -P pattern) and the decompressor that reads from that offset on
candidates=(
  '\xfd7zXZ\x00|xz -dc'
  '\x28\xb5\x2f\xfd|zstd -dc'
  '\x1f\x8b\x08|gzip -dc'
)
for c in "${candidates[@]}"; do
  magic=${c%%|*} tool=${c#*|}
  command -v "${tool%% *}" >/dev/null || continue
  for off in $(grep -aboP "$magic" "$image" | cut -d: -f1); do
    # trailing bytes after the stream make the decompressor complain: only the output counts
    tail -c "+$((off + 1))" "$image" | $tool >"$tmp" 2>/dev/null || true
    if [ -s "$tmp" ] && is_elf "$tmp"; then
      chmod 644 "$tmp"; mv "$tmp" "$out"
      trap - EXIT
      exit 0
    fi
  done
done
echo "extract-vmlinux: no compressed ELF kernel found in $image" >&2
exit 1
