#!/usr/bin/env bash
# With the Docker engine out of reach the SSH front end stays up: a login the
# policy accepts is refused as an overloaded server would refuse it, and the
# attempt is still recorded, with the reason.
. "$KARAKURI_SRC/tests/e2e/lib.sh"
e2e_start_ssh_frontend 10.220.0.0/16 "[docker]
host = unix://$E2E_TMP/no-docker.sock"

set +e
e2e_as_attacker sshpass -p secret ssh "${SSHO[@]}" -o NumberOfPasswordPrompts=1 -p $port carol@"$ATT_HOST_IP" true \
  2>"$E2E_TMP/carol.err"
rc=$?
set -e
[[ $rc -ne 0 ]] || e2e_fail "a login succeeded with no engine"
grep -q "Permission denied" "$E2E_TMP/carol.err" || e2e_fail "not refused like a failed login: $(cat "$E2E_TMP/carol.err")"
kill -0 "$KK_PID" || e2e_fail "the daemon died"
kill -TERM "$KK_PID"
wait "$KK_PID" || e2e_fail "run did not exit 0"
"$KARAKURI" -c "$conf" events --json --type login.failed |
  jq -se 'any(.[]; .username=="carol" and .password=="secret" and (.reason | contains("no-docker.sock")))' >/dev/null ||
  e2e_fail "the refused login is not recorded with its reason"
e2e_log "ok"
