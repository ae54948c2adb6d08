#!/usr/bin/env bash
# Opt-in egress: with [containment] egress = tcp/8080, a bulk transfer from a
# gateway to a host outside (a namespace of this test's own) runs at
# egress_rate (±20 %) and stops at egress_bytes; the connection is a
# contain.egress event, the cap a contain.limit (bytes); a port not listed
# stays closed (contain.blocked). Egress is off the machine only: on an
# allowed port, the metadata address, 10/8 and 192.168/16 (routed by this
# test to its outside namespace, so that anything let through would arrive
# there), docker0, a container on Docker's bridge, a port it publishes and
# the host's own address are all refused and recorded; the host's real LAN
# is in the rules. A forged source address (another honeynet's gateway's)
# spends nothing of that gateway's quota and gets nowhere. Rules and qdiscs
# go with cleanup and the container.
. "$KARAKURI_SRC/tests/e2e/lib.sh"
rate=262144   # bytes/s
cap=2097152   # bytes
e2e_start_ssh_frontend 10.230.0.0/16 "[honeynet]
responder = no
[containment]
egress = tcp/8080,udp/5353
egress_bytes = 2M
egress_rate = 256k"
e2e_outside_ns

login() { e2e_as_attacker sshpass -p pw ssh "${SSHO[@]}" -p $port eve@"$ATT_HOST_IP" "$@"; }
ev() { "$KARAKURI" -c "$conf" events --json --type "$1"; }
login true || e2e_fail "login"
gw=$(e2e_containers "karakuri.honeynet=src-$ATT_IP" karakuri.role=gateway | head -n 1)
pid=$(e2e_api GET "/containers/$gw/json" | jq -r .State.Pid)
nsenter -t "$pid" -n tc qdisc show dev eth0 | grep -q tbf || e2e_fail "no tbf on the gateway's eth0"

# Off the machine only. Addresses this test makes reachable in its outside
# namespace (were the firewall to let them through, they would answer).
near=(169.254.169.254 10.99.0.5 192.168.77.5)
for a in "${near[@]}"; do
  ip -n "$OUT_NS" addr add "$a/32" dev lo
  ip route add "$a/32" via "$OUT_IP"
  e2e_defer "ip route del $a/32 via $OUT_IP"
done
ip netns exec "$OUT_NS" busybox nc -ll -p 8080 -e /bin/true &
near_nc=$!
e2e_defer "kill $near_nc 2>/dev/null"
# A container on Docker's default bridge, with a published port.
other="kkt-other-$$"
docker run -d --name "$other" -p 18080:8080 --entrypoint busybox karakuri/gateway:latest \
  nc -ll -p 8080 -e /bin/true >/dev/null || e2e_fail "no container on Docker's bridge"
e2e_defer "docker rm -f $other"
other_ip=$(docker inspect -f '{{.NetworkSettings.IPAddress}}' "$other")
docker0=$(ip -4 -o addr show docker0 | awk '{split($4, a, "/"); print a[1]}')
host_ip=$(ip -4 -o route get 1.1.1.1 | sed -n 's/.* src \([0-9.]*\).*/\1/p')
[[ -n "$other_ip" && -n "$docker0" && -n "$host_ip" ]] || e2e_fail "addresses: '$other_ip' '$docker0' '$host_ip'"
sleep 0.5
targets=("${near[@]}" "$docker0" "$other_ip" "$host_ip")
probe=""
for a in "${targets[@]}"; do
  probe+="(timeout 4 bash -c ': >/dev/tcp/$a/8080' 2>/dev/null && echo OPEN $a) & "
done
probe+="(timeout 4 bash -c ': >/dev/tcp/$host_ip/18080' 2>/dev/null && echo OPEN published) & "
# The outside host itself still answers: the probe works.
probe+="(timeout 4 bash -c ': >/dev/tcp/$OUT_IP/8080' 2>/dev/null && echo REACHED) & wait; echo done"
out=$(login "$probe" 2>&1)
[[ "$out" == *done* && "$out" == *REACHED* ]] || e2e_fail "the probe did not run (or egress is shut): $out"
grep OPEN <<<"$out" && e2e_fail "egress reached the machine's own networks: $(grep OPEN <<<"$out" | tr '\n' ' ')"
iptables -S KARAKURI-FORWARD >"$E2E_TMP/forward.rules"
lan=$(ip -4 -o addr show dev "$(ip -4 route show default | awk '{print $5; exit}')" | awk '{print $4; exit}')
lan_net=$(python3 -c "import ipaddress,sys; print(ipaddress.ip_interface(sys.argv[1]).network)" "$lan")
for n in "$lan_net" 172.17.0.0/16; do
  grep -q -- "-d $n .*-j DROP" "$E2E_TMP/forward.rules" || e2e_fail "the host's network $n is not refused"
