#!/usr/bin/env bash
# The "infinite intrusion": a script in the gateway connects to 300 different
# addresses (the whole LAN and beyond). The caps hold (no more live decoys
# than [honeynet] decoys_max, contain.cap_hit recorded), unplanned addresses
# swept at once get no decoy, and the host stays healthy: the daemon runs and
# a new login completes within 5 s.
. "$KARAKURI_SRC/tests/e2e/lib.sh"
e2e_start_ssh_frontend 10.226.0.0/16 "[honeynet]
pool = 2
decoys_max = 3"

login() { e2e_as_attacker sshpass -p pw ssh "${SSHO[@]}" -p $port eve@"$ATT_HOST_IP" "$@"; }
login true || e2e_fail "login"
hn=$("$KARAKURI" -c "$conf" hosts --json | jq -c --arg n "src-$ATT_IP" 'select(.honeynet == $n)')
subnet=$(jq -r .subnet <<<"$hn")
net=${subnet%.0/24}
gw_id=$(e2e_api GET "/containers/json?filters=$(jq -rn --arg n "karakuri.honeynet=src-$ATT_IP" '{"label":[$n]}|tostring|@uri')" | jq -r '.[0].Id')

# 254 addresses of the LAN and 46 beyond it, 50 at a time.
docker exec "$gw_id" bash -c "
  i=0
  for a in \$(seq -f '$net.%g' 1 254) \$(seq -f '10.99.0.%g' 1 46); do
    timeout 3 bash -c \"exec 3<>/dev/tcp/\$a/22\" 2>/dev/null &
    i=\$((i + 1)); (( i % 50 )) || wait
  done
  wait" || true

kill -0 "$KK_PID" || e2e_fail "karakuri died"
start=$SECONDS
login true || e2e_fail "a new login after the sweep"
(( SECONDS - start <= 5 )) || e2e_fail "the new login took $((SECONDS - start)) s"

hn=$("$KARAKURI" -c "$conf" hosts --json | jq -c --arg n "src-$ATT_IP" 'select(.honeynet == $n)')
live=$(jq '[.hosts[] | select(.state == "live")] | length' <<<"$hn")
e2e_assert_eq 3 "$live" "live decoys at the cap"
unplanned=$(jq '[.hosts[] | select(.planned == false)] | length' <<<"$hn")
e2e_assert_eq 0 "$unplanned" "decoys at unplanned addresses of a sweep"
caps=$("$KARAKURI" -c "$conf" events --json --type contain.cap_hit)
jq -se 'any(.[]; .cap == "decoys_max" and .value == 3)' <<<"$caps" >/dev/null ||
  e2e_fail "no contain.cap_hit for decoys_max: $caps"
n=$(e2e_containers karakuri.pool | wc -l)
(( n <= 5 )) || e2e_fail "$n decoy containers running (cap 3 + pool 2)"
e2e_log "ok"
