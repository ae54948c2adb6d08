#!/usr/bin/env bash
# The PostgreSQL store ([store] url) against a cluster of the test's own, no
# Docker needed: the real event pipeline (helpers_store/event_burst) writes
# its local SQLite spool and forwards it.
# - `karakuri events` and `sessions` print the same from PostgreSQL as from
#   the local SQLite;
# - PostgreSQL stopped for a few seconds mid-run and started again: every
#   event there exactly once, in order;
# - kill -9 of the writer mid-run, then a new run: the same;
# - PostgreSQL frozen (SIGSTOP): stopping is bounded; thawed, nothing lost;
# - a second sensor (its own state dir and name) into the same database: both
#   sensors' events visible once, from either sensor's configuration;
# - a third state directory under a sensor name already taken is refused;
# - a database newer than the binary is refused, by readers and by `karakuri
#   store migrate`; `karakuri store migrate` on a current one is a no-op;
# - karakuri check reports the connection and the schema version.
. "$KARAKURI_SRC/tests/e2e/lib.sh"
. "$KARAKURI_SRC/tests/e2e/pg.sh"

burst="$KARAKURI_BUILD/tests/e2e/helpers_store/event_burst"
[[ -x "$burst" ]] || e2e_fail "helper not built: $burst"
command -v sqlite3 >/dev/null || e2e_fail "sqlite3 not installed (apt-get install sqlite3)"
e2e_pg_start

conf() { # NAME SENSOR [url]: a config with state in $E2E_TMP/NAME
  local f="$E2E_TMP/$1${3:+-pg}.conf"
  printf '[karakuri]\nsensor = %s\n[store]\ndir = %s\n' "$2" "$E2E_TMP/$1" >"$f"
  [[ -z "${3:-}" ]] || printf 'url = %s\n' "$3" >>"$f"
  echo "$f"
}
a_pg=$(conf a sensor-a "$PG_URL")
a_local=$(conf a sensor-a)
b_pg=$(conf b sensor-b "$PG_URL")

local_count() { sqlite3 "$E2E_TMP/$1/karakuri.db" 'SELECT count(*) FROM events'; }
pg_count() { e2e_psql "SELECT count(*) FROM events WHERE sensor = '$1'"; }
# Every local row of state dir $1 is in PostgreSQL once, as sensor $2, with
# the same data, and nothing else of that sensor is.
same_rows() {
  sqlite3 "$E2E_TMP/$1/karakuri.db" 'SELECT id, data FROM events ORDER BY id' >"$E2E_TMP/$1.local"
  e2e_psql "SELECT seq, data FROM events WHERE sensor = '$2' ORDER BY id" >"$E2E_TMP/$1.pg"
  cmp -s "$E2E_TMP/$1.local" "$E2E_TMP/$1.pg"
}
forwarded() { awk '{ for (i = 2; i <= NF; i++) if ($i ~ /^forwarded=/) { sub("forwarded=", "", $i); v = $i } } END { print v + 0 }' "$1"; }
caught_up() { (($(pg_count "$2") == $(local_count "$1"))); }

# 1. PostgreSQL away for a few seconds in the middle of a run.
out="$E2E_TMP/a1.out"
"$burst" --rate 2000 --count 12000 --url "$PG_URL" --sensor sensor-a "$E2E_TMP/a" \
  >"$out" 2>"$E2E_TMP/a1.log" &
pid=$!
e2e_defer "kill -KILL $pid 2>/dev/null; wait $pid 2>/dev/null"
at_least() { (($(pg_count sensor-a) >= $1)); }
e2e_wait_for 20 at_least 1000 || e2e_fail "nothing forwarded in 20 s: $(tail -n 3 "$E2E_TMP/a1.log")"
e2e_pg_stop
e2e_log "postgresql stopped"
sleep 3
e2e_pg_start_again
e2e_log "postgresql started again"
wait "$pid" || e2e_fail "the burst failed: $(tail -n 3 "$E2E_TMP/a1.log")"
grep -q 'forward_failing=1' "$out" || e2e_log "(no stats line caught the outage)"
e2e_wait_for 10 caught_up a sensor-a ||
  e2e_fail "not everything forwarded: $(pg_count sensor-a) of $(local_count a)"
same_rows a sensor-a || e2e_fail "PostgreSQL's rows differ from the spool's after an outage"
e2e_assert_ge "$(local_count a)" 12000 "events in the spool"
n=$(e2e_psql "SELECT count(*) FROM events WHERE sensor = 'sensor-a' AND type = 'sensor.store_failed'")
e2e_assert_ge "$n" 1 "sensor.store_failed recorded for the outage"
e2e_log "outage: $(pg_count sensor-a) events, each once"

