#!/usr/bin/env bash
# A flood of blocked packets from a gateway (one UDP datagram to each of
# 20000 ports of a host "outside", a namespace of this test's own) while another attacker logs in: karakuri answers
# that login at once and records all its events; the database holds a
# bounded number of contain.blocked events (the source's budget) plus
# contain.budget summaries whose counts make up the rest of what the
# firewall logged.
. "$KARAKURI_SRC/tests/e2e/lib.sh"
e2e_start_ssh_frontend 10.230.0.0/16 "[honeynet]
responder = no"
e2e_outside_ns
N=20000

login() { e2e_as_attacker sshpass -p pw ssh "${SSHO[@]}" -p $port eve@"$ATT_HOST_IP" "$@"; }
ev() { "$KARAKURI" -c "$conf" events --json --type "$1"; }
login true || e2e_fail "login"

t0=$(date +%s)
login "for i in \$(seq $N); do echo >/dev/udp/$OUT_IP/\$i; done 2>/dev/null; echo flood-done" \
  >"$E2E_TMP/flood.txt" 2>&1 &
flooder=$!
e2e_defer "kill $flooder 2>/dev/null"
sleep 1
# Another source, meanwhile: its login is answered at once.
s=$(date +%s%N)
out=$(ip netns exec "$OUT_NS" sshpass -p pw ssh "${SSHO[@]}" -p $port bob@"$ATT_HOST_IP" "echo bob-was-here; id -un") ||
  e2e_fail "a login from $OUT_IP during the flood"
ms=$((($(date +%s%N) - s) / 1000000))
e2e_log "login during the flood: $ms ms"
e2e_assert_contains "$out" "bob-was-here" "bob's command"
wait $flooder || true
grep -q flood-done "$E2E_TMP/flood.txt" || e2e_fail "the flood did not run: $(cat "$E2E_TMP/flood.txt")"
secs=$(($(date +%s) - t0 + 2))
e2e_log "flood of $N datagrams sent in about $secs s"
sleep 3 # the watcher reads the last of NFLOG
udp_in=$(ip netns exec "$OUT_NS" awk '/^Udp: [0-9]/ {print $2 + $3 + $4}' /proc/net/snmp)
e2e_assert_eq 0 "$udp_in" "datagrams that reached the outside host"

# Stopping sends the counts still open.
kill -TERM "$KK_PID"
wait "$KK_PID" || e2e_fail "karakuri did not stop cleanly"

# Every event of bob's session is there.
for t in session.connect login.success command.exec session.closed; do
  ev "$t" | jq -se --arg ip "$OUT_IP" 'any(.[]; .src_ip == $ip)' >/dev/null ||
    e2e_fail "no $t of $OUT_IP"
done
gw=$(ev contain.blocked | jq -r --arg o "$OUT_IP" 'select(.dst_ip == $o) | .src_ip' | sort | uniq -c |
  sort -rn | awk 'NR == 1 {print $2}')
[[ -n "$gw" ]] || e2e_fail "no contain.blocked from the gateway"
stored=$(ev contain.blocked | jq -s --arg g "$gw" '[.[] | select(.src_ip == $g and .proto == "udp")] | length')
counted=$(ev contain.budget | jq -s --arg g "$gw" \
  '[.[] | select(.event_type == "contain.blocked" and .src_ip == $g and .proto == "udp") | .count] | add // 0')
e2e_log "contain.blocked from $gw: $stored stored, $counted counted in contain.budget"
# A burst of 200 and 20 a second, and the repeats watch.c sends.
bound=$((200 + 20 * secs + 50))
((stored <= bound)) || e2e_fail "$stored contain.blocked stored (at most $bound)"
# An 8 MiB queue for the firewall log: nearly every datagram is stored or
# counted, in the sanitizer build too; what the kernel still drops is reported
# (contain.log_dropped, in batches of records).
dropped=$(ev contain.log_dropped | jq -s '[.[].batches] | add // 0')
e2e_log "contain.log_dropped: $dropped batches the kernel dropped"
total=$((stored + counted))
min=$((N * 8 / 10))
((total >= min && total <= N + 100)) || e2e_fail "stored + counted = $total for $N sent ($dropped batches dropped)"
ev contain.budget | jq -se 'all(.[]; .count > 0 and .window_ms >= 0 and .scope)' >/dev/null ||
  e2e_fail "a contain.budget without its fields: $(ev contain.budget | head -n 3)"
e2e_log "ok"