done
grep -q -- "-d ${OUT_IP%.*}" "$E2E_TMP/forward.rules" && e2e_fail "the outside namespace counts as the host's network"

# A forged source: gateway A sends as gateway B (another honeynet, with an
# allowance of its own); a root intruder could (NET_RAW).
ip netns exec "$OUT_NS" sshpass -p pw ssh "${SSHO[@]}" -p $port bob@"$ATT_HOST_IP" true ||
  e2e_fail "login from $OUT_IP"
gw_a=$("$KARAKURI" -c "$conf" hosts --json | jq -r --arg n "src-$ATT_IP" 'select(.honeynet == $n) | .gateway.ip')
gw_b=$("$KARAKURI" -c "$conf" hosts --json | jq -r --arg n "src-$OUT_IP" 'select(.honeynet == $n) | .gateway.ip')
[[ -n "$gw_a" && -n "$gw_b" ]] || e2e_fail "gateways: '$gw_a' '$gw_b'"
iptables -S KARAKURI-EGRESS | grep -q -- "-s $gw_b/32 -m physdev --physdev-in " || e2e_fail "B's quota is not on its link: $(iptables -S KARAKURI-EGRESS)"
quota_b() { iptables -vxnL KARAKURI-EGRESS | awk -v b="$gw_b" '$8 == b && /quota/ {print $2}'; }
received() { ip netns exec "$OUT_NS" awk '/^Ip: [0-9]/ {print $3}' /proc/net/snmp; }
got_before=$(received)
before=$(quota_b)
nsenter -t "$pid" -n ip addr add "$gw_b/32" dev eth0
nsenter -t "$pid" -n python3 -c "
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 0))
for i in range(20):
    s.sendto(b'forged' * 100, (sys.argv[2], 5353))
" "$gw_b" "$OUT_IP"
nsenter -t "$pid" -n ip addr del "$gw_b/32" dev eth0
sleep 1
after=$(quota_b)
e2e_log "B's quota rule: $before bytes before, $after after A's forged datagrams"
[[ "$before" == "$after" ]] || e2e_fail "a forged source spent B's quota ($before -> $after bytes)"
got_after=$(received)
((got_after == got_before)) || e2e_fail "forged datagrams got out ($((got_after - got_before)) packets)"

kill "$near_nc"; wait "$near_nc" 2>/dev/null || true

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
# 5 s still: a dropped burst can put TCP into a retransmit back-off of 2-4 s
# before the cap is reached.
stalled() { local s1; s1=$(size); sleep 5; (($(size) == s1)); }
e2e_wait_for 40 stalled || e2e_fail "the transfer did not stop"
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

sleep 2
"$KARAKURI" -c "$conf" events --json --type contain.blocked >"$E2E_TMP/blocked.json"
for a in "${near[@]}" "$other_ip"; do
  jq -se --arg d "$a" 'any(.[]; .dst_ip == $d and .dst_port == 8080 and .rule == "outside")' \
    "$E2E_TMP/blocked.json" >/dev/null || e2e_fail "no contain.blocked (outside) for $a:8080"
done
for a in "$docker0" "$host_ip"; do
  jq -se --arg d "$a" 'any(.[]; .dst_ip == $d and .dst_port == 8080 and .rule == "host")' \
    "$E2E_TMP/blocked.json" >/dev/null || e2e_fail "no contain.blocked (host) for $a:8080"
done
jq -se --arg d "$other_ip" 'any(.[]; .dst_ip == $d and .dst_port == 8080 and .rule == "outside")' \
  "$E2E_TMP/blocked.json" >/dev/null || e2e_fail "no contain.blocked for the published port"

kill -TERM "$KK_PID"
wait "$KK_PID" || e2e_fail "run did not exit 0"
"$KARAKURI" -c "$conf" cleanup >"$E2E_TMP/cleanup.out" 2>&1 || e2e_fail "cleanup: $(cat "$E2E_TMP/cleanup.out")"
iptables -t nat -S | grep -q KARAKURI && e2e_fail "nat rules left: $(iptables -t nat -S | grep KARAKURI)"
iptables -S | grep -q KARAKURI && e2e_fail "rules left"
e2e_log "ok"
