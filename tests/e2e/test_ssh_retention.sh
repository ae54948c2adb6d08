#!/usr/bin/env bash
# A source that comes back after karakuri restarted, within [honeynet]
# retention, finds its honeynet as it left it: same gateway, same files, same
# host key; `karakuri cleanup` still removes everything.
. "$KARAKURI_SRC/tests/e2e/lib.sh"
e2e_start_ssh_frontend 10.222.0.0/16

# The ed25519 host key the front end shows; retried, as a slow (ASan) start
# can miss ssh-keyscan's time limit.
hostkey() {
  local k=""
  for _ in 1 2 3 4 5; do
    k=$(e2e_as_attacker ssh-keyscan -T 10 -p $port -t ed25519 "$ATT_HOST_IP" 2>/dev/null | awk '{print $3}' || true)
    [[ -n "$k" ]] && break
    sleep 1
  done
  echo "$k"
}
login() { e2e_as_attacker sshpass -p pw ssh "${SSHO[@]}" -p $port frank@"$ATT_HOST_IP" "$1" 2>/dev/null; }
login 'echo left-here > mark' || e2e_fail "first login"
key1=$(hostkey)

kill -TERM "$KK_PID"
wait "$KK_PID" || e2e_fail "run did not exit 0"
e2e_start_karakuri "$conf"
e2e_wait_for 10 grep -q "SSH front end listening" "$E2E_TMP/karakuri.log" || e2e_fail "no restart"
grep -q "kept 1 honeynet containers" "$E2E_TMP/karakuri.log" || e2e_fail "start-up cleanup: $(cat "$E2E_TMP/karakuri.log")"

e2e_assert_eq left-here "$(login 'cat mark')" "the file after a restart"
key2=$(hostkey)
[[ -n "$key1" && "$key1" == "$key2" ]] || e2e_fail "the host key changed across the restart ('$key1' vs '$key2')"
kill -TERM "$KK_PID"
wait "$KK_PID" || e2e_fail "run did not exit 0"
e2e_assert_eq 1 "$("$KARAKURI" -c "$conf" events --json --type lan.honeynet_created | jq -s length)" \
  "the honeynet was made once"

"$KARAKURI" -c "$conf" cleanup >/dev/null || e2e_fail "cleanup"
n=$(e2e_api GET "/containers/json?all=1&filters=$(jq -rn '{"label":["karakuri.honeynet"]}|tostring|@uri')" | jq length)
e2e_assert_eq 0 "$n" "cleanup removes kept honeynets too"
e2e_log "ok"
