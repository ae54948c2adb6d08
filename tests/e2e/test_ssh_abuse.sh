#!/usr/bin/env bash
# The SSH front end under abuse, from an attacker namespace: hydra with 16
# tasks gets exactly the outcomes the credential policy says, every attempt
# recorded; 1,000 idle connections are capped and leave the daemon healthy;
# the login grace time ends idle unauthenticated connections but not
# sessions; a client killed mid-session has its session closed in the record.
. "$KARAKURI_SRC/tests/e2e/lib.sh"
command -v hydra >/dev/null || e2e_fail "hydra not installed (apt-get install hydra)"
userdb="$E2E_TMP/userdb.txt"
printf '# admin with one password only; root never\nadmin:x:letmein\n' >"$userdb"
e2e_start_ssh_frontend 10.219.0.0/16 "auth = list:$userdb
max_unauth_per_source = 64
login_grace = 4s"

# The honeynet made and its decoy pool filled first: their start-up (key
# generation in four containers) would otherwise compete with hydra's 16
# key exchanges for the CPU, and hydra gives up on slow ones.
e2e_as_attacker sshpass -p letmein ssh "${SSHO[@]}" -p $port admin@"$ATT_HOST_IP" true || e2e_fail "first login"
pool_ready() {
  [[ $(e2e_containers karakuri.pool | wc -l) -ge 3 ]]
}
e2e_wait_for 90 pool_ready || e2e_fail "the decoy pool did not fill"

# hydra: 3 users x 4 passwords, 16 tasks.
printf 'root\nadmin\nguest\n' >"$E2E_TMP/users"
printf '123456\nletmein\npassword\ntoor\n' >"$E2E_TMP/passwords"
e2e_as_attacker hydra -t 16 -L "$E2E_TMP/users" -P "$E2E_TMP/passwords" -s $port -o "$E2E_TMP/hydra.out" \
  ssh://"$ATT_HOST_IP" >"$E2E_TMP/hydra.log" 2>&1 || true
found=$(grep -c 'login: ' "$E2E_TMP/hydra.out" || true)
e2e_assert_eq 1 "$found" "hydra found exactly one login ($(cat "$E2E_TMP/hydra.out"))"
grep -q 'login: admin *password: letmein' "$E2E_TMP/hydra.out" || e2e_fail "hydra's find: $(cat "$E2E_TMP/hydra.out")"

# 1,000 idle connections at once: capped, then gone, and the daemon serves on.
e2e_as_attacker python3 - "$ATT_HOST_IP" "$port" <<'PY'
import resource, socket, sys, time
resource.setrlimit(resource.RLIMIT_NOFILE, (4096, 4096))
socks = []
for _ in range(1000):
    s = socket.socket()
    s.setblocking(False)
    try:
        s.connect((sys.argv[1], int(sys.argv[2])))
    except BlockingIOError:
        pass
    socks.append(s)
time.sleep(5)
for s in socks:
    s.close()
PY
kill -0 "$KK_PID" || e2e_fail "the daemon died under 1,000 connections"
out=$(e2e_as_attacker sshpass -p letmein ssh "${SSHO[@]}" -p $port admin@"$ATT_HOST_IP" 'echo alive' 2>/dev/null || true)
e2e_assert_eq alive "$out" "a login after the flood"

# The login grace time ends a connection that does not log in, and only
# those: a session outlives it.
out=$(e2e_as_attacker sshpass -p letmein ssh "${SSHO[@]}" -p $port admin@"$ATT_HOST_IP" 'sleep 6; echo done' 2>/dev/null || true)
e2e_assert_eq done "$out" "a session longer than the login grace time"
e2e_as_attacker bash -c "exec 3<>/dev/tcp/$ATT_HOST_IP/$port; printf 'SSH-2.0-slow\r\n' >&3; timeout 15 cat <&3 >/dev/null" || true
e2e_wait_for 10 sh -c "'$KARAKURI' -c '$conf' events --json --type session.closed | grep -q 'login grace time over'" ||
  e2e_fail "an idle unauthenticated connection outlived the login grace time"

# A client killed in the middle of its session.
e2e_as_attacker sshpass -p letmein ssh "${SSHO[@]}" -p $port admin@"$ATT_HOST_IP" 'sleep 60' >/dev/null 2>&1 &
victim=$!
e2e_defer "kill -KILL $victim 2>/dev/null"
e2e_wait_for 20 sh -c "'$KARAKURI' -c '$conf' events --json --type command.exec | grep -q 'sleep 60'" ||
  e2e_fail "the long command did not start"
# The ssh client itself (not the shell around it), found by PID in the namespace.
for p in $(ip netns pids "$ATT_NS"); do
  [[ "$(cat "/proc/$p/comm" 2>/dev/null)" == ssh ]] && kill -KILL "$p"
done
sid=$("$KARAKURI" -c "$conf" events --json --type command.exec | jq -rs 'map(select(.command=="sleep 60")) | .[0].session')
e2e_wait_for 20 sh -c "'$KARAKURI' -c '$conf' events --json --type session.closed | grep -q '$sid'" ||
  e2e_fail "the killed client's session was not closed"

kill -TERM "$KK_PID"
wait "$KK_PID" || e2e_fail "run did not exit 0"
ev() { "$KARAKURI" -c "$conf" events --json --type "$1"; }
ev login.success | jq -se 'length >= 1 and all(.[]; .username=="admin" and .password=="letmein")' >/dev/null ||
  e2e_fail "a login the policy forbids was accepted"
ev login.failed | jq -se 'any(.[]; .username=="root" and .reason=="root")' >/dev/null || e2e_fail "root attempts not recorded"
attempts=$(( $(ev login.failed | jq -s length) + $(ev login.success | jq -s length) ))
e2e_assert_ge "$attempts" 9 "attempts recorded"
refused=$(ev session.connect | jq -s 'map(select(.refused != null)) | length')
e2e_assert_ge "$refused" 800 "connections refused over the limits"
connects=$(ev session.connect | jq -s 'map(select(.refused == null)) | length')
e2e_assert_eq "$connects" "$(ev session.closed | jq -s length)" "every accepted connection closed"
e2e_log "ok ($attempts attempts, $refused refused)"
