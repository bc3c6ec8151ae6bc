#!/usr/bin/env bash
# conformance/lvs-e2e/run-in-vm.sh - our keepalived's health checkers driving REAL IPVS,
# replaying the scenario keepalived 2.2.7 was captured in (reference/, copied from
# /work/shared/reference/keepalived-2.2.7/checkers/). Runs INSIDE the conformance/vm guest:
#   conformance/vm/vm-run conformance/lvs-e2e/run-in-vm.sh
# The topology, the paths keepalived sees (/tmp/ckr, /tmp/lvs.fifo) and the configuration
# files are the reference's own, so every artifact compares with keepalived's directly.
#
# stdout carries only JSON lines (jq -c), one per phase plus the final artifacts; the
# host test (conformance/test/lvs-e2e.test.ts) asserts them. Diagnostics go to stderr.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
REF=$HERE/reference
KEEPALIVED=$REPO/bin/keepalived
W=/tmp/ckr
CONF=$W/keepalived.conf
LOG=$W/keepalived.log
FIFO=/tmp/lvs.fifo
# each wait is bounded; a miss is reported in the phase line and the scenario goes on
WAIT=${LVS_E2E_WAIT:-30}

NS=(ckr-dir ckr-rs1 ckr-rs2 ckr-rs3 ckr-sorry ckr-cli)
declare -A IP=([ckr-dir]=192.0.2.1 [ckr-rs1]=192.0.2.11 [ckr-rs2]=192.0.2.12 [ckr-rs3]=192.0.2.13
               [ckr-sorry]=192.0.2.99 [ckr-cli]=192.0.2.100)
declare -A HTTPD_PID=()
KA_PID="" FIFO_PID=""

