#!/usr/bin/env bash
# A store whose file system is nearly full (a 200 MiB tmpfs: less than the
# 256 MiB a recording leaves free) records no terminal bytes, and says so:
# the session's tty.log is truncated (truncated_by disk) with the bytes it did
# not log, rather than silently short. Its events are all stored.
. "$KARAKURI_SRC/tests/e2e/lib.sh"
mkdir -p "$E2E_TMP/var"
mount -t tmpfs -o size=200m,mode=0750 kk-tty-budget "$E2E_TMP/var" || e2e_fail "mounting a tmpfs"
e2e_defer "umount -l '$E2E_TMP/var'"
e2e_start_ssh_frontend 10.231.0.0/16 "[honeynet]
responder = no"

login() { e2e_as_attacker sshpass -p pw ssh "${SSHO[@]}" -p $port eve@"$ATT_HOST_IP" "$@"; }
ev() { "$KARAKURI" -c "$conf" events --json --type "$1"; }
out=$(login -tt "echo tty-budget-\$((6 * 7)); seq 2000" </dev/null 2>&1) || true
e2e_assert_contains "$out" "tty-budget-42" "the session's output"
logged() { [[ -n "$(ev tty.log)" ]]; }
e2e_wait_for 15 logged || e2e_fail "no tty.log"
t=$(ev tty.log | head -n 1)
e2e_log "tty.log: $t"
jq -e '.truncated == true and .truncated_by == "disk" and .bytes_not_logged > 8000' <<<"$t" >/dev/null ||
  e2e_fail "the tty.log does not say what it did not log: $t"
ev command.exec | jq -se 'any(.[]; .command | startswith("echo tty-budget"))' >/dev/null ||
  e2e_fail "no command.exec"
ls "$E2E_TMP"/var/spool/tty/*.cast >/dev/null 2>&1 && e2e_fail "spool files left after the session"
e2e_log "ok"
