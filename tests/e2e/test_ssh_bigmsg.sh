#!/usr/bin/env bash
# What would not fit in one monitor message (64 KiB) no longer ends the
# session: a 100 KB exec command runs and is recorded cut (truncated), a
# 200 KB line typed into a shell and a 200 KB line it prints reach the tty
# log whole, and the session goes on to its own end.
. "$KARAKURI_SRC/tests/e2e/lib.sh"
e2e_start_ssh_frontend 10.241.0.0/16
as() { e2e_as_attacker sshpass -p 'S3cret!' "$@"; }
big=$(head -c 200000 /dev/zero | tr '\0' x)

# An exec request of 100 KB (its event alone was 133 KB in base64; the
# gateway's bash -c takes no argument over 128 KiB).
half=${big:0:100000}
out=$(as ssh "${SSHO[@]}" -p $port mallory@"$ATT_HOST_IP" ": $half; echo exec-\$((6*7))" 2>"$E2E_TMP/exec.err" || true)
[[ "$out" == exec-42 ]] || e2e_fail "the long exec: $(tail -c 300 "$E2E_TMP/exec.err")"
e2e_assert_eq exec-42 "$out" "the long exec ran"

# A shell on a pty: one line of 200 KB typed, one printed.
printf 'stty -echo; head -c 200000 /dev/zero | tr "\\0" y; echo; sleep 2; echo after-$((6*7)); exit 3\n%s\n' "$big" |
  as ssh "${SSHO[@]}" -tt -p $port mallory@"$ATT_HOST_IP" >"$E2E_TMP/tty.out" 2>&1 && rc=0 || rc=$?
e2e_assert_eq 3 "$rc" "the shell's own exit status"
grep -q "after-42" "$E2E_TMP/tty.out" || e2e_fail "the shell did not go on"

kill -TERM "$KK_PID"
wait "$KK_PID" || e2e_fail "run did not exit 0"
ev() { "$KARAKURI" -c "$conf" events --json --type "$1"; }
ev command.exec | jq -se 'any(.[]; .truncated == true and (.command | length) == 16384 and (.command | startswith(": xxx")))' >/dev/null ||
  e2e_fail "the long command is not recorded cut: $(ev command.exec | head -c 300)"
ev session.closed | jq -se 'all(.[]; .reason != "protocol error from the session process")' >/dev/null ||
  e2e_fail "a session ended in a protocol error"
sha=$(ev tty.log | jq -rs '.[0].artifact')
log="$E2E_TMP/var/artifacts/$sha"
[[ -f "$log" ]] || e2e_fail "tty log artifact missing"
typed=$(tail -n +2 "$log" | jq -r 'select(.[1] == "i") | .[2]' | tr -cd x | wc -c)
shown=$(tail -n +2 "$log" | jq -r 'select(.[1] == "o") | .[2]' | tr -cd y | wc -c)
[[ $typed -ge 200000 ]] || e2e_fail "the typed line is not in the tty log whole ($typed bytes)"
[[ $shown -ge 200000 ]] || e2e_fail "the printed line is not in the tty log whole ($shown bytes)"
e2e_log "ok (typed $typed, shown $shown)"
