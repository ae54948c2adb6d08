#!/usr/bin/env bash
# DNS stays in: a gateway's lookups go to karakuri's resolver (its
# resolv.conf names the LAN's .1), which answers them (getent, busybox
# nslookup) and records each as a dns.query; the engine's embedded resolver
# (a raw query to 127.0.0.11:53 and to the port it really listens on) gets
# no answer: its upstream is a sink the firewall drops and records (a
# contain.blocked, dst_port 53). Nothing leaves from the host's own
# namespace to port 53 meanwhile: the resolver asks no one (and the engine's
# resolver, for an --internal network, would forward from there when the
# host's resolver is on loopback: CVE-2024-29018). A decoy's lookups go to
# the resolver and are recorded too.
. "$KARAKURI_SRC/tests/e2e/lib.sh"
command -v tshark >/dev/null || e2e_skip "tshark not installed"
e2e_start_ssh_frontend 10.232.0.0/16 "[honeynet]
pool = 1"
login() { e2e_as_attacker sshpass -p pw ssh "${SSHO[@]}" -p $port eve@"$ATT_HOST_IP" "$@"; }
login true || e2e_fail "login"
hn=$("$KARAKURI" -c "$conf" hosts --json | jq -c --arg n "src-$ATT_IP" 'select(.honeynet == $n)')
gw=$(jq -r .gateway.ip <<<"$hn")
[[ "$gw" =~ ^10\.232\. ]] || e2e_fail "gateway: '$gw'"

# What the host's own namespace sends to port 53 (from anything but a
# honeynet address: those are the containers' own, which the firewall sees).
cap="$E2E_TMP/host53.txt"
tshark -i any -n -l -f "port 53 and not src net 10.232.0.0/16" -T fields -e ip.src -e ip.dst \
  -e dns.qry.name >"$cap" 2>"$E2E_TMP/tshark.err" &
tsh=$!
e2e_defer "kill $tsh 2>/dev/null"
e2e_wait_for 10 grep -q "Capturing on" "$E2E_TMP/tshark.err" || e2e_fail "tshark did not start"

# A raw query (perl: the image has no dig) for NAME to ADDR:PORT; prints
# ANSWERED when an answer comes back.
query() { # addr port name
  printf '%s' "perl -MIO::Socket::INET -e '
my \$s = IO::Socket::INET->new(Proto => q(udp), PeerAddr => q($1), PeerPort => $2) or exit 0;
my \$q = pack(q(n6), 0x4b4b, 0x0100, 1, 0, 0, 0);
\$q .= chr(length) . \$_ for split /\\./, q($3);
\$q .= pack(q(Cn2), 0, 1, 1);
\$s->send(\$q);
my \$r = q();
eval { local \$SIG{ALRM} = sub { die }; alarm 3; \$s->recv(\$r, 512); alarm 0 };
my @h = unpack(q(n6), \$r); print qq(ANSWERED $1:$2\\n) if length \$r >= 12 && \$h[3];
'"
}
# The embedded resolver's real port, from the gateway's own /proc/net/udp
# (127.0.0.11 is 0B00007F).
ehex=$(login "awk '\$2 ~ /^0B00007F:/ {split(\$2, a, \":\"); print a[2]; exit}' /proc/net/udp")
[[ "$ehex" =~ ^[0-9A-F]+$ ]] || e2e_fail "no embedded resolver in the gateway's /proc/net/udp: '$ehex'"
eport=$((16#$ehex))
[[ "$eport" =~ ^[0-9]+$ ]] || e2e_fail "no embedded resolver port in the gateway: '$eport'"
e2e_log "embedded resolver on 127.0.0.11:$eport"
out=$(login "cat /etc/resolv.conf; timeout 8 getent hosts gw.attacker.example && echo RESOLVED getent;
  timeout 8 busybox nslookup ns.attacker.example && echo RESOLVED nslookup;
  $(query 127.0.0.11 53 q53.attacker.example); $(query 127.0.0.11 "$eport" qport.attacker.example);
  echo done" 2>&1)
[[ "$out" == *done* ]] || e2e_fail "the lookups did not run: $out"
grep -q 127.0.0.11 <<<"$(login cat /etc/resolv.conf)" && e2e_fail "the gateway's resolv.conf names 127.0.0.11"
grep -q "RESOLVED getent" <<<"$out" || e2e_fail "getent did not resolve through karakuri's resolver: $out"
grep -q "RESOLVED nslookup" <<<"$out" || e2e_fail "nslookup did not resolve: $out"
grep ANSWERED <<<"$out" && e2e_fail "the engine's resolver answered: $out"

# A decoy (NetworkMode none, a veth of karakuri's) tries the same.
target=$(jq -r '.hosts[0].ip' <<<"$hn")
login "timeout 8 bash -c 'exec 3<>/dev/tcp/$target/22 && head -c 4 <&3'" >/dev/null 2>&1 || true
decoy=$("$KARAKURI" -c "$conf" hosts --json | jq -r --arg n "src-$ATT_IP" --arg ip "$target" \
  'select(.honeynet == $n) | .hosts[] | select(.ip == $ip) | .container // empty')
[[ -n "$decoy" ]] || e2e_fail "no decoy container for $target"
decoy_ns=$(docker exec "$decoy" awk '/^nameserver/ {print $2; exit}' /etc/resolv.conf)
[[ "$decoy_ns" == "${gw%.*}.1" ]] || e2e_fail "the decoy's nameserver: '$decoy_ns'"
docker exec "$decoy" timeout 8 getent hosts decoy.attacker.example >/dev/null ||
  e2e_fail "the decoy did not resolve through karakuri's resolver"

sleep 3
kill "$tsh" 2>/dev/null
wait "$tsh" 2>/dev/null || true
[[ -s "$cap" ]] && e2e_fail "the host's namespace sent DNS meanwhile: $(head -5 "$cap")"

"$KARAKURI" -c "$conf" events --json --type contain.blocked >"$E2E_TMP/blocked.json"
# The engine's resolver forwards to the sink: dropped and recorded.
jq -se --arg s "$gw" 'any(.[]; .src_ip == $s and .dst_ip == "169.254.0.53" and .proto == "udp"
  and .dst_port == 53)' "$E2E_TMP/blocked.json" >/dev/null ||
  e2e_fail "no contain.blocked for the engine resolver's forwarding: $(cat "$E2E_TMP/blocked.json")"
"$KARAKURI" -c "$conf" events --json --type dns.query >"$E2E_TMP/dns.json"
for n in gw.attacker.example ns.attacker.example; do
  jq -se --arg s "$gw" --arg n "$n" 'any(.[]; .src_ip == $s and .qname == $n and .qtype == "A")' \
    "$E2E_TMP/dns.json" >/dev/null || e2e_fail "no dns.query for $n: $(cat "$E2E_TMP/dns.json")"
done
jq -se --arg s "$target" 'any(.[]; .src_ip == $s and .qname == "decoy.attacker.example")' \
  "$E2E_TMP/dns.json" >/dev/null || e2e_fail "no dns.query for the decoy's lookup"
# What the engine's resolver was asked never reached karakuri's.
jq -se 'any(.[]; .qname == "q53.attacker.example" or .qname == "qport.attacker.example")' \
  "$E2E_TMP/dns.json" >/dev/null && e2e_fail "the engine's resolver forwarded to karakuri's"
e2e_log "ok"
