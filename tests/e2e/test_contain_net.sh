#!/usr/bin/env bash
# Network containment, from a gateway (through an SSH session) and from a
# decoy: TCP, UDP and ICMP to every address of the host (the LAN's bridge
# among them), to karakuri's SSH port, to another honeynet's gateway and to a
# host "outside" (a namespace of this test's own) all fail, nothing reaches
# the outside host, and each attempt is a contain.blocked event (but UDP to
# port 53, which karakuri's resolver takes: a dns.query). The LAN
# itself still works (a decoy starts and answers), and so does the front end.
# The host answers ARP on a honeynet bridge for the bridge's address only; a
# routed packet about to expire gets no time-exceeded from the host (and is
# recorded); the bridge learns a bounded number of MACs; a flushed chain is
# restored within seconds (contain.firewall). `karakuri cleanup` removes the
# rules.
. "$KARAKURI_SRC/tests/e2e/lib.sh"
e2e_start_ssh_frontend 10.226.0.0/16 "[honeynet]
pool = 2"
e2e_outside_ns
iptables -S KARAKURI-INPUT >/dev/null 2>&1 || e2e_fail "no KARAKURI-INPUT chain while running"

SSHB=(-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o ConnectTimeout=20)
login() { e2e_as_attacker sshpass -p pw ssh "${SSHO[@]}" -p $port eve@"$ATT_HOST_IP" "$@"; }
login true || e2e_fail "login"
# A second honeynet: a login from the outside host's address.
ip netns exec "$OUT_NS" sshpass -p pw ssh "${SSHB[@]}" -p $port bob@"$ATT_HOST_IP" true ||
  e2e_fail "login from $OUT_IP"
hn() { "$KARAKURI" -c "$conf" hosts --json | jq -c --arg n "src-$1" 'select(.honeynet == $n)'; }
a=$(hn "$ATT_IP")
b=$(hn "$OUT_IP")
gw_a=$(jq -r .gateway.ip <<<"$a")
gw_b=$(jq -r .gateway.ip <<<"$b")
bridge_a=${gw_a%.*}.1
[[ "$gw_a" =~ ^10\.226\. && "$gw_b" =~ ^10\.226\. ]] || e2e_fail "gateways: '$gw_a' '$gw_b'"

# A listener on the outside host: were anything to get through, it would
# connect; and the namespace counts every IPv4 packet it receives.
# (Not 80, 8080 or 21: those go to the fetcher, test_fetch_refused.sh.)
ip netns exec "$OUT_NS" busybox nc -ll -p 9090 -e /bin/true &
e2e_defer "kill $! 2>/dev/null"
received() { ip netns exec "$OUT_NS" awk '/^Ip: [0-9]/ {print $3}' /proc/net/snmp; }

# Every IPv4 address of the host but loopback (a container's 127.0.0.1 is
# its own).
host_ips=$(ip -4 -o addr show scope global | awk '{split($4, a, "/"); print a[1]}' | sort -u)
targets=()
for ip in $host_ips; do targets+=("$ip:22" "$ip:2222"); done
targets+=("$gw_b:22" "$OUT_IP:9090")
# One shell line that tries everything at once: TCP connects, a UDP datagram
# and a ping to each address; prints OPEN/ANSWER for anything that got through.
probe_script() {
  local s="" t ip
  for t in "${targets[@]}"; do
    s+="(timeout 4 bash -c ': >/dev/tcp/${t%:*}/${t#*:}' 2>/dev/null && echo OPEN $t) & "
  done
  for ip in $host_ips $gw_b $OUT_IP; do
    s+="(echo x >/dev/udp/$ip/161) 2>/dev/null; (echo x >/dev/udp/$ip/53) 2>/dev/null; "
    s+="(ping -n -c 1 -W 3 $ip >/dev/null 2>&1 && echo ANSWER $ip) & "
  done
  echo "$s wait; echo done"
}
before=$(received)
out=$(login "$(probe_script)" 2>&1)
[[ "$out" == *done* ]] || e2e_fail "the probes did not run on the gateway: $out"
grep -E 'OPEN|ANSWER' <<<"$out" && e2e_fail "reached from the gateway: $(grep -E 'OPEN|ANSWER' <<<"$out" | tr '\n' ' ')"

