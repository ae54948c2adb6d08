#!/usr/bin/env bash
# The page against hostile data (issue 18): a store whose user names,
# passwords, commands, file names and URLs hold <script>, "><img onerror>,
# javascript: URLs and terminal escapes (written by helpers_web/store_fill),
# served by `karakuri web`, driven by headless Chromium (page_check.py xss):
# everything shows as text, window.__xss stays unset, no console error, no
# request leaves 127.0.0.1. Screenshots in $KARAKURI_ARTIFACTS (or the
# test's temp dir, kept on failure).
. "$KARAKURI_SRC/tests/e2e/lib.sh"
command -v chromium >/dev/null || e2e_skip "no chromium (scripts/setup deps)"
/usr/bin/python3 -c 'import websocket' 2>/dev/null || e2e_skip "no python3-websocket"
FILL="$KARAKURI_BUILD/tests/e2e/helpers_web/store_fill"
[[ -x "$FILL" ]] || e2e_fail "no $FILL (build the e2e helpers)"
out=${KARAKURI_ARTIFACTS:-$E2E_TMP}/web_xss
conf=$(e2e_config "")
var="$E2E_TMP/var"
X='window.__xss=1'
{
  echo '{"type":"session.connect","ts":"2026-12-01T10:00:01Z","session":"x1","src_ip":"198.51.100.7","src_port":40000}'
  echo "{\"type\":\"login.success\",\"ts\":\"2026-12-01T10:00:03Z\",\"session\":\"x1\",\"src_ip\":\"198.51.100.7\",\"username\":\"\\\"><img src=x onerror=$X>\",\"password\":\"<script>$X</script>\",\"honeynet\":\"hn-x1\"}"
  echo "{\"type\":\"command.input\",\"ts\":\"2026-12-01T10:00:04Z\",\"session\":\"x1\",\"src_ip\":\"198.51.100.7\",\"input\":\"echo '<script>$X</script>' \\u001b]0;pwned\\u0007 \\u001b[2J\"}"
  echo "{\"type\":\"file.upload\",\"ts\":\"2026-12-01T10:00:05Z\",\"session\":\"x1\",\"src_ip\":\"198.51.100.7\",\"path\":\"/tmp/<img src=x onerror=$X>.sh\",\"size\":3}"
  echo "{\"type\":\"file.download\",\"ts\":\"2026-12-01T10:00:06Z\",\"honeynet\":\"hn-x1\",\"url\":\"javascript:$X\",\"path\":\"/tmp/\\\"><svg onload=$X>\",\"src_ip\":\"10.13.0.2\"}"
  echo '{"type":"session.closed","ts":"2026-12-01T10:00:09Z","session":"x1","src_ip":"198.51.100.7","duration_ms":8000,"reason":"client"}'
} | "$FILL" "$var" || e2e_fail "store_fill"

timeout 300 "$KARAKURI" -c "$conf" web --listen 127.0.0.1:0 2>"$E2E_TMP/web.log" &
web_pid=$!
e2e_defer "kill -TERM $web_pid 2>/dev/null; wait $web_pid"
e2e_wait_for 10 grep -q "serving http://127.0.0.1:" "$E2E_TMP/web.log" || e2e_fail "karakuri web did not start"
port=$(sed -n 's|.*serving http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$E2E_TMP/web.log" | head -1)
token=$(cat "$var/web.token")

# the page itself needs no token, and carries the headers
curl -s -D "$E2E_TMP/h" -o /dev/null "http://127.0.0.1:$port/"
for h in "Content-Security-Policy: default-src 'self'" "X-Content-Type-Options: nosniff" "X-Frame-Options: DENY" \
  "Referrer-Policy: no-referrer" "Content-Type: text/html"; do
  grep -qiF "$h" "$E2E_TMP/h" || e2e_fail "/ lacks $h"
done
grep -qi "unsafe-inline" "$E2E_TMP/h" && e2e_fail "the CSP allows unsafe-inline"
e2e_assert_eq 401 "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/api/v1/sessions")" "the API without the token"

timeout 240 /usr/bin/python3 "$KARAKURI_SRC/tests/e2e/helpers_web/page_check.py" xss "http://127.0.0.1:$port" "$token" "$out" x1 \
  "\"><img src=x onerror=$X>" "<script>$X</script>" "/tmp/<img src=x onerror=$X>.sh" "javascript:$X" \
  "/tmp/\"><svg onload=$X>" "\\x1b]0;pwned\\x07" || e2e_fail "page_check xss"
ls "$out"/*.png >/dev/null || e2e_fail "no screenshots"
kill -TERM "$web_pid"
wait "$web_pid" || true
e2e_log "ok (screenshots in $out)"
