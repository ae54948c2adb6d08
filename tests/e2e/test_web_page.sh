#!/usr/bin/env bash
# The page end to end (issue 18): a real intrusion (a login over SSH through
# the front end, commands typed on a pty), then `karakuri web` over its
# store and headless Chromium driven over the DevTools protocol
# (helpers_web/page_check.py page): the session is listed and found by the
# search, its view shows the command (and, where the API serves the
# terminal, its output played back; where it serves the graph, the attacker
# and the gateway), the console has no error and no request leaves
# 127.0.0.1. Screenshots in $KARAKURI_ARTIFACTS (or the test's temp dir).
. "$KARAKURI_SRC/tests/e2e/lib.sh"
command -v chromium >/dev/null || e2e_skip "no chromium (scripts/setup deps)"
/usr/bin/python3 -c 'import websocket' 2>/dev/null || e2e_skip "no python3-websocket"
out=${KARAKURI_ARTIFACTS:-$E2E_TMP}/web_page
e2e_start_ssh_frontend 10.219.0.0/16
e2e_wait_for 120 grep -q "host key sets ready" "$E2E_TMP/karakuri.log" || e2e_fail "no SSH host keys"
printf 'echo typed-$((6*7))\nuname -s\nexit\n' |
  e2e_as_attacker sshpass -p 'S3cret!' ssh "${SSHO[@]}" -tt -p $port mallory@"$ATT_HOST_IP" >"$E2E_TMP/tty.out" 2>&1 || true
grep -q "typed-42" "$E2E_TMP/tty.out" || e2e_fail "no shell output: $(tr -cd '[:print:]\n' <"$E2E_TMP/tty.out")"
ev() { "$KARAKURI" -c "$conf" events --json --type "$1" 2>/dev/null; }
e2e_wait_for 30 sh -c "'$KARAKURI' -c '$conf' events --json --type tty.log 2>/dev/null | grep -q tty.log" ||
  e2e_fail "no tty.log recorded"
sid=$(ev tty.log | jq -rs '.[0].session')
[[ -n "$sid" && "$sid" != null ]] || e2e_fail "no session id"
e2e_log "session $sid"

timeout 300 "$KARAKURI" -c "$conf" web --listen 127.0.0.1:0 2>"$E2E_TMP/web.log" &
web_pid=$!
e2e_defer "kill -TERM $web_pid 2>/dev/null; wait $web_pid"
e2e_wait_for 10 grep -q "serving http://127.0.0.1:" "$E2E_TMP/web.log" || e2e_fail "karakuri web did not start"
wport=$(sed -n 's|.*serving http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$E2E_TMP/web.log" | head -1)
token=$(cat "$E2E_TMP/var/web.token")
timeout 240 /usr/bin/python3 "$KARAKURI_SRC/tests/e2e/helpers_web/page_check.py" page "http://127.0.0.1:$wport" "$token" "$out" \
  "$sid" "$ATT_IP" 'echo typed-$((6*7))' typed-42 || e2e_fail "page_check page"
ls "$out"/*.png >/dev/null || e2e_fail "no screenshots"
kill -TERM "$web_pid"
wait "$web_pid" || true
e2e_log "ok (screenshots in $out)"
