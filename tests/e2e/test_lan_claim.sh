#!/usr/bin/env bash
# A slow claim does not silence the LAN: while one decoy is being set up
# (made slow here: its /etc/skel/.bashrc, which the claim copies into the new
# user's home, is a FIFO nobody writes for a few seconds), ARP for another planned host is
# still answered at once, and the slow claim completes afterwards.
. "$KARAKURI_SRC/tests/e2e/lib.sh"
e2e_start_ssh_frontend 10.230.0.0/16 "[honeynet]
pool = 2"

login() { e2e_as_attacker sshpass -p pw ssh "${SSHO[@]}" -p $port eve@"$ATT_HOST_IP" "$@"; }
ev() { "$KARAKURI" -c "$conf" events --json --type "$1"; }
login true || e2e_fail "login"
hn=$("$KARAKURI" -c "$conf" hosts --json | jq -c --arg n "src-$ATT_IP" 'select(.honeynet == $n)')
target=$(jq -r '.hosts[0].ip' <<<"$hn")
other=$(jq -r '.hosts[1].ip' <<<"$hn")
gw=$(e2e_containers "karakuri.honeynet=src-$ATT_IP" karakuri.role=gateway)
pool_ready() { [[ $(e2e_containers karakuri.pool | wc -l) -ge 2 ]]; }
e2e_wait_for 60 pool_ready || e2e_fail "the pool did not fill"
for c in $(e2e_containers karakuri.pool); do
  docker exec -d "$c" sh -c 'cd /etc/skel && mv .bashrc .bashrc.real && mkfifo .bashrc &&
    sleep 8 && cat .bashrc.real >.bashrc'
  e2e_wait_for 5 docker exec "$c" test -p /etc/skel/.bashrc || e2e_fail "no FIFO in $c"
done

# The slow claim, from the gateway.
login "timeout 20 bash -c 'until : 3<>/dev/tcp/$target/22; do sleep 0.5; done'" >/dev/null 2>&1 &
slow=$!
e2e_defer "kill $slow 2>/dev/null"
pending() { ev lan.arp | jq -se --arg t "$target" 'any(.[]; .target == $t)'; }
e2e_wait_for 5 pending || e2e_fail "the claim of $target did not begin"
sleep 1
# Meanwhile: ARP for another host (nmap -sn as root sends ARP only).
s=$EPOCHREALTIME
out=$(docker exec "$gw" nmap -sn -n --max-retries 0 "$other" 2>&1 || true)
e=$EPOCHREALTIME
ms=$(((${e/./} - ${s/./}) / 1000))
e2e_log "ARP for $other during the claim of $target: ${ms} ms"
grep -q "Host is up" <<<"$out" || e2e_fail "ARP for $other unanswered during a claim: $out"
((ms < 2000)) || e2e_fail "ARP for $other took $ms ms during a claim"
started() { ev lan.decoy_started | jq -se --arg t "$target" 'any(.[]; .ip == $t)'; }
e2e_wait_for 20 started || e2e_fail "the slow claim did not complete: $(ev lan.decoy_stopped)"
wait "$slow" || e2e_fail "connect to $target after the slow claim"
kill -0 "$KK_PID" || e2e_fail "karakuri died"
e2e_log "ok"