t0=${EPOCHREALTIME/./}
elapsed() { local n=${EPOCHREALTIME/./}; echo $(( (10#$n - 10#$t0) / 1000 )); }
say() { echo "[+$(elapsed)ms] $*" >&2; }
emit() { jq -cn "$@"; }   # one JSON line on stdout

dir() { ip netns exec ckr-dir "$@"; }
# real-server lines of one service in `ipvsadm -Ln` form: "192.0.2.11:80 Masq 1"
vs1() { dir ipvsadm -Ln -t 192.0.2.200:80 2>/dev/null | awk '/->/ && $2 != "RemoteAddress:Port" {print $2, $3, $4}'; }
fwm1() { dir ipvsadm -Ln -f 1 2>/dev/null | awk '/->/ && $2 != "RemoteAddress:Port" {print $2, $3, $4}'; }
in_vs1() { vs1 | grep -q "^$1:80 "; }
not_in_vs1() { ! in_vs1 "$1"; }
weight_vs1() { vs1 | grep -q "^$1:80 Masq $2\$"; }
in_fwm1() { fwm1 | grep -q "^$1:0 "; }
not_in_fwm1() { ! in_fwm1 "$1"; }
lines() { local n=0; [[ -f $1 ]] && n=$(wc -l <"$1"); echo "$n"; }
fifo_at_least() { (( $(lines "$W/lvs-fifo.txt") >= $1 )); }
notify_at_least() { (( $(lines "$W/notify.txt") >= $1 )); }

# wait_for DESC CMD...: poll CMD every 0.2 s for up to $WAIT s; records misses in MISSED
MISSED=()
wait_for() {
  local desc=$1 end=$(( $(date +%s) + WAIT )); shift
  while (( $(date +%s) < end )); do
    "$@" && return 0
    sleep 0.2
  done
  say "TIMEOUT: $desc"; MISSED+=("$desc"); return 1
}

FIFO_SEEN=0 NOTIFY_SEEN=0 LOG_SEEN=0
# phase NAME: the ipvsadm views now, plus the FIFO/notify/log lines since the previous phase
phase() {
  local name=$1 fifo notify log
  fifo=$(tail -n +$((FIFO_SEEN + 1)) "$W/lvs-fifo.txt"); FIFO_SEEN=$(lines "$W/lvs-fifo.txt")
  notify=$(tail -n +$((NOTIFY_SEEN + 1)) "$W/notify.txt"); NOTIFY_SEEN=$(lines "$W/notify.txt")
  log=$(tail -n +$((LOG_SEEN + 1)) "$LOG"); LOG_SEEN=$(lines "$LOG")
  emit --arg phase "$name" --argjson ms "$(elapsed)" \
    --arg Sn "$(dir ipvsadm -Sn 2>&1)" --arg Ln "$(dir ipvsadm -Ln 2>&1)" \
    --arg fifo "$fifo" --arg notify "$notify" --arg log "$log" \
    --argjson missed "$(printf '%s\n' "${MISSED[@]}" | jq -R . | jq -cs 'map(select(. != ""))')" \
    '{phase: $phase, ms: $ms, Sn: $Sn, Ln: $Ln, fifo: $fifo, notify: $notify, log: $log, missed: $missed}'
  MISSED=()
  say "phase $name"
}
# client N LABEL: N requests from the client netns through the VIP, one answer per line
client() {
  local n=$1 label=$2 i r answers=()
  for ((i = 0; i < n; i++)); do
    r=$(ip netns exec ckr-cli curl -s -m 3 http://192.0.2.200/who.txt 2>&1) || r="(curl rc=$?) $r"
    answers+=("$r")
  done
  emit --arg name "$label" --argjson answers "$(printf '%s\n' "${answers[@]}" | jq -R . | jq -cs .)" \
    '{client: $name, answers: $answers}'
}
start_httpd() {
  ip netns exec "$1" busybox httpd -f -p 80 -h "$W/www-$1" &
  HTTPD_PID[$1]=$!
}
stop_httpd() {
  local p=${HTTPD_PID[$1]:-}
  [[ -n $p ]] && kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
  HTTPD_PID[$1]=""
}
cleanup() {
  local p
  [[ -n $KA_PID ]] && kill -0 "$KA_PID" 2>/dev/null && kill -KILL "$KA_PID"
  for p in "${HTTPD_PID[@]}"; do [[ -n $p ]] && kill "$p" 2>/dev/null; done
  [[ -n $FIFO_PID ]] && kill "$FIFO_PID" 2>/dev/null
}
trap cleanup EXIT

# the guest's /tmp is the host's under an overlay: whatever the host has there (another
# run's files, a CI job's) must not count as ours; removing it here touches only the overlay
rm -rf "$W" "$FIFO" /tmp/keepalived.* /tmp/keepalived_*; mkdir -p "$W"; chmod 755 "$W"
: >"$LOG"; : >"$W/notify.txt"; : >"$W/lvs-fifo.txt"

# ---------------------------------------------------------------- network (as the reference)
sysctl -qw net.bridge.bridge-nf-call-iptables=0 2>/dev/null
ip link add br0 type bridge stp_state 0 forward_delay 0
ip link set br0 up
for n in "${NS[@]}"; do
  ip netns add "$n"
  ip link add "v-${n#ckr-}" type veth peer name eth0 netns "$n"
  ip link set "v-${n#ckr-}" master br0 up
  ip -n "$n" link set lo up
  ip -n "$n" addr add "${IP[$n]}/24" dev eth0
  ip -n "$n" link set eth0 up
done
ip -n ckr-dir addr add 192.0.2.200/32 dev eth0
dir sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.send_redirects=0 net.ipv4.conf.eth0.send_redirects=0
# NAT return path: the real servers reach the client through the director
for n in ckr-rs1 ckr-rs2 ckr-rs3 ckr-sorry; do ip -n "$n" route add 192.0.2.100/32 via 192.0.2.1; done

# ---------------------------------------------------------------- real servers (same files: same MD5 digest)
for n in ckr-rs1 ckr-rs2 ckr-rs3 ckr-sorry; do
  mkdir -p "$W/www-$n"
  echo "${n#ckr-}" >"$W/www-$n/who.txt"
  echo "ok ${n#ckr-}" >"$W/www-$n/health"
  echo "<html><body>index of ${n#ckr-}</body></html>" >"$W/www-$n/index.html"
  start_httpd "$n"
done
DIGEST=$(md5sum <"$W/www-ckr-rs2/index.html" | cut -d' ' -f1)

install -m 755 "$REF/notify.sh" "$REF/misc.sh" "$W/"
echo 0 >"$W/misc.rc"
cp "$REF/keepalived.initial.conf" "$CONF"
emit --arg digest "$DIGEST" --arg kernel "$(uname -r)" \
  --argjson confDigest "$(grep -c "digest $DIGEST\$" "$CONF")" \
  '{phase: "setup", kernel: $kernel, digest: $digest, confHasDigest: ($confDigest == 1)}'

# ---------------------------------------------------------------- FIFO reader (held open read-write: no EOF)
mkfifo -m 600 "$FIFO"
exec 3<>"$FIFO"
cat <&3 >>"$W/lvs-fifo.txt" &
FIFO_PID=$!
exec 3<&-

# ---------------------------------------------------------------- 01: start, all up
say "start keepalived"
ip netns exec ckr-dir "$KEEPALIVED" -n -l -D -C -f "$CONF" \
  -p "$W/keepalived.pid" -r "$W/keepalived_vrrp.pid" -c "$W/keepalived_checkers.pid" \
  >>"$LOG" 2>&1 </dev/null &
KA_PID=$!
all_up() {
  [[ $(vs1 | grep -c ' Masq 1$') == 3 ]] && [[ $(fwm1 | wc -l) == 2 ]]
}
# longer: on a loaded host the parent and child have taken 20 + 40 s to start under TCG
WAIT=$((WAIT * 4)) wait_for "3 RS in 192.0.2.200:80 and 2 in FWM 1" all_up
wait_for "startup FIFO lines (2)" fifo_at_least 2
wait_for "startup notify lines (2)" notify_at_least 2
# every checker's first result is logged once it has run (random warmup up to delay_loop)
first_results() { (( $(grep -cE 'succeed on service|connection to .* success|Misc check .* succeeded' "$LOG") >= 6 )); }
wait_for "each checker's first result logged (6)" first_results
phase "01-all-up"
client 6 "01-all-up"

# ---------------------------------------------------------------- 02: rs1's httpd killed (HTTP_GET)
stop_httpd ckr-rs1
wait_for "192.0.2.11 removed from VS 192.0.2.200:80" not_in_vs1 192.0.2.11
wait_for "FIFO lines (3)" fifo_at_least 3
wait_for "notify lines (3)" notify_at_least 3
phase "02-rs1-http-down"
client 4 "02-rs1-http-down"

# ---------------------------------------------------------------- 03: MISC_CHECK script fails on rs3
echo 1 >"$W/misc.rc"
wait_for "192.0.2.13 removed from VS 192.0.2.200:80" not_in_vs1 192.0.2.13
wait_for "FIFO lines (4)" fifo_at_least 4
wait_for "notify lines (4)" notify_at_least 4
phase "03-rs3-misc-down"

# ---------------------------------------------------------------- 04: every httpd down -> sorry server
stop_httpd ckr-rs2; stop_httpd ckr-rs3
wait_for "sorry server 192.0.2.99 in VS 192.0.2.200:80" in_vs1 192.0.2.99
wait_for "192.0.2.12 inhibited (weight 0)" weight_vs1 192.0.2.12 0
wait_for "192.0.2.12 removed from FWM 1 (TCP_CHECK)" not_in_fwm1 192.0.2.12
wait_for "FIFO lines (7)" fifo_at_least 7
wait_for "notify lines (7)" notify_at_least 7
rs3_tcp_failed() { grep -q 'TCP_CHECK on service \[192.0.2.13\]:tcp:80 failed' "$LOG"; }
wait_for "rs3's TCP_CHECK failure logged" rs3_tcp_failed
phase "04-all-down-sorry"
client 2 "04-all-down-sorry"

# ---------------------------------------------------------------- 05: restore
start_httpd ckr-rs1; start_httpd ckr-rs2; start_httpd ckr-rs3
echo 0 >"$W/misc.rc"
all_back() { weight_vs1 192.0.2.11 1 && weight_vs1 192.0.2.12 1 && weight_vs1 192.0.2.13 1 &&
             not_in_vs1 192.0.2.99 && in_fwm1 192.0.2.12; }
wait_for "rs1 rs2 rs3 back with weight 1, sorry server gone, FWM 1 complete" all_back
wait_for "FIFO lines (12)" fifo_at_least 12
wait_for "notify lines (12)" notify_at_least 12
phase "05-restored"
client 6 "05-restored"

# ---------------------------------------------------------------- 06: SIGHUP, rs1 weight 1 -> 3
reloads_done() { (( $(grep -c 'Reload complete' "$LOG") >= $1 )); }
cat "$REF/keepalived.reload1.conf" >"$CONF"
kill -HUP "$KA_PID"
wait_for "192.0.2.11 weight 3 after reload 1" weight_vs1 192.0.2.11 3
wait_for "'Reload complete' logged once" reloads_done 1
phase "06-after-reload1-weight"
client 5 "06-after-reload1-weight"

# ---------------------------------------------------------------- 07: SIGHUP, rs3 deleted from the config
cat "$REF/keepalived.reload2.conf" >"$CONF"
kill -HUP "$KA_PID"
wait_for "192.0.2.13 gone after reload 2" not_in_vs1 192.0.2.13
wait_for "'Reload complete' logged twice" reloads_done 2
wait_for "FIFO lines (13)" fifo_at_least 13
wait_for "notify lines (13)" notify_at_least 13
phase "07-after-reload2-rs3-removed"

# ---------------------------------------------------------------- 08: SIGTERM
kill -TERM "$KA_PID"
ka_gone() { ! kill -0 "$KA_PID" 2>/dev/null; }
wait_for "keepalived exited" ka_gone
if ka_gone; then wait "$KA_PID"; KA_RC=$?; else KA_RC=-1; fi
KA_PID=""
wait_for "FIFO lines (16)" fifo_at_least 16
wait_for "notify lines (16)" notify_at_least 16
phase "08-after-stop"

emit --argjson rc "$KA_RC" \
  --arg fifoMode "$(stat -c '%A %U %G' "$FIFO" 2>&1)" \
  --arg leftovers "$(ls /tmp/keepalived.* /tmp/keepalived_* "$W"/*.pid 2>/dev/null)" \
  --arg fifo "$(cat "$W/lvs-fifo.txt")" --arg notify "$(cat "$W/notify.txt")" --arg log "$(cat "$LOG")" \
  '{phase: "end", exitStatus: $rc, fifoMode: $fifoMode, leftovers: $leftovers, fifo: $fifo, notify: $notify, log: $log}'
exit 0
