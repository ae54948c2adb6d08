#!/usr/bin/env bash
# The lifetime of a honeynet: one not used for [honeynet] retention, with no
# session open, is removed while karakuri runs (contain.expired: its
# containers, decoys and network go); one with a session open stays, until
# [containment] honeynet_lifetime, when its session is ended and it goes
# too; a source coming back gets a new honeynet, whose LAN is answered.
# Nothing written before the removal is lost: what changed in the gateway
# after its last session (a process left running) and in its live decoys
# is extracted first.
. "$KARAKURI_SRC/tests/e2e/lib.sh"
e2e_start_ssh_frontend 10.231.0.0/16 "[honeynet]
retention = 20s
pool = 1
[containment]
honeynet_lifetime = 50s"
e2e_outside_ns

login() { e2e_as_attacker sshpass -p pw ssh "${SSHO[@]}" -p $port eve@"$ATT_HOST_IP" "$@"; }
ev() { "$KARAKURI" -c "$conf" events --json --type "$1"; }
nets() { e2e_api GET "/networks?filters=$(jq -rn --arg n "karakuri.honeynet=$1" '{"label":[$n]}|tostring|@uri')" | jq length; }

# A: used once, with a decoy started on its LAN. B: a session kept open.
login true || e2e_fail "login"
target=$("$KARAKURI" -c "$conf" hosts --json | jq -r --arg n "src-$ATT_IP" 'select(.honeynet == $n) | .hosts[0].ip')
login "timeout 8 bash -c 'exec 3<>/dev/tcp/$target/22 && head -c 4 <&3'" >"$E2E_TMP/lan.txt" 2>&1 || true
grep -q "^SSH-" "$E2E_TMP/lan.txt" || e2e_fail "no decoy at $target: $(cat "$E2E_TMP/lan.txt")"
# Written after the sessions ended (their files extracted: session.closed
# comes after), as by a process the intruder left behind.
closed() { [[ $(ev session.closed | jq -s --arg ip "$ATT_IP" '[.[] | select(.src_ip == $ip)] | length') -ge 2 ]]; }
e2e_wait_for 20 closed || e2e_fail "the sessions of $ATT_IP were not closed: $(ev session.closed)"
gw=$(e2e_containers "karakuri.honeynet=src-$ATT_IP" karakuri.role=gateway)
[[ -n "$gw" ]] || e2e_fail "no gateway for src-$ATT_IP"
docker exec "$gw" sh -c 'echo late > /var/tmp/left-behind' || e2e_fail "writing into the gateway"
dc=$(ev lan.decoy_started | jq -r --arg t "$target" 'select(.ip == $t) | .container' | head -n 1)
docker exec "$dc" sh -c 'echo loot > /root/decoy-loot' || e2e_fail "writing into the decoy"
ip netns exec "$OUT_NS" sshpass -p pw ssh "${SSHO[@]}" -p $port bob@"$ATT_HOST_IP" 'sleep 120' \
  >/dev/null 2>&1 &
busy=$!
e2e_defer "kill $busy 2>/dev/null"

expired() { jq -se --arg n "src-$ATT_IP" 'any(.[]; .what == "honeynet" and .honeynet == $n and .reason == "retention")' <<<"$(ev contain.expired)"; }
e2e_wait_for 60 expired || e2e_fail "honeynet src-$ATT_IP did not expire: $(ev contain.expired)"
net_gone() { [[ "$(nets "src-$ATT_IP")" == 0 ]]; }
e2e_wait_for 10 net_gone || e2e_fail "the network of src-$ATT_IP is still there"
n=$(e2e_api GET "/containers/json?all=1&filters=$(jq -rn --arg n "karakuri.honeynet=src-$ATT_IP" '{"label":[$n]}|tostring|@uri')" | jq length)
e2e_assert_eq 0 "$n" "containers of the expired honeynet"
stopped() { jq -se --arg t "$target" 'any(.[]; .ip == $t and .reason == "honeynet removed")' <<<"$(ev lan.decoy_stopped)"; }
e2e_wait_for 20 stopped || e2e_fail "the decoy at $target was not stopped: $(ev lan.decoy_stopped)"
recorded() { jq -se --arg p "$1" 'any(.[]; .path == $p and .artifact != null)' <<<"$(ev file.changed)"; }
recorded /var/tmp/left-behind >/dev/null ||
  e2e_fail "the gateway's last file was not extracted before its removal: $(ev file.changed)"
e2e_wait_for 20 recorded /root/decoy-loot || e2e_fail "the decoy's file was not extracted: $(ev file.changed)"
e2e_assert_eq 1 "$(nets "src-$OUT_IP")" "the busy honeynet's network"
jq -se --arg n "src-$OUT_IP" 'any(.[]; .honeynet == $n)' <<<"$(ev contain.expired)" >/dev/null &&
  e2e_fail "a honeynet with a session open expired"

# The busy one, at its lifetime: its session ended and recorded, then gone.
over() { jq -se --arg n "src-$OUT_IP" 'any(.[]; .honeynet == $n and .reason == "lifetime" and .lifetime_s == 50)' <<<"$(ev contain.expired)"; }
e2e_wait_for 60 over || e2e_fail "the busy honeynet outlived its lifetime: $(ev contain.expired)"
jq -se --arg ip "$OUT_IP" 'any(.[]; .src_ip == $ip and .reason == "honeynet lifetime reached")' \
  <<<"$(ev session.closed)" >/dev/null || e2e_fail "its session was not closed: $(ev session.closed)"
e2e_assert_eq 0 "$(nets "src-$OUT_IP")" "networks of the honeynet past its lifetime"
wait "$busy" 2>/dev/null || true

# The source comes back: a new honeynet, its LAN answered.
login true || e2e_fail "login after the expiry"
hn=$("$KARAKURI" -c "$conf" hosts --json | jq -c --arg n "src-$ATT_IP" 'select(.honeynet == $n)')
net=$(jq -r .subnet <<<"$hn")
net=${net%.0/24}
out=$(login "ping -b -c 2 -W 1 $net.255 2>&1" || true)
grep -q "from $net\." <<<"$out" || e2e_fail "the new LAN is not answered: $out"
e2e_log "ok"
