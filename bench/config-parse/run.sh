#!/usr/bin/env bash
# bench/config-parse: parse a generated 10,000-instance config (built with ~SEQ)
# with our `-t` and keepalived 2.2.7's `-t` in the same run; print wall time
# (median of RUNS) and peak RSS side by side. Target: ours under 1 s.
# Runs in a namespace of its own holding the 40 links the config names.
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${RUNS:-5}
work=$(mktemp -d /tmp/ka-bench-parse.XXXXXX)
ns=ka-bench-parse-$$
cleanup() { ip netns del "$ns" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

conf=$work/keepalived.conf
cat >"$conf" <<'CONF'
global_defs {
    router_id bench
}
$INSTANCE= \
vrrp_instance VI_${IF}_${VR} { \
    state BACKUP \
    interface veth${IF} \
    virtual_router_id ${VR} \
    priority 100 \
    advert_int 1 \
    virtual_ipaddress { \
        198.51.100.${VR}/32 \
    } \
}
~SEQ(IF, 0, 39) ~SEQ(VR, 1, 250) $INSTANCE
CONF

ip netns add "$ns"
for i in $(seq 0 39); do ip -n "$ns" link add "veth$i" type veth peer name "vpeer$i"; done

# time_run BIN -> "seconds max_rss_kb exit_code" (median wall time over RUNS)
time_run() {
  local bin=$1 times=() rss=0 code=0 t0 t1 out
  for _ in $(seq "$RUNS"); do
    out=$work/time.txt
    t0=$(date +%s%N)
    set +e
    ip netns exec "$ns" /usr/bin/time -f '%M' -o "$out" "$bin" -t -f "$conf" >/dev/null 2>"$work/stderr.txt"
    code=$?
    set -e
    t1=$(date +%s%N)
    times+=($(( (t1 - t0) / 1000000 )))
    rss=$(tail -n1 "$out")
  done
  local median
  median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p")
  echo "$median $rss $code"
}

[ -x /usr/bin/time ] || { echo "bench/config-parse: needs /usr/bin/time (apt-get install time)" >&2; exit 1; }
read -r ref_ms ref_rss ref_code < <(time_run /usr/sbin/keepalived)
read -r our_ms our_rss our_code < <(time_run "$PWD/bin/keepalived")
printf '\nbench/config-parse: 10,000 vrrp_instance blocks via ~SEQ, -t, median of %d runs\n' "$RUNS"
printf '%-24s %12s %14s %6s\n' "" "wall (ms)" "peak RSS (KiB)" "exit"
printf '%-24s %12s %14s %6s\n' "keepalived 2.2.7" "$ref_ms" "$ref_rss" "$ref_code"
printf '%-24s %12s %14s %6s\n' "keepalived-ts" "$our_ms" "$our_rss" "$our_code"
printf 'target: ours under 1000 ms -> %s\n' "$([ "$our_ms" -lt 1000 ] && echo met || echo MISSED)"
[ "$our_code" = "$ref_code" ] || printf 'WARNING: exit codes differ (keepalived %s, ours %s): the comparison is not like for like\n' "$ref_code" "$our_code"
