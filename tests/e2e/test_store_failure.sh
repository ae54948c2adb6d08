#!/usr/bin/env bash
# Storage failures while events flow: the store reports them (failed writes,
# drops, the last error), the process keeps running, nothing already
# committed is lost, and writing resumes once the storage is back.
#
#  1. disk full: a 2 MiB tmpfs fills up; then it grows (remount,size=) and the
#     retried batches are committed.
#  2. read-only: the kernel refuses `mount -o remount,ro` while files are open
#     for writing (EBUSY), which a running store always has, so a read-only
#     tmpfs is mounted over the store directory instead: the writer's next
#     look at its paths finds them on a read-only file system (EROFS). After
#     the unmount every queued event is written; none is dropped.
#  3. the database is deleted under the writer: it starts a new one (moving
#     the old WAL aside) and goes on.
. "$KARAKURI_SRC/tests/e2e/lib.sh"

burst="$KARAKURI_BUILD/tests/e2e/helpers_store/event_burst"
[[ -x "$burst" ]] || e2e_fail "helper not built: $burst"
command -v sqlite3 >/dev/null || e2e_fail "sqlite3 not installed (apt-get install sqlite3)"
command -v jq >/dev/null || e2e_fail "jq not installed (apt-get install jq)"
((EUID == 0)) || e2e_skip "needs root to mount a tmpfs"

mnt="$E2E_TMP/store"
mkdir -p "$mnt"
mount -t tmpfs -o size=2m,mode=0700 tmpfs "$mnt" || e2e_skip "cannot mount a tmpfs here"
e2e_defer "umount -l $mnt"

out=""
pid=""
# Starts the helper on store dir $1 with options $2...; output in $out.
start_burst() {
  local dir=$1 name
  shift
  name=$(basename "$dir")
  out="$E2E_TMP/$name.out"
  "$burst" "$@" "$dir" >"$out" 2>"$E2E_TMP/$name.log" &
  pid=$!
  e2e_defer "kill -KILL $pid 2>/dev/null; wait $pid 2>/dev/null"
}
last_committed() { awk '$1 == "committed" { v = $2 } END { print v + 0 }' "$out"; }
committed_at_least() { (($(last_committed) >= $1)); }
# A field of the last stats (or final) line.
stat_of() { awk -v k="$1" '$1 == "stats" || $1 == "final" { for (i = 2; i <= NF; i++) { split($i, kv, "="); if (kv[1] == k) v = kv[2] } } END { print v + 0 }' "$out"; }
stat_at_least() { (($(stat_of "$1") >= $2)); }
stat_is() { (($(stat_of "$1") == $2)); }
# SIGTERM, wait, and the exit status must be 0.
stop_burst() {
  kill -TERM "$pid"
  local rc=0
  wait "$pid" || rc=$?
  e2e_assert_eq 0 "$rc" "helper exit status ($(tail -n 2 "$E2E_TMP/$(basename "$1").log" | tr '\n' ' '))"
  grep -q '^final ' "$out" || e2e_fail "no final stats line"
}
db_check() { # dir
  e2e_assert_eq ok "$(sqlite3 "$1/karakuri.db" 'PRAGMA integrity_check')" "integrity_check in $1"
  local count max
  read -r count max < <(sqlite3 -separator ' ' "$1/karakuri.db" 'SELECT count(*), max(id) FROM events')
  e2e_assert_eq "$max" "$count" "ids without gaps in $1"
  jq -c . "$1/karakuri.json" >/dev/null || e2e_fail "$1/karakuri.json has a broken line"
  echo "$count"
}

# --- 1. disk full, then space again -----------------------------------------
full="$mnt/full"
start_burst "$full" --rate 20000 --queue 20000
e2e_wait_for 15 stat_at_least failed_writes 1 || e2e_fail "the full disk caused no failed write"
e2e_wait_for 15 stat_at_least dropped 1 || e2e_fail "a full queue dropped nothing"
kill -0 "$pid" || e2e_fail "the helper died on a full disk"
before=$(last_committed)
e2e_log "disk full: $before committed, $(stat_of failed_writes) failed writes, $(stat_of dropped) dropped"
grep -q 'last_error=.*full' "$out" || e2e_fail "the last error does not say the disk is full"
mount -o remount,size=64m "$mnt"
e2e_wait_for 15 committed_at_least $((before + 5000)) || e2e_fail "writes did not resume after space came back"
stop_burst "$full"
count=$(db_check "$full")
have=$(sqlite3 "$full/karakuri.db" "SELECT count(*) FROM events WHERE id <= $before")
e2e_assert_eq "$before" "$have" "events committed before the disk filled"
e2e_assert_eq "$(stat_of committed)" "$count" "rows = committed (final stats)"
e2e_log "disk full: ok, $count rows, $(stat_of dropped) dropped, $(stat_of failed_writes) failed writes"
rm -rf "$full"

# --- 2. read-only file system, then writable again ----------------------------
ro="$mnt/ro"
start_burst "$ro" --rate 5000 --queue 200000
e2e_wait_for 15 committed_at_least 2000 || e2e_fail "no events committed before going read-only"
mount -t tmpfs -o ro,size=1m tmpfs "$ro"
e2e_defer "umount -l $ro"
e2e_wait_for 15 stat_at_least failed_writes 2 || e2e_fail "the read-only file system caused no failed write"
sleep 1
kill -0 "$pid" || e2e_fail "the helper died on a read-only file system"
grep -q 'last_error=.*\(Read-only\|readonly\|unable to open\)' "$out" ||
  e2e_fail "the last error does not say why: $(grep '^stats' "$out" | tail -n 1)"
failed=$(stat_of failed_writes)
umount "$ro"
e2e_wait_for 15 stat_is failing 0 || e2e_fail "writes did not resume after the file system came back"
stop_burst "$ro"
count=$(db_check "$ro")
e2e_assert_eq 0 "$(stat_of dropped)" "events dropped while read-only (the queue had room)"
e2e_assert_eq 0 "$(stat_of abandoned)" "events given up while read-only"
e2e_assert_eq "$(stat_of emitted)" "$(stat_of committed)" "every emitted event committed"
e2e_assert_eq "$(stat_of committed)" "$count" "rows = committed"
e2e_assert_eq "$count" "$(wc -l <"$ro/karakuri.json")" "JSON lines = rows"
e2e_log "read-only: ok, $failed failed writes, then all $count events written"

# --- 3. the database is deleted under the writer ------------------------------
del="$mnt/del"
start_burst "$del" --rate 5000
e2e_wait_for 15 committed_at_least 2000 || e2e_fail "no events committed before the deletion"
rm -f "$del/karakuri.db"
e2e_wait_for 15 test -f "$del/karakuri.db" || e2e_fail "no new database after the deletion"
e2e_wait_for 15 bash -c "sqlite3 '$del/karakuri.db' 'SELECT count(*) >= 2000 FROM events' | grep -qx 1" ||
  e2e_fail "the new database does not fill"
kill -0 "$pid" || e2e_fail "the helper died when its database was deleted"
stop_burst "$del"
count=$(db_check "$del")
ls "$del"/karakuri.db-wal.orphan-* >/dev/null 2>&1 || e2e_log "(no WAL was left to move aside)"
e2e_log "deleted database: ok, the new one has $count rows"
