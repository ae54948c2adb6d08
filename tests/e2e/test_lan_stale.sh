#!/usr/bin/env bash
# Stale pool decoys: pool containers killed from outside (as a restarted
# engine or an operator would) leave pids behind that another process may
# hold by now. A claim must never act on them: the dead ones are dropped,
# a fresh decoy answers, nothing fails.
. "$KARAKURI_SRC/tests/e2e/lib.sh"
e2e_start_ssh_frontend 10.228.0.0/16 "[honeynet]
pool = 2"

login() { e2e_as_attacker sshpass -p pw ssh "${SSHO[@]}" -p $port eve@"$ATT_HOST_IP" "$@"; }
ev() { "$KARAKURI" -c "$conf" events --json --type "$1"; }
login true || e2e_fail "login"
hn=$("$KARAKURI" -c "$conf" hosts --json | jq -c --arg n "src-$ATT_IP" 'select(.honeynet == $n)')
target=$(jq -r '.hosts[0].ip' <<<"$hn")
pool_ready() { [[ $(e2e_containers karakuri.pool | wc -l) -ge 2 ]]; }
e2e_wait_for 60 pool_ready || e2e_fail "the pool did not fill"
killed=$(e2e_containers karakuri.pool)
for c in $killed; do docker kill "$c" >/dev/null || e2e_fail "docker kill $c"; done

login "for i in 1 2 3 4 5 6 7 8 9 10; do exec 3<>/dev/tcp/$target/22 && read -t 15 -r l <&3 && exit 0; sleep 1; done; exit 1" ||
  e2e_fail "connect to $target"
dc=$(ev lan.decoy_started | jq -r --arg t "$target" 'select(.ip == $t) | .container' | head -n 1)
[[ -n "$dc" ]] || e2e_fail "no decoy started for $target"
for c in $killed; do
  [[ "$dc" != "$c" ]] || e2e_fail "a killed pool decoy was claimed: $c"
done
failed=$(ev lan.decoy_stopped | jq -c 'select(.reason == "failed")')
[[ -z "$failed" ]] || e2e_fail "a claim acted on a dead decoy: $failed"
# The fresh decoy is really the one set up: its host name is the plan's.
want=$(jq -r '.hosts[0].hostname' <<<"$hn")
e2e_assert_eq "$want" "$(docker exec "$dc" hostname)" "the decoy's host name"
kill -0 "$KK_PID" || e2e_fail "karakuri died"
e2e_log "ok"
