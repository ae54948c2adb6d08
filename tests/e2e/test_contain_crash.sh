#!/usr/bin/env bash
# kill -9 of karakuri in the middle of 20 live sessions, then a restart: the
# session processes end with the daemon, every event committed before the
# kill is still there, the terminal of a session open at the kill is stored
# (tty.log with recovered), nothing of the old run is left (pool decoys, their
# links, duplicated rules, open captures), the honeynet within retention is
# adopted, and new sessions work.
. "$KARAKURI_SRC/tests/e2e/lib.sh"
e2e_start_ssh_frontend 10.229.0.0/16 "max_unauth_per_source = 32
[honeynet]
pool = 2"

login() { e2e_as_attacker sshpass -p pw ssh "${SSHO[@]}" -p $port eve@"$ATT_HOST_IP" "$@"; }
ev() { "$KARAKURI" -c "$conf" events --json --type "$1"; }
all_events() { "$KARAKURI" -c "$conf" events --json | wc -l; }
pool() { e2e_containers --all karakuri.pool | sort; }

login true || e2e_fail "first login"
clients=()
for i in $(seq 20); do
  login "sleep 300" >/dev/null 2>&1 &
  clients+=($!)
done
# One with a terminal, recorded while it runs.
login -tt "echo tty-marker-\$((6 * 7)); sleep 300" </dev/null >/dev/null 2>&1 &
clients+=($!)
e2e_defer "kill ${clients[*]} 2>/dev/null"
live() { (($(ev login.success | wc -l) >= 22)); }
e2e_wait_for 60 live || e2e_fail "20 sessions did not log in: $(ev login.success | wc -l)"
pool_full() { (($(pool | wc -l) >= 2)); }
e2e_wait_for 90 pool_full || e2e_fail "the pool did not fill"
# Some LAN traffic, so that there is an open capture.
login "ping -c 2 -W 1 -b \$(ip -4 route | awk '/default/ {print \$3}' | sed 's/\.1\$/.255/')" >/dev/null 2>&1 || true
# The session processes are the zygote's children (the zygote is the daemon's).
zygote=$(ps -o pid= --ppid "$KK_PID" | tr -d ' ' | tr '\n' ',')
sessions=$(ps -o pid= --ppid "${zygote%,}" | tr -d ' ' | tr '\n' ' ')
(($(wc -w <<<"$sessions") >= 20)) || e2e_fail "session processes: $sessions"
sessions="$sessions ${zygote//,/ }"
old_pool=$(pool)
spooled() { grep -qs tty-marker-42 "$E2E_TMP"/var/spool/tty/*.cast; }
e2e_wait_for 10 spooled || e2e_fail "no tty log in the spool: $(ls -l "$E2E_TMP"/var/spool/tty 2>&1)"
tty_session=$(grep -ls tty-marker-42 "$E2E_TMP"/var/spool/tty/*.cast | head -n 1 | xargs basename)
tty_session=${tty_session%-*.cast}
sleep 2 # the capture is flushed to disk every second
gw=$(e2e_containers karakuri.role=gateway | head -n 1)

kill -KILL "$KK_PID"
wait "$KK_PID" 2>/dev/null || true
committed=$(all_events)
gone() { for p in $sessions; do kill -0 "$p" 2>/dev/null && return 1; done; return 0; }
e2e_wait_for 5 gone || e2e_fail "session processes outlived the daemon: $(ps -o pid,args -p ${sessions// /,} | tail -n +2)"
ended() { for p in "${clients[@]}"; do kill -0 "$p" 2>/dev/null && return 1; done; return 0; }
e2e_wait_for 10 ended || e2e_fail "the attackers' connections stayed open"

e2e_start_karakuri "$conf"
e2e_wait_for 15 grep -q "SSH front end listening" "$E2E_TMP/karakuri.log" || e2e_fail "restart"
after=$(all_events)
((after >= committed)) || e2e_fail "events lost: $committed before, $after after"
# The old pool is gone; the gateway, within retention, is still there.
for id in $old_pool; do
  e2e_api GET "/containers/$id/json" | jq -e .Id >/dev/null 2>&1 && e2e_fail "old pool decoy $id left"
done
e2e_api GET "/containers/$gw/json" | jq -e '.State.Running' >/dev/null || e2e_fail "the gateway was not kept"
# Each jump into karakuri's chains exactly once; no open capture left over.
for c in INPUT DOCKER-USER; do
  n=$(iptables -S "$c" | grep -c KARAKURI || true)
  [[ "$c" == INPUT && "$n" == 1 || "$c" == DOCKER-USER && "$n" == 2 ]] || e2e_fail "$n jumps in $c"
done
jq -se 'any(.[]; .recovered and .size > 24)' <<<"$(ev capture.pcap)" >/dev/null ||
  e2e_fail "the capture of the killed run was not stored: $(ev capture.pcap)"
ls -a "$E2E_TMP/var" | grep -q '^\.capture-' && e2e_fail "an open capture of the killed run is left"
# The terminal of the session open at the kill: stored, its spool file gone.
rec=$(ev tty.log | jq -c --arg s "$tty_session" 'select(.recovered and .session == $s)' | head -n 1)
[[ -n "$rec" ]] || e2e_fail "the tty log of $tty_session was not recovered: $(ev tty.log)"
grep -q tty-marker-42 "$E2E_TMP/var/artifacts/$(jq -r .artifact <<<"$rec")" ||
  e2e_fail "the recovered tty log lacks the session's output"
ls "$E2E_TMP"/var/spool/tty/*.cast >/dev/null 2>&1 && e2e_fail "spool files left: $(ls "$E2E_TMP"/var/spool/tty)"
# Nothing accepted and unwritten goes unrecorded: when the kill lost queued
# events, the restart says how many.
ev sensor.events_lost | jq -se 'all(.[]; .lost > 0)' >/dev/null || e2e_fail "sensor.events_lost without a count"
# No link of the old decoys is left on the host.
e2e_wait_for 5 sh -c "! ip -o link | grep -q ': kk[0-9a-f]\{10\}@'" ||
  e2e_fail "veths of the old decoys left: $(ip -o link | grep ': kk[0-9a-f]')"
# New sessions work, on the adopted gateway.
out=$(login "echo still-here")
e2e_assert_eq "still-here" "$out" "a session after the restart"
e2e_log "ok"
