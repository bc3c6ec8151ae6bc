#!/usr/bin/env bash
# capture-golden.sh — records the exact netlink messages ipvsadm exchanges with a real
# IPVS kernel, as golden data for the IPVS codec (packages/ipvs-wrapper).
# On the host (no IPVS) it re-runs itself inside the vm-run guest with golden/ shared
# read-write; inside, each case runs `strace -e trace=sendmsg,recvmsg -e write=all
# -e read=all ipvsadm ...` and the hex dumps become golden/ipvsadm-<case>.txt.
# See golden/README.md for the file format.
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUT=${GOLDEN_OUT:-$HERE/golden}

if [[ -z ${GOLDEN_IN_VM:-} ]]; then
  mkdir -p "$OUT"
  export GOLDEN_IN_VM=1 GOLDEN_OUT="$OUT"
  VM_RW="$OUT" exec "$HERE/vm-run" "$HERE/capture-golden.sh"
fi

# strace's output -> one "send HEX"/"recv HEX" line per message (peeks left out), each
# after a comment with strace's decoding of the first netlink header
to_golden() {
  # mawk (Debian's awk) has no {n} intervals in regular expressions
  awk '
    function flush() {
      if (kind == "") return
      if (peek) { kind = ""; return }
      if (ret ~ /^-/) { print "# " kind " failed: " err; kind = ""; return }
      print "# " hdr
      if (length(hex) != 2 * ret) print "# WARNING: dump has " length(hex) / 2 " bytes, syscall returned " ret
      print kind " " hex
      kind = ""
    }
    /^(sendmsg|recvmsg)\(/ {
      flush()
      kind = ($0 ~ /^sendmsg/) ? "send" : "recv"
      peek = ($0 ~ /\}, [A-Z_|]*MSG_PEEK[A-Z_|]*\) = /)
      ret = $0; sub(/.*\) = /, "", ret); err = ret; sub(/ .*/, "", ret)
      hdr = $0
      if (match(hdr, /iov_base=\[*\{nlmsg_len=[^}]*\}/)) { hdr = substr(hdr, RSTART + 9, RLENGTH - 9); sub(/^\[+/, "", hdr) }
      else hdr = "(no netlink header decoded)"
      hex = ""
      next
    }
    /^ \* [0-9]+ bytes in buffer/ { next }
    /^ \| [0-9a-f]+  / { h = substr($0, 11, 48); gsub(/ /, "", h); hex = hex h; next }
    { flush() }
    END { flush() }
  '
}

capture() {  # capture CASE IPVSADM-ARGS...
  local name=$1 file rc out; shift
  file=$OUT/ipvsadm-$name.txt
  out=$(strace -o /tmp/golden.strace -e trace=sendmsg,recvmsg -e write=all -e read=all \
        -xx -s 65535 ipvsadm "$@" 2>&1); rc=$?
  {
    echo "# command: ipvsadm $*"
    echo "# exit: $rc"
    [[ -n $out ]] && printf '%s\n' "$out" | sed 's/^/# output: /'
    to_golden </tmp/golden.strace
  } >"$file"
  echo "captured $name (exit $rc)"
}

modprobe ip_vs || { echo "no ip_vs in this kernel" >&2; exit 1; }
rm -f "$OUT"/ipvsadm-*.txt
ip link add vmgold0 type dummy && ip link set vmgold0 multicast on up

capture add-service-tcp      -A -t 192.0.2.1:80 -s rr
capture add-dest-nat         -a -t 192.0.2.1:80 -r 192.0.2.11:80 -m -w 1
capture edit-dest-thresholds -e -t 192.0.2.1:80 -r 192.0.2.11:80 -m -w 3 -x 100 -y 10
capture edit-service         -E -t 192.0.2.1:80 -s wrr -p 60 -M 255.255.255.0
capture add-service-fwmark   -A -f 1 -s wlc -p 30
capture add-service-exists   -A -f 1 -s wlc
capture add-dest-dr          -a -f 1 -r 192.0.2.12 -g -w 2
capture add-service-udp-ops  -A -u 192.0.2.1:53 -s rr -o
capture add-dest-tun         -a -u 192.0.2.1:53 -r 192.0.2.13:53 -i
capture add-service-v6       -A -t [2001:db8::1]:443 -s sh -b sh-port
capture add-dest-v6          -a -t [2001:db8::1]:443 -r [2001:db8::11]:443 -m
capture list                 -Ln
capture list-stats           -Ln --stats
capture save                 -Sn
capture set-timeouts         --set 900 120 300
capture list-timeouts        -L --timeout
capture zero                 -Z
capture start-daemon         --start-daemon master --mcast-interface vmgold0 --syncid 5
capture list-daemon          -L --daemon
capture stop-daemon          --stop-daemon master
capture del-dest             -d -t 192.0.2.1:80 -r 192.0.2.11:80
capture del-service          -D -t 192.0.2.1:80
capture del-service-missing  -D -t 192.0.2.1:80
capture flush                -C
{
  echo "kernel: $(uname -r)"
  echo "ipvsadm: $(ipvsadm --version 2>&1 | head -n1)"
  echo "strace: $(strace -V | head -n1)"
} >"$OUT/capture-env.txt"
ip link del vmgold0
