#!/usr/bin/env bash
# Opt-in egress: with [containment] egress = tcp/8080, a bulk transfer from a
# gateway to a host outside (a namespace of this test's own) runs at
# egress_rate (±20 %) and stops at egress_bytes; the connection is a
# contain.egress event, the cap a contain.limit (bytes); a port not listed
# stays closed (contain.blocked). Rules and qdiscs go with cleanup and the
# container.
. "$KARAKURI_SRC/tests/e2e/lib.sh"
rate=262144   # bytes/s
cap=2097152   # bytes
e2e_start_ssh_frontend 10.230.0.0/16 "[honeynet]
responder = no
[containment]
egress = tcp/8080
egress_bytes = 2M
egress_rate = 256k"
e2e_outside_ns

login() { e2e_as_attacker sshpass -p pw ssh "${SSHO[@]}" -p $port eve@"$ATT_HOST_IP" "$@"; }
ev() { "$KARAKURI" -c "$conf" events --json --type "$1"; }
login true || e2e_fail "login"
gw=$(e2e_containers "karakuri.honeynet=src-$ATT_IP" karakuri.role=gateway | head -n 1)
pid=$(e2e_api GET "/containers/$gw/json" | jq -r .State.Pid)
nsenter -t "$pid" -n tc qdisc show dev eth0 | grep -q tbf || e2e_fail "no tbf on the gateway's eth0"

sink="$E2E_TMP/sink"
: >"$sink"
ip netns exec "$OUT_NS" busybox nc -l -p 8080 >"$sink" &
e2e_defer "kill $! 2>/dev/null"
sleep 0.5

# A port that is not let out stays closed, and says so.
out=$(login "timeout 4 bash -c ': >/dev/tcp/$OUT_IP/9090' && echo OPEN; true")
[[ "$out" == *OPEN* ]] && e2e_fail "tcp/9090 got out"

login "head -c 8M /dev/zero | timeout 40 bash -c 'cat >/dev/tcp/$OUT_IP/8080'; true" >/dev/null 2>&1 &
sender=$!
e2e_defer "kill $sender 2>/dev/null"
size() { stat -c %s "$sink"; }
started() { (($(size) > 0)); }
e2e_wait_for 15 started || e2e_fail "nothing arrived outside on tcp/8080"
sleep 1
a=$(size)
sleep 4
b=$(size)
got=$(((b - a) / 4))
e2e_log "egress rate: $got bytes/s (configured $rate)"
((got > rate * 8 / 10 && got < rate * 12 / 10)) || e2e_fail "rate $got bytes/s, not $rate ±20 %"
# The cap: the transfer stalls just short of egress_bytes (headers count).
stalled() { local s1; s1=$(size); sleep 2; (($(size) == s1)); }
e2e_wait_for 30 stalled || e2e_fail "the transfer did not stop"
final=$(size)
e2e_log "sent out before the cap: $final bytes (cap $cap)"
((final <= cap && final > cap * 9 / 10)) || e2e_fail "$final bytes got out, cap $cap"

sleep 2
jq -se --arg d "$OUT_IP" 'any(.[]; .dst_ip == $d and .dst_port == 8080 and .proto == "tcp"
  and (.honeynet | startswith("src-")))' <<<"$(ev contain.egress)" >/dev/null ||
  e2e_fail "no contain.egress: $(ev contain.egress)"
jq -se 'any(.[]; .limit == "bytes" and .value == 2097152)' <<<"$(ev contain.limit)" >/dev/null ||
  e2e_fail "no contain.limit for bytes: $(ev contain.limit)"
jq -se --arg d "$OUT_IP" 'any(.[]; .dst_ip == $d and .dst_port == 9090 and .rule == "outside")' \
  <<<"$(ev contain.blocked)" >/dev/null || e2e_fail "no contain.blocked for tcp/9090"

kill -TERM "$KK_PID"
wait "$KK_PID" || e2e_fail "run did not exit 0"
"$KARAKURI" -c "$conf" cleanup >"$E2E_TMP/cleanup.out" 2>&1 || e2e_fail "cleanup: $(cat "$E2E_TMP/cleanup.out")"
iptables -t nat -S | grep -q KARAKURI && e2e_fail "nat rules left: $(iptables -t nat -S | grep KARAKURI)"
iptables -S | grep -q KARAKURI && e2e_fail "rules left"
e2e_log "ok"
