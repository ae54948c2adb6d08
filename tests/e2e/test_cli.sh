#!/usr/bin/env bash
# The CLI skeleton end to end: help and version, configuration errors with
# FILE:LINE, `config` round trip, `check` against a dead and a live engine,
# `run` writing events that `events` shows with its filters, and a clean stop.
. "$KARAKURI_SRC/tests/e2e/lib.sh"
e2e_need_docker

# --version, --help, unknown command
out=$("$KARAKURI" --version)
e2e_assert_contains "$out" "karakuri " "--version"
grep -q "images build" <<<"$("$KARAKURI" --help)" || e2e_fail "--help lists the commands"
for c in run check images events cleanup config sessions session replay export hosts; do
  grep -q "usage: karakuri" <<<"$("$KARAKURI" "$c" --help)" || e2e_fail "$c --help"
done
set +e
"$KARAKURI" frobnicate 2>"$E2E_TMP/err"; rc=$?
set -e
e2e_assert_eq 2 "$rc" "unknown command exit status"
grep -q "unknown command 'frobnicate'" "$E2E_TMP/err" || e2e_fail "unknown command message"

# A broken config is refused with FILE:LINE and the reason, for any command.
bad="$E2E_TMP/bad.conf"
printf '[store]\ndir = /tmp/x\n[honeynet]\nmode = sideways\n' >"$bad"
set +e
"$KARAKURI" -c "$bad" check >/dev/null 2>"$E2E_TMP/err"; rc=$?
set -e
e2e_assert_eq 2 "$rc" "bad config exit status"
grep -q "bad.conf:4:" "$E2E_TMP/err" || e2e_fail "bad config names file:line: $(cat "$E2E_TMP/err")"
grep -q "sideways" "$E2E_TMP/err" || e2e_fail "bad config names the value"

# `config` prints every key; its output is a valid config giving the same output.
"$KARAKURI" config >"$E2E_TMP/defaults.conf"
grep -q '^listen = 0.0.0.0:2222' "$E2E_TMP/defaults.conf" || e2e_fail "default [ssh] listen"
"$KARAKURI" -c "$E2E_TMP/defaults.conf" config >"$E2E_TMP/again.conf"
cmp -s "$E2E_TMP/defaults.conf" "$E2E_TMP/again.conf" || e2e_fail "config output does not round-trip"

conf=$(e2e_config "[ssh]
listen = 127.0.0.1:0")

# check with no engine: names the socket it tried and how to start one; non-zero.
set +e
DOCKER_HOST=unix://$E2E_TMP/no-such-docker.sock "$KARAKURI" -c "$conf" check >"$E2E_TMP/check-dead.out" 2>&1
rc=$?
set -e
[[ $rc -ne 0 ]] || e2e_fail "check passed with no Docker engine"
grep -q "no-such-docker.sock" "$E2E_TMP/check-dead.out" || e2e_fail "check does not name the socket: $(cat "$E2E_TMP/check-dead.out")"
grep -qi "dockerd\|docker.io" "$E2E_TMP/check-dead.out" || e2e_fail "check does not say how to start an engine"

# check with everything present (the images were built before the e2e suite).
if ! "$KARAKURI" -c "$conf" check >"$E2E_TMP/check.out" 2>&1; then
  cat "$E2E_TMP/check.out" >&2
  e2e_fail "check failed with everything present"
fi
grep -q "docker" "$E2E_TMP/check.out" || e2e_fail "check lists the Docker engine"
grep -q "^ok *exec monitor" "$E2E_TMP/check.out" || e2e_fail "check: the exec monitor does not load: $(cat "$E2E_TMP/check.out")"
# User-namespace remapping is reported either way (this engine runs without).
grep -q "^\(ok\|warn\) *user namespaces" "$E2E_TMP/check.out" || e2e_fail "check: no user namespaces line"
grep -q "^ok *firewall" "$E2E_TMP/check.out" || e2e_fail "check: no firewall line"

# run: starts with the pipeline, records sensor.start, stops cleanly on SIGTERM.
e2e_start_karakuri "$conf"
e2e_wait_for 20 test -s "$E2E_TMP/var/karakuri.json" || e2e_fail "run wrote no event"
e2e_wait_for 10 sh -c "'$KARAKURI' -c '$conf' events --type sensor.start | grep -q sensor.start" ||
  e2e_fail "events --type sensor.start shows nothing"

# --follow prints events as they come: start a follower, then stop the daemon;
# its sensor.stop must reach the follower.
"$KARAKURI" -c "$conf" events --follow --json >"$E2E_TMP/follow.out" 2>&1 &
follow_pid=$!
e2e_defer "kill $follow_pid"
sleep 0.5
kill -TERM "$KK_PID"
wait "$KK_PID" || e2e_fail "run did not exit 0 on SIGTERM"
e2e_wait_for 10 grep -q '"sensor.stop"' "$E2E_TMP/follow.out" || e2e_fail "--follow did not show sensor.stop"
kill "$follow_pid"

# --json lines are JSON with the common fields; --since and --type filter.
"$KARAKURI" -c "$conf" events --json >"$E2E_TMP/all.json"
jq -se 'map(select(.type=="sensor.start")) | length == 1 and all(.ts and .sensor)' "$E2E_TMP/all.json" >/dev/null ||
  e2e_fail "sensor.start lacks ts/sensor"
n=$(wc -l <"$E2E_TMP/all.json")
e2e_assert_ge "$n" 2 "events recorded"
n_future=$("$KARAKURI" -c "$conf" events --json --since 2999-01-01 | wc -l)
e2e_assert_eq 0 "$n_future" "--since in the future"
n_recent=$("$KARAKURI" -c "$conf" events --json --since 1h | wc -l)
e2e_assert_eq "$n" "$n_recent" "--since 1h"
set +e
"$KARAKURI" -c "$conf" events --type no.such.type >/dev/null 2>"$E2E_TMP/err"; rc=$?
set -e
e2e_assert_eq 2 "$rc" "--type with an unknown type"
grep -q "^session.connect" <<<"$("$KARAKURI" events --list-types)" || e2e_fail "--list-types"
# The JSON-lines log and the database agree.
e2e_assert_eq "$(wc -l <"$E2E_TMP/var/karakuri.json")" "$n" "karakuri.json lines vs database rows"
e2e_log "ok"
