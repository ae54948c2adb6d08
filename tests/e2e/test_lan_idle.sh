#!/usr/bin/env bash
# Idle decoys: one nobody talks to for [honeynet] decoy_idle has the files the
# intruder left extracted (file.changed with its address) and is stopped
# (lan.decoy_stopped, reason idle), then removed once [honeynet] retention
# has passed; coming back to the address finds a fresh decoy there.
. "$KARAKURI_SRC/tests/e2e/lib.sh"
e2e_start_ssh_frontend 10.227.0.0/16 "[honeynet]
pool = 1
decoy_idle = 5s
retention = 20s"

login() { e2e_as_attacker sshpass -p pw ssh "${SSHO[@]}" -p $port eve@"$ATT_HOST_IP" "$@"; }
ev() { "$KARAKURI" -c "$conf" events --json --type "$1"; }
login true || e2e_fail "login"
hn=$("$KARAKURI" -c "$conf" hosts --json | jq -c --arg n "src-$ATT_IP" 'select(.honeynet == $n)')
target=$(jq -r '.hosts[0].ip' <<<"$hn")
started() { ev lan.decoy_started | jq -r --arg t "$target" 'select(.ip == $t) | .container'; }
pool_ready() {
  [[ $(e2e_containers karakuri.pool | wc -l) -ge 1 ]]
}
e2e_wait_for 60 pool_ready || e2e_fail "the pool did not fill"

# Until its SSH banner (the front end answers the SYN of a hop at once).
login "exec 3<>/dev/tcp/$target/22 && read -t 15 -r l <&3" || e2e_fail "connect to $target"
dc=$(started | head -n 1)
[[ -n "$dc" ]] || e2e_fail "no decoy started for $target"
# What the intruder left behind (written as root inside, as after an escalation).
docker exec "$dc" sh -c 'echo loot > /root/stash.txt'

stopped() { ev lan.decoy_stopped | jq -se --arg c "$dc" 'any(.[]; .container == $c and .reason == "idle")' >/dev/null; }
e2e_wait_for 30 stopped || e2e_fail "the idle decoy was not stopped: $(ev lan.decoy_stopped)"
jq -se --arg t "$target" 'any(.[]; .path == "/root/stash.txt" and .host_ip == $t and .artifact != null)' \
  <<<"$(ev file.changed)" >/dev/null || e2e_fail "the idle decoy's file was not extracted: $(ev file.changed)"
state=$(e2e_api GET "/containers/$dc/json" | jq -r .State.Status)
e2e_assert_eq exited "$state" "the idle decoy's state"

# Back at the address: a new decoy answers there.
login ": 3<>/dev/tcp/$target/22" || e2e_fail "connect to $target again"
# The front end takes the SYN before the decoy is up: its event comes after.
restarted() { (($(started | wc -l) == 2)); }
e2e_wait_for 30 restarted || e2e_assert_eq 2 "$(started | wc -l)" "decoys started for $target"

# Past the retention the stopped one is removed.
gone() { [[ $(e2e_api GET "/containers/$dc/json" | jq -r '.State.Status // "gone"') == gone ]]; }
e2e_wait_for 60 gone || e2e_fail "the stopped decoy is still there after the retention"
kill -0 "$KK_PID" || e2e_fail "karakuri died"
e2e_log "ok"