# 2. The CLI prints the same from either store.
for cmd in "events" "events --json" "events --type login" "sessions" "sessions --json" "session s-7" \
  "export --format cowrie"; do
  # shellcheck disable=SC2086
  "$KARAKURI" -c "$a_local" $cmd >"$E2E_TMP/cli.local" 2>"$E2E_TMP/cli.local.err" ||
    e2e_fail "karakuri $cmd (sqlite): $(cat "$E2E_TMP/cli.local.err")"
  # shellcheck disable=SC2086
  "$KARAKURI" -c "$a_pg" $cmd >"$E2E_TMP/cli.pg" 2>"$E2E_TMP/cli.pg.err" ||
    e2e_fail "karakuri $cmd (postgresql): $(cat "$E2E_TMP/cli.pg.err")"
  [[ -s "$E2E_TMP/cli.local" ]] || e2e_fail "karakuri $cmd printed nothing"
  cmp -s "$E2E_TMP/cli.local" "$E2E_TMP/cli.pg" ||
    e2e_fail "karakuri $cmd differs between sqlite and postgresql: $(diff "$E2E_TMP/cli.local" "$E2E_TMP/cli.pg" | head -n 5)"
done
grep -q '^url = ' "$a_pg" && ! grep -q '^url = ' "$a_local" || e2e_fail "the configs are mixed up"
e2e_log "events, sessions, session, export: the same from both stores"

# 3. kill -9 in the middle of a run, then a new run.
out="$E2E_TMP/a2.out"
"$burst" --url "$PG_URL" --sensor sensor-a "$E2E_TMP/a" >"$out" 2>"$E2E_TMP/a2.log" &
pid=$!
e2e_defer "kill -KILL $pid 2>/dev/null; wait $pid 2>/dev/null"
start=$(pg_count sensor-a)
e2e_wait_for 20 at_least $((start + 20000)) || e2e_fail "the second burst stalled"
kill -KILL "$pid"
wait "$pid" 2>/dev/null || true
e2e_log "killed with $(pg_count sensor-a) forwarded of $(local_count a)"
"$burst" --count 500 --url "$PG_URL" --sensor sensor-a "$E2E_TMP/a" >"$E2E_TMP/a3.out" \
  2>"$E2E_TMP/a3.log" || e2e_fail "the run after kill -9 failed: $(tail -n 3 "$E2E_TMP/a3.log")"
e2e_wait_for 20 caught_up a sensor-a ||
  e2e_fail "not everything forwarded after kill -9: $(pg_count sensor-a) of $(local_count a)"
same_rows a sensor-a || e2e_fail "PostgreSQL's rows differ from the spool's after kill -9"
e2e_log "kill -9: $(pg_count sensor-a) events, each once"

# A server that stops answering (frozen with SIGSTOP, connections open):
# stopping the writer takes its stop timeout plus the forwarder's I/O timeout
# at most, not for ever; thawed, the next run ships what was left.
out="$E2E_TMP/a4.out"
"$burst" --rate 500 --url "$PG_URL" --sensor sensor-a "$E2E_TMP/a" >"$out" 2>"$E2E_TMP/a4.log" &
pid=$!
e2e_defer "kill -KILL $pid 2>/dev/null; wait $pid 2>/dev/null"
start=$(pg_count sensor-a)
e2e_wait_for 20 at_least $((start + 500)) || e2e_fail "the third burst stalled"
pids=$(e2e_pg_pids)
e2e_defer "kill -CONT $pids 2>/dev/null"
# shellcheck disable=SC2086
kill -STOP $pids
sleep 2
t0=$SECONDS
kill -TERM "$pid"
wait "$pid" 2>/dev/null || true
e2e_assert_ge 20 $((SECONDS - t0)) "seconds to stop with the server frozen"
# shellcheck disable=SC2086
kill -CONT $pids
e2e_log "stopped in $((SECONDS - t0)) s with the server frozen"
"$burst" --count 10 --url "$PG_URL" --sensor sensor-a "$E2E_TMP/a" >/dev/null 2>"$E2E_TMP/a5.log" ||
  e2e_fail "the run after the freeze failed: $(tail -n 3 "$E2E_TMP/a5.log")"
e2e_wait_for 20 caught_up a sensor-a ||
  e2e_fail "not everything forwarded after the freeze: $(pg_count sensor-a) of $(local_count a)"
