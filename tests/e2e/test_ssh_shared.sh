#!/usr/bin/env bash
# [honeynet] mode = shared puts every source on one honeynet (which
# `karakuri hosts` shows with its population plan); several
# channels ride one connection (OpenSSH's connection sharing); a session
# process that crashes ends alone and is recorded, the daemon serving on.
. "$KARAKURI_SRC/tests/e2e/lib.sh"
e2e_start_ssh_frontend 10.221.0.0/16 "[honeynet]
mode = shared"

# Two sources: the attacker namespace, and the host side of its veth.
e2e_as_attacker sshpass -p pw1 ssh "${SSHO[@]}" -p $port dave@"$ATT_HOST_IP" 'echo from-ns > /tmp/shared-mark' 2>/dev/null ||
  e2e_fail "login from the namespace"
out=$(sshpass -p pw2 ssh "${SSHO[@]}" -b "$ATT_HOST_IP" -p $port erin@"$ATT_HOST_IP" 'cat /tmp/shared-mark' 2>/dev/null || true)
e2e_assert_eq from-ns "$out" "the second source sees the first one's honeynet"

# Several channels on one connection.
sock="$E2E_TMP/mux.sock"
# (in the foreground of its own job: sshpass would take a -f master down with it)
e2e_as_attacker sshpass -p pw1 ssh "${SSHO[@]}" -M -S "$sock" -N -p $port dave@"$ATT_HOST_IP" 2>/dev/null &
master=$!
e2e_defer "kill $master 2>/dev/null"
e2e_wait_for 20 test -S "$sock" || e2e_fail "master connection"
a=$(e2e_as_attacker ssh -S "$sock" -p $port dave@"$ATT_HOST_IP" 'echo one' 2>/dev/null)
b=$(e2e_as_attacker ssh -S "$sock" -p $port dave@"$ATT_HOST_IP" 'echo two' 2>/dev/null)
e2e_assert_eq "one two" "$a $b" "two channels through one connection"
e2e_as_attacker ssh -S "$sock" -O exit -p $port dave@"$ATT_HOST_IP" 2>/dev/null || true

# A session process that crashes: the others and the daemon go on.
e2e_as_attacker sshpass -p pw1 ssh "${SSHO[@]}" -p $port dave@"$ATT_HOST_IP" 'sleep 60' >/dev/null 2>&1 &
e2e_defer "kill $! 2>/dev/null"
e2e_wait_for 20 sh -c "'$KARAKURI' -c '$conf' events --json --type command.exec | grep -q 'sleep 60'" ||
  e2e_fail "the long command did not start"
# (session processes are the zygote's children; the zygote is the daemon's)
zygote=$(ps -o pid= --ppid "$KK_PID" | head -n 1 | tr -d ' ')
victim=$(ps -o pid= --ppid "$zygote" | head -n 1 | tr -d ' ')
[[ -n "$victim" ]] || e2e_fail "no session process found"
# SIGKILL: a death no handler (ASan's included) can turn into something else.
kill -KILL "$victim"
e2e_wait_for 10 sh -c "'$KARAKURI' -c '$conf' events --json --type session.closed | grep -q 'killed by signal 9'" ||
  e2e_fail "the crash is not recorded"
out=$(e2e_as_attacker sshpass -p pw1 ssh "${SSHO[@]}" -p $port dave@"$ATT_HOST_IP" 'echo still' 2>/dev/null || true)
e2e_assert_eq still "$out" "a login after a session process crashed"

kill -TERM "$KK_PID"
wait "$KK_PID" || e2e_fail "run did not exit 0"
ev() { "$KARAKURI" -c "$conf" events --json --type "$1"; }
e2e_assert_eq 1 "$(ev lan.honeynet_created | jq -s length)" "one honeynet in shared mode"
ev lan.honeynet_created | jq -se '.[0].honeynet == "shared"' >/dev/null || e2e_fail "the honeynet is not the shared one"
muxed=$(ev command.exec | jq -rs 'map(select(.command=="echo one" or .command=="echo two")) | map(.session) | unique | length')
e2e_assert_eq 1 "$muxed" "both commands in one session"
# karakuri hosts: the honeynet, its gateway and its planned hosts.
"$KARAKURI" -c "$conf" hosts --json >"$E2E_TMP/hosts.json" || e2e_fail "hosts --json"
jq -se 'any(.[]; .honeynet=="shared" and .gateway.state=="running" and (.hosts | length) == 6
        and ([.hosts[].ip] | unique | length) == 6
        and (.gateway.ip as $g | all(.hosts[]; .ip != $g and .state == "planned"))
        and ((.subnet | split(".")[0:3]) as $n | all(.hosts[]; (.ip | split(".")[0:3]) == $n)))' \
  "$E2E_TMP/hosts.json" >/dev/null || e2e_fail "hosts: $(cat "$E2E_TMP/hosts.json")"
grep -q "gateway" <<<"$("$KARAKURI" -c "$conf" hosts)" || e2e_fail "hosts (human)"
e2e_log "ok"