# The LAN still works: a planned host answers from the gateway, and its decoy
# then tries the same.
target=$(jq -r '.hosts[0].ip' <<<"$a")
login "timeout 8 bash -c 'exec 3<>/dev/tcp/$target/22 && head -c 4 <&3'" >"$E2E_TMP/lan.txt" 2>&1 || true
grep -q "^SSH-" "$E2E_TMP/lan.txt" || e2e_fail "no SSH server at $target: $(cat "$E2E_TMP/lan.txt")"
decoy=$(hn "$ATT_IP" | jq -r --arg ip "$target" '.hosts[] | select(.ip == $ip) | .container // empty')
[[ -n "$decoy" ]] || e2e_fail "no decoy container for $target"
out=$(docker exec "$decoy" bash -c "$(probe_script)" 2>&1)
[[ "$out" == *done* ]] || e2e_fail "the probes did not run on the decoy: $out"
grep -E 'OPEN|ANSWER' <<<"$out" && e2e_fail "reached from the decoy: $(grep -E 'OPEN|ANSWER' <<<"$out" | tr '\n' ' ')"
after=$(received)
e2e_assert_eq "$before" "$after" "IPv4 packets received by the outside host"

# The front end still takes logins (its own connections to the gateway pass).
login true || e2e_fail "a login after the probes"

# Each attempt is an event, from each of the two hosts.
sleep 2
"$KARAKURI" -c "$conf" events --json --type contain.blocked >"$E2E_TMP/blocked.json"
check() { # src proto dst port-or-type rule
  local key=dst_port
  [[ "$2" == icmp ]] && key=icmp_type
  jq -se --arg s "$1" --arg p "$2" --arg d "$3" --argjson v "$4" --arg r "$5" --arg k "$key" \
    'any(.[]; .src_ip == $s and .proto == $p and .dst_ip == $d and .[$k] == $v and .rule == $r
       and (.honeynet | startswith("src-")))' "$E2E_TMP/blocked.json" >/dev/null ||
    e2e_fail "no contain.blocked for $1 -> $3 $2/$4 ($5)"
}
decoy_ip=$target
for src in "$gw_a" "$decoy_ip"; do
  for ip in $host_ips; do
    check "$src" tcp "$ip" 22 host
    check "$src" tcp "$ip" 2222 host
    check "$src" udp "$ip" 161 host
    check "$src" icmp "$ip" 8 host
  done
  check "$src" tcp "$gw_b" 22 honeynet
  check "$src" icmp "$gw_b" 8 honeynet
  check "$src" tcp "$OUT_IP" 9090 outside
  check "$src" udp "$OUT_IP" 161 outside
  check "$src" icmp "$OUT_IP" 8 outside
