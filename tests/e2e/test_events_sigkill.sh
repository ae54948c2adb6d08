#!/usr/bin/env bash
# SIGKILL in the middle of a burst of events: every event the store said it
# committed is still there, the database passes integrity_check, the JSON
# lines are whole, and a new pipeline opens the same store and appends, first
# recording how many events the killed run accepted and never wrote
# (sensor.events_lost).
#
# The helper prints "committed ID" after each batch the back end committed;
# ids start at 1 and have no gaps, so "every committed event is there" is
# "count(id <= last printed) == last printed".
. "$KARAKURI_SRC/tests/e2e/lib.sh"

burst="$KARAKURI_BUILD/tests/e2e/helpers_store/event_burst"
[[ -x "$burst" ]] || e2e_fail "helper not built: $burst"
command -v sqlite3 >/dev/null || e2e_fail "sqlite3 not installed (apt-get install sqlite3)"
command -v jq >/dev/null || e2e_fail "jq not installed (apt-get install jq)"

dir="$E2E_TMP/var"
db="$dir/karakuri.db"
out="$E2E_TMP/burst.out"

# The last id the helper reported committed (0 before the first).
last_committed() { awk '$1 == "committed" { v = $2 } END { print v + 0 }' "$out"; }
committed_at_least() { (($(last_committed) >= $1)); }

"$burst" "$dir" >"$out" 2>"$E2E_TMP/burst.log" &
pid=$!
e2e_defer "kill -KILL $pid 2>/dev/null; wait $pid 2>/dev/null"

e2e_wait_for 20 committed_at_least 10000 || e2e_fail "fewer than 10000 events committed in 20 s"
# Mid-burst: let a few more batches go by so the kill lands during writes.
start=$(last_committed)
e2e_wait_for 10 committed_at_least $((start + 2000)) || e2e_fail "the burst stalled at $start"
kill -0 "$pid" || e2e_fail "the helper exited by itself: $(tail -n 3 "$E2E_TMP/burst.log")"
kill -KILL "$pid"
wait "$pid" 2>/dev/null || true
last=$(last_committed)
# Accepted by the killed run: at least what its last stats line counted.
emitted=$(awk '$1 == "stats" { for (i = 2; i <= NF; i++) if ($i ~ /^emitted=/) { sub("emitted=", "", $i); v = $i } } END { print v + 0 }' "$out")
e2e_log "killed after $last committed events"

e2e_assert_eq ok "$(sqlite3 "$db" 'PRAGMA integrity_check')" "integrity_check after SIGKILL"
have=$(sqlite3 "$db" "SELECT count(*) FROM events WHERE id <= $last")
e2e_assert_eq "$last" "$have" "committed events present after SIGKILL"
read -r count max < <(sqlite3 -separator ' ' "$db" 'SELECT count(*), max(id) FROM events')
e2e_assert_eq "$max" "$count" "ids without gaps"
e2e_assert_ge "$count" "$last" "rows after SIGKILL"

# The JSON lines: whole lines parse; only the very last may be cut short.
json="$dir/karakuri.json"
if [[ -s "$json" && "$(tail -c 1 "$json" | od -An -c | tr -d ' ')" != '\n' ]]; then
  e2e_log "karakuri.json ends in a partial line (expected after SIGKILL mid-write)"
fi
head -n "$(wc -l <"$json")" "$json" | jq -c . >/dev/null || e2e_fail "karakuri.json has a broken line"

# A new pipeline opens the store and appends after what is there.
"$burst" --count 1000 "$dir" >"$E2E_TMP/again.out" 2>"$E2E_TMP/again.log" ||
  e2e_fail "a new pipeline could not append: $(tail -n 3 "$E2E_TMP/again.log")"
# The 1000, and the new run's sensor.events_lost when the kill lost any.
nlost=$(sqlite3 "$db" "SELECT count(*) FROM events WHERE type = 'sensor.events_lost'")
grep -q "^final .*committed=$((1000 + nlost)) .*failed_writes=0 " "$E2E_TMP/again.out" ||
  e2e_fail "second run: $(tail -n 1 "$E2E_TMP/again.out")"
e2e_assert_eq ok "$(sqlite3 "$db" 'PRAGMA integrity_check')" "integrity_check after appending"
read -r count2 max2 < <(sqlite3 -separator ' ' "$db" 'SELECT count(*), max(id) FROM events')
e2e_assert_eq $((count + 1000 + nlost)) "$count2" "rows after appending"
lost=$(sqlite3 "$db" "SELECT coalesce(sum(json_extract(data, '\$.lost')), 0) FROM events WHERE type = 'sensor.events_lost'")
((nlost <= 1)) || e2e_fail "$nlost sensor.events_lost for one kill"
e2e_log "the killed run: $emitted accepted at its last stats line, $count written, $lost lost"
e2e_assert_ge $((count + lost)) "$emitted" "written + lost against accepted"
((lost <= 65536 + 1024)) || e2e_fail "$lost lost: more than the queue holds"
e2e_assert_eq "$max2" "$count2" "ids without gaps after appending"
# Every line of the JSON lines parses now: a partial line was cut off.
jq -c . "$json" >/dev/null || e2e_fail "karakuri.json has a broken line after the restart"
e2e_log "ok: $last committed before SIGKILL, all present; $count2 rows after the restart"
