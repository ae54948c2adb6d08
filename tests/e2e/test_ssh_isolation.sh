#!/usr/bin/env bash
# A session process holds nothing of the daemon's (issue 11, H1): forked by
# the zygote, it maps no capture ring, BPF object or store; its stdio is
# /dev/null, it has its own session and no terminal, an empty network
# namespace, a seccomp filter with no_new_privs, a uid no other session has,
# and only the descriptors it needs. Logins still work (the daemon hands it
# the gateway connection). If the zygote dies, the daemon says so and refuses
# connections.
. "$KARAKURI_SRC/tests/e2e/lib.sh"
e2e_start_ssh_frontend 10.232.0.0/16
as() { e2e_as_attacker sshpass -p "$1" "${@:2}"; }

zygote=$(ps -o pid= --ppid "$KK_PID" | head -n 1 | tr -d ' ' || true)
[[ -n "$zygote" ]] || e2e_fail "no zygote under karakuri run"
for i in 1 2; do
  as 'S3cret!' ssh "${SSHO[@]}" -p $port mallory@"$ATT_HOST_IP" 'echo in; sleep 60' >"$E2E_TMP/s$i.out" 2>/dev/null &
  e2e_defer "kill $! 2>/dev/null"
done
two_in() { [[ $(grep -l '^in$' "$E2E_TMP"/s[12].out 2>/dev/null | wc -l) == 2 ]]; }
e2e_wait_for 90 two_in || e2e_fail "the two logins did not get a shell"
mapfile -t kids < <(ps -o pid= --ppid "$zygote" | tr -d ' ')
e2e_assert_eq 2 "${#kids[@]}" "session processes under the zygote"

host_net=$(readlink /proc/self/ns/net)
uids=()
for pid in "${kids[@]}"; do
  maps=$(cat "/proc/$pid/maps")
  if grep -E 'socket:|anon_inode|bpf-|-shm$|\.db$' <<<"$maps"; then
    e2e_fail "session $pid maps something of the daemon's"
  fi
  for fd in 0 1 2; do
    e2e_assert_eq /dev/null "$(readlink "/proc/$pid/fd/$fd")" "session $pid fd $fd"
  done
  read -r sid tty < <(ps -o sid=,tty= -p "$pid")
  [[ "$sid" == "$pid" || "$sid" == "$zygote" ]] || e2e_fail "session $pid is in session $sid"
  e2e_assert_eq "?" "$tty" "session $pid has no terminal"
  [[ "$(readlink "/proc/$pid/ns/net")" != "$host_net" ]] || e2e_fail "session $pid is in the host's network namespace"
  grep -q '^Seccomp:[[:space:]]*2' "/proc/$pid/status" || e2e_fail "session $pid: no seccomp filter"
  grep -q '^NoNewPrivs:[[:space:]]*1' "/proc/$pid/status" || e2e_fail "session $pid: no no_new_privs"
  # Every thread is filtered, not only the main one.
  for t in /proc/$pid/task/*; do
    grep -q '^Seccomp:[[:space:]]*2' "$t/status" || e2e_fail "thread $t: no seccomp filter"
  done
  uid=$(awk '/^Uid:/ {print $2}' "/proc/$pid/status")
  ((uid >= 0x7f000000)) || e2e_fail "session $pid runs as uid $uid"
  uids+=("$uid")
  # Only what it needs: stdio, the client, the monitor, the shim's pair and
  # the gateway connection; nothing but sockets besides /dev/null.
  fds=$(ls "/proc/$pid/fd" | wc -l)
  ((fds <= 8)) || e2e_fail "session $pid holds $fds descriptors: $(ls -l "/proc/$pid/fd")"
  for f in /proc/$pid/fd/*; do
    l=$(readlink "$f")
    [[ "$l" == /dev/null || "$l" == socket:* ]] || e2e_fail "session $pid holds $l"
  done
done
[[ "${uids[0]}" != "${uids[1]}" ]] || e2e_fail "two sessions share uid ${uids[0]}"
# The zygote itself: stdio on /dev/null, its own session, no threads.
e2e_assert_eq /dev/null "$(readlink "/proc/$zygote/fd/2")" "zygote's stderr"
e2e_assert_eq 1 "$(awk '/^Threads:/ {print $2}' "/proc/$zygote/status")" "zygote threads"
if grep -E 'socket:|anon_inode|bpf-|-shm$|\.db$' "/proc/$zygote/maps"; then
  e2e_fail "the zygote maps something of the daemon's"
fi

# A zygote that dies takes its sessions along; the daemon says so and turns
# connections away instead of serving them from anywhere else.
kill -KILL "$zygote"
e2e_wait_for 10 grep -q "session zygote died" "$E2E_TMP/karakuri.log" || e2e_fail "the zygote's death is not said"
e2e_as_attacker bash -c "exec 3<>/dev/tcp/$ATT_HOST_IP/$port; sleep 1" || true
refused() { "$KARAKURI" -c "$conf" events --json --type session.connect | grep -q 'session zygote down'; }
e2e_wait_for 10 refused || e2e_fail "a connection after the zygote died is not refused"
kill -0 "$KK_PID" || e2e_fail "the daemon died with the zygote"

kill -TERM "$KK_PID"
wait "$KK_PID" || e2e_fail "run did not exit 0"
for pid in "${kids[@]}" "$zygote"; do
  [[ ! -e /proc/$pid ]] || e2e_fail "$pid outlived karakuri run"
done
ev() { "$KARAKURI" -c "$conf" events --json --type "$1"; }
e2e_assert_eq 2 "$(ev login.success | jq -s length)" "two logins"
e2e_assert_eq "$(ev session.connect | jq -s 'map(select(.refused == null)) | length')" \
  "$(ev session.closed | jq -s length)" "every session closed in the record"
e2e_log "ok"