done
# Port 53, to the host and off the machine alike, is karakuri's resolver
# (test_dns.sh): a datagram that is no query is recorded there, unanswered.
"$KARAKURI" -c "$conf" events --json --type dns.query >"$E2E_TMP/dns.json"
want53=$(wc -w <<<"$host_ips $OUT_IP")
for src in "$gw_a" "$decoy_ip"; do
  n=$(jq -s --arg s "$src" '[.[] | select(.src_ip == $s and .malformed == true and .size == 2)]
    | length' "$E2E_TMP/dns.json")
  ((n >= want53)) || e2e_fail "$n dns.query (malformed) from $src, not $want53: $(cat "$E2E_TMP/dns.json")"
done
# The bridge is one of the host's addresses, attempts on it are too.
check "$gw_a" tcp "$bridge_a" 2222 host
jq -se --arg g "$gw_a" 'any(.[]; .src_ip == $g and .host != null)' "$E2E_TMP/blocked.json" >/dev/null ||
  e2e_fail "contain.blocked does not name the gateway host"

# ARP: the bridge's own address answers, the host's others do not.
gw_c=$(jq -r .gateway.container <<<"$a")
[[ -n "$gw_c" && "$gw_c" != null ]] || gw_c=$(e2e_containers "karakuri.honeynet=src-$ATT_IP" karakuri.role=gateway | head -n 1)
docker exec "$gw_c" busybox arping -c 1 -w 2 -I eth0 "$bridge_a" >/dev/null 2>&1 ||
  e2e_fail "the bridge $bridge_a does not answer ARP"
for ip in $host_ips; do
  [[ "$ip" == "$bridge_a" ]] && continue
  docker exec "$gw_c" busybox arping -c 1 -w 2 -I eth0 "$ip" >"$E2E_TMP/arp.txt" 2>&1 &&
    e2e_fail "the host answers ARP for $ip on a honeynet bridge: $(cat "$E2E_TMP/arp.txt")"
done

# TTL: a traceroute off the LAN shows nothing of the host, and is recorded.
out=$(docker exec "$gw_c" sh -c "busybox traceroute -n -q 1 -w 2 -m 1 $OUT_IP 2>&1; ping -n -c 1 -t 1 -W 2 $OUT_IP 2>&1; true")
grep -q "$bridge_a" <<<"$out" && e2e_fail "the host answered a TTL-expiring packet: $out"
# Within the LAN (bridged, not routed) TTL 1 still arrives: the decoy answers.
docker exec "$gw_c" ping -n -c 1 -t 1 -W 3 "$decoy_ip" >/dev/null 2>&1 ||
  e2e_fail "a TTL-1 ping to the decoy $decoy_ip on the same LAN got no answer"

# FDB: frames from 3000 random source MACs; the bridge learns at most 512.
gw_pid=$(e2e_api GET "/containers/$gw_c/json" | jq -r .State.Pid)
nsenter -t "$gw_pid" -n python3 -c "
import os, socket
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(('eth0', 0))
for i in range(3000):
    src = bytes([0x02]) + os.urandom(5)
    s.send(b'\xff' * 6 + src + b'\x88\xb5' + b'\0' * 46)
"
br_a="kk-${gw_a%.*}"
br_a=${br_a//./-}
learned=$(bridge fdb show br "$br_a" | grep -vc permanent || true)
e2e_log "bridge $br_a learned $learned MACs after 3000 random ones"
((learned <= 512)) || e2e_fail "the bridge learned $learned MACs"

# The firewall at run time: a flushed chain is back within seconds, and
# recorded; nothing was reported missing before.
ev_fw() { "$KARAKURI" -c "$conf" events --json --type contain.firewall; }
[[ -z "$(ev_fw)" ]] || e2e_fail "contain.firewall before any change: $(ev_fw)"
iptables -F KARAKURI-FORWARD
restored() { iptables -C KARAKURI-FORWARD -m comment --comment karakuri -j DROP; }
e2e_wait_for 10 restored || e2e_fail "KARAKURI-FORWARD was not restored"
e2e_wait_for 5 bash -c "'$KARAKURI' -c '$conf' events --json --type contain.firewall | grep -q KARAKURI-FORWARD" ||
  e2e_fail "no contain.firewall: $(ev_fw)"
jq -se 'any(.[]; .restored == true)' <<<"$(ev_fw)" >/dev/null || e2e_fail "contain.firewall: $(ev_fw)"
"$KARAKURI" -c "$conf" events --json --type contain.blocked >"$E2E_TMP/blocked.json"
jq -se --arg s "$gw_a" --arg d "$OUT_IP" 'any(.[]; .src_ip == $s and .dst_ip == $d and
  .proto == "udp" and .dst_port >= 33434 and .dst_port < 33500 and .rule == "outside")' \
  "$E2E_TMP/blocked.json" >/dev/null || e2e_fail "no contain.blocked for the traceroute"

kill -TERM "$KK_PID"
wait "$KK_PID" || e2e_fail "run did not exit 0"
# The rules stay while honeynets may (they outlive the daemon); cleanup
# removes them.
iptables -S KARAKURI-INPUT >/dev/null 2>&1 || e2e_fail "the rules went with the daemon"
"$KARAKURI" -c "$conf" cleanup >"$E2E_TMP/cleanup.out" 2>&1 || e2e_fail "cleanup: $(cat "$E2E_TMP/cleanup.out")"
grep -q "9 firewall chains" "$E2E_TMP/cleanup.out" || e2e_fail "cleanup: $(cat "$E2E_TMP/cleanup.out")"
for t in iptables "iptables -t nat" ip6tables; do
  $t -S | grep -q KARAKURI && e2e_fail "$t rules left after cleanup: $($t -S | grep KARAKURI)"
done
e2e_log "ok"
