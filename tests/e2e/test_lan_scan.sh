#!/usr/bin/env bash
# A full port scan does not hide what follows: nmap -p- from the gateway
# against one decoy, then a connect to another planned host still gives its
# lan.flow; the scan's ports past the first ones are counted
# (lan.flows_dropped), not recorded one by one.
. "$KARAKURI_SRC/tests/e2e/lib.sh"
e2e_start_ssh_frontend 10.229.0.0/16 "[honeynet]
pool = 2"

login() { e2e_as_attacker sshpass -p pw ssh "${SSHO[@]}" -p $port eve@"$ATT_HOST_IP" "$@"; }
ev() { "$KARAKURI" -c "$conf" events --json --type "$1"; }
login true || e2e_fail "login"
hn=$("$KARAKURI" -c "$conf" hosts --json | jq -c --arg n "src-$ATT_IP" 'select(.honeynet == $n)')
gw_ip=$(jq -r .gateway.ip <<<"$hn")
target=$(jq -r '.hosts[0].ip' <<<"$hn")
other=$(jq -r '.hosts[1].ip' <<<"$hn")
gw=$(e2e_containers "karakuri.honeynet=src-$ATT_IP" karakuri.role=gateway)
pool_ready() { [[ $(e2e_containers karakuri.pool | wc -l) -ge 2 ]]; }
e2e_wait_for 60 pool_ready || e2e_fail "the pool did not fill"

# Every port of one host, as root in the gateway.
docker exec "$gw" nmap -sS -n -Pn -p- --min-rate 20000 --max-retries 0 "$target" \
  >"$E2E_TMP/nmap.txt" 2>&1 || e2e_fail "nmap: $(tail -n 3 "$E2E_TMP/nmap.txt")"
scanned=$(ev lan.flow | jq -s --arg d "$target" '[.[] | select(.dst_ip == $d)] | length')
e2e_log "the scan gave $scanned lan.flow"

# Then lateral movement to another host: recorded.
login ": 3<>/dev/tcp/$other/22" || e2e_fail "connect to $other"
flow() { jq -se --arg s "$gw_ip" --arg d "$other" 'any(.[]; .src_ip == $s and .dst_ip == $d and .dst_port == 22)' <<<"$(ev lan.flow)"; }
e2e_wait_for 10 flow || e2e_fail "no lan.flow to $other after the scan"
# Every SYN of the scan is said: recorded, counted, or among the frames the
# kernel dropped from the capture buffer (capture.dropped).
total() { ev "$1" | jq -s --arg s "$gw_ip" --arg d "$target" "$2"; }
said() {
  local counted dropped
  counted=$(total lan.flows_dropped '[.[] | select(.src_ip == $s and .dst_ip == $d) | .count] | add // 0')
  dropped=$(total capture.dropped '[.[] | .count] | add // 0')
  e2e_log "recorded $scanned, counted $counted, dropped by the kernel $dropped"
  ((counted > 1000 && scanned + counted + dropped >= 65535))
}
e2e_wait_for 10 said || { said; e2e_fail "the scan's ports were not all said: $(ev lan.flows_dropped)"; }
((scanned < 1000)) || e2e_fail "the scan was recorded flow by flow ($scanned lan.flow)"
kill -0 "$KK_PID" || e2e_fail "karakuri died"
e2e_log "ok"