same_rows a sensor-a || e2e_fail "PostgreSQL's rows differ from the spool's after the freeze"

# 4. A second sensor into the same database, followed from the first.
"$KARAKURI" -c "$a_pg" events --follow --json >"$E2E_TMP/follow.out" 2>"$E2E_TMP/follow.log" &
fpid=$!
e2e_defer "kill -TERM $fpid 2>/dev/null; wait $fpid 2>/dev/null"
"$burst" --count 700 --url "$PG_URL" --sensor sensor-b "$E2E_TMP/b" >"$E2E_TMP/b.out" \
  2>"$E2E_TMP/b.log" || e2e_fail "sensor-b failed: $(tail -n 3 "$E2E_TMP/b.log")"
e2e_wait_for 10 caught_up b sensor-b || e2e_fail "sensor-b not forwarded"
same_rows b sensor-b || e2e_fail "sensor-b's rows differ from its spool's"
total=$(($(local_count a) + $(local_count b)))
"$KARAKURI" -c "$a_pg" events --json >"$E2E_TMP/all.a"
"$KARAKURI" -c "$b_pg" events --json >"$E2E_TMP/all.b"
e2e_assert_eq "$total" "$(wc -l <"$E2E_TMP/all.a")" "events of both sensors seen from sensor-a"
cmp -s "$E2E_TMP/all.a" "$E2E_TMP/all.b" || e2e_fail "sensor-a and sensor-b see different events"
e2e_assert_eq 2 "$(jq -r .sensor "$E2E_TMP/all.a" | sort -u | wc -l)" "sensors in the events"
e2e_assert_eq 0 "$(e2e_psql 'SELECT count(*) FROM (SELECT sensor, seq FROM events GROUP BY 1, 2 HAVING count(*) > 1) d')" \
  "duplicate (sensor, seq)"
followed() { (($(wc -l <"$E2E_TMP/follow.out") >= total)); }
e2e_wait_for 20 followed || e2e_fail "events --follow saw $(wc -l <"$E2E_TMP/follow.out") of $total"
kill -TERM "$fpid"
wait "$fpid" 2>/dev/null || true
cmp -s "$E2E_TMP/follow.out" "$E2E_TMP/all.a" || e2e_fail "events --follow printed other events than events"
e2e_log "two sensors: $total events, visible from either, and to events --follow"

# A third state directory under a name already taken: refused, nothing of
# it stored (rather than its events taken for sensor-a's and dropped).
before=$(pg_count sensor-a)
"$burst" --count 50 --url "$PG_URL" --sensor sensor-a "$E2E_TMP/c" >"$E2E_TMP/c.out" 2>"$E2E_TMP/c.log" ||
  e2e_fail "the third run failed: $(tail -n 3 "$E2E_TMP/c.log")"
grep -q "belongs to another state directory" "$E2E_TMP/c.log" ||
  e2e_fail "a second directory under sensor-a's name was not refused: $(tail -n 3 "$E2E_TMP/c.log")"
e2e_assert_eq "$before" "$(pg_count sensor-a)" "sensor-a's events after a namesake's run"
e2e_log "a second state directory under a taken sensor name: refused"

# 5. karakuri check says where and which schema (other items may fail here).
out=$("$KARAKURI" -c "$a_pg" check 2>&1 || true)
e2e_assert_contains "$out" "karakuri@127.0.0.1:$PG_PORT/karakuri, schema version 1" "check: postgresql"

# 6. Schema versions.
out=$("$KARAKURI" -c "$a_pg" store migrate)
e2e_assert_contains "$out" "up to date" "store migrate on a current schema"
e2e_psql 'INSERT INTO schema_version(version) VALUES (99)'
if "$KARAKURI" -c "$a_pg" events >/dev/null 2>"$E2E_TMP/newer.err"; then
  e2e_fail "events read a database newer than the binary"
fi
e2e_assert_contains "$(cat "$E2E_TMP/newer.err")" "newer than this karakuri" "a newer schema refused"
if "$KARAKURI" -c "$a_pg" store migrate 2>"$E2E_TMP/newer.err"; then
  e2e_fail "store migrate accepted a database newer than the binary"
fi
e2e_assert_contains "$(cat "$E2E_TMP/newer.err")" "newer than this karakuri" "migrate refuses it"
e2e_psql 'DELETE FROM schema_version WHERE version = 99'
e2e_log "schema: migrate is a no-op when current; a newer database is refused"
