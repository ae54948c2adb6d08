#!/usr/bin/env bash
# The dynamic LAN, from an SSH session on the gateway: a broadcast ping and an
# nmap ping sweep find the planned hosts and only those; a SYN scan of one and
# an ssh into it (through the gateway, with the credentials that worked
# there) succeed at the first try; an unplanned address one connects to gets
# a decoy too; `karakuri hosts` shows the decoys, what started them and the
# flows; the LAN capture holds the flow and opens in tshark; at stop the
# decoys and the pool are gone.
. "$KARAKURI_SRC/tests/e2e/lib.sh"
command -v tshark >/dev/null || e2e_fail "tshark not installed (apt-get install tshark)"
e2e_start_ssh_frontend 10.224.0.0/16 "[honeynet]
pool = 8"

login() { e2e_as_attacker sshpass -p pw ssh "${SSHO[@]}" -p $port eve@"$ATT_HOST_IP" "$@"; }
pool_ready() {
  local n
  n=$(e2e_containers karakuri.pool | wc -l)
  [[ "$n" -ge 8 ]]
}
login true || e2e_fail "login"
e2e_wait_for 90 pool_ready || e2e_fail "the decoy pool did not fill"

mine() { "$KARAKURI" -c "$conf" hosts --json | jq -c --arg n "src-$ATT_IP" 'select(.honeynet == $n)'; }
hn=$(mine)
subnet=$(jq -r .subnet <<<"$hn")
net=${subnet%.0/24}
gw_ip=$(jq -r .gateway.ip <<<"$hn")
gw_id=$(e2e_api GET "/containers/json?filters=$(jq -rn --arg n "karakuri.honeynet=src-$ATT_IP" '{"label":[$n]}|tostring|@uri')" | jq -r '.[0].Id')
planned=$(jq -r '.hosts[].ip' <<<"$hn" | sort)
e2e_log "planned: $(echo $planned)"

# A broadcast ping: replies from the planned hosts, and only those.
out=$(login "ping -b -c 2 -W 1 $net.255 2>&1" || true)
echo "$out" >"$E2E_TMP/ping.log"
got=$(grep -o "from $net\.[0-9]*" <<<"$out" | awk '{print $2}' | sort -u)
e2e_assert_eq "$planned" "$got" "hosts answering a broadcast ping"

# A planned host nobody has touched yet answers the very first SYN of a
# kernel TCP connect (its checksum left to offload: the replay must fix it).
fresh=$(sed -n 2p <<<"$planned")
us=$(login "s=\$EPOCHREALTIME; : 3<>/dev/tcp/$fresh/22; e=\$EPOCHREALTIME; echo \$(( \${e/./} - \${s/./} ))")
[[ "$us" =~ ^[0-9]+$ ]] || e2e_fail "connect to $fresh: $us"
e2e_log "first connect to $fresh: $us us"
((us < 500000)) || e2e_fail "the first SYN to $fresh was not answered ($us us: a retransmission)"

# An nmap ping sweep as the intruder (unprivileged: connect probes).
out=$(login "nmap -sn -n -oG - $subnet" || true)
got=$(awk '/Status: Up/ {print $2}' <<<"$out" | grep -v -x -e "$gw_ip" -e "$net.1" | sort)
e2e_assert_eq "$planned" "$got" "hosts nmap -sn finds up"

# A SYN scan of one (as root in the gateway: the packets are the same), then
# ssh into it through the gateway with the same credentials, at the first try.
target=$(head -n 1 <<<"$planned")
docker exec "$gw_id" nmap -sS -n -Pn -p 22,80,445 "$target" >"$E2E_TMP/nmap.txt" 2>&1 || true
# Open: the ports of its role (its services), closed: the rest.
for p in 22 80 445; do
  want=closed
  jq -e --arg ip "$target" --argjson p $p '.hosts[] | select(.ip == $ip) | .ports | index($p)' \
    <<<"$hn" >/dev/null && want=open
  grep -q "^$p/tcp *$want" "$E2E_TMP/nmap.txt" ||
    e2e_fail "SYN scan of $target: $p/tcp not $want: $(cat "$E2E_TMP/nmap.txt")"
done
# (ssh -L through the front end: the connection leaves from the gateway.)
e2e_as_attacker sshpass -p pw ssh "${SSHO[@]}" -N -L 127.0.0.1:9023:"$target":22 -p $port \
  eve@"$ATT_HOST_IP" 2>/dev/null &
fwd=$!
e2e_defer "kill $fwd 2>/dev/null"
banner() { e2e_as_attacker bash -c 'exec 3<>/dev/tcp/127.0.0.1/9023 && IFS= read -r -t 5 l <&3 && echo "$l"'; }
e2e_wait_for 20 banner || e2e_fail "the forward to $target did not open"
name=$(e2e_as_attacker sshpass -p pw ssh "${SSHO[@]}" -p 9023 eve@127.0.0.1 \
  'hostname; echo decoy-was-here > /tmp/mark; cd /var/tmp && /bin/echo kk-exec "a b" >/dev/null' \
  2>"$E2E_TMP/ssh.err") ||
  e2e_fail "ssh into the decoy $target: $(cat "$E2E_TMP/ssh.err")"
kill "$fwd" 2>/dev/null || true
wait "$fwd" 2>/dev/null || true
want=$(jq -r --arg ip "$target" '.hosts[] | select(.ip == $ip) | .hostname' <<<"$hn")
e2e_assert_eq "$want" "$name" "the decoy's host name"

# A web server of the plan answers as Debian's Apache would.
web=$(jq -r '[.hosts[] | select(.ports | index(80))][0].ip // empty' <<<"$hn")
if [[ -n "$web" ]]; then
  out=$(login "curl -s -i -m 10 http://$web/" 2>&1 || true)
  grep -q "^Server: Apache" <<<"$out" || e2e_fail "no web server on $web: $out"
fi

# An address outside the plan that one connects to gets a decoy with exactly
# that address (its ARP is answered on the kernel's retry, not on a sweep).
spare=""
for i in $(seq 200 250); do
  grep -q -x "$net.$i" <<<"$planned" || [[ "$net.$i" == "$gw_ip" ]] || { spare=$net.$i; break; }
done
sleep 6 # the nmap sweep's ARP requests count as a sweep for 5 s
login "timeout 8 bash -c 'exec 3<>/dev/tcp/$spare/22 && head -c 4 <&3'" >"$E2E_TMP/spare.txt" 2>&1 || true
grep -q "^SSH-" "$E2E_TMP/spare.txt" || e2e_fail "no SSH server at the unplanned $spare: $(cat "$E2E_TMP/spare.txt")"

hn=$(mine)
jq -e --arg ip "$target" '.hosts[] | select(.ip == $ip) | .state == "live" and (.trigger | test("^tcp syn"))' \
  <<<"$hn" >/dev/null || e2e_fail "karakuri hosts does not show $target live with its trigger: $hn"
jq -e --arg ip "$spare" 'any(.hosts[]; .ip == $ip and .state == "live")' <<<"$hn" >/dev/null ||
  e2e_fail "karakuri hosts does not show the unplanned $spare: $hn"
jq -e --arg g "$gw_ip" --arg t "$target" 'any(.flows[]; .src_ip == $g and .dst_ip == $t and .dst_port == 22)' \
  <<<"$hn" >/dev/null || e2e_fail "no flow gateway -> $target:22 in $hn"
"$KARAKURI" -c "$conf" hosts >"$E2E_TMP/hosts.txt"
grep -q "started .* by tcp syn" "$E2E_TMP/hosts.txt" || e2e_fail "hosts: $(cat "$E2E_TMP/hosts.txt")"

# The session that ran the sweep lists the decoys it reached.
sid=$("$KARAKURI" -c "$conf" events --json --type login.success | jq -r .session | tail -n 1)
"$KARAKURI" -c "$conf" session "$sid" --json >"$E2E_TMP/session.json"
jq -se 'any(.[]; .type == "lan.decoy_started")' "$E2E_TMP/session.json" >/dev/null ||
  e2e_fail "karakuri session $sid lists no decoy"
# ... and the processes it ran, seen from the host.
sid=$("$KARAKURI" -c "$conf" events --json --type command.exec |
  jq -r 'select(.command | test("ping -b")) | .session' | head -n 1)
"$KARAKURI" -c "$conf" session "$sid" --json >"$E2E_TMP/session.json"
jq -se --arg g "$gw_ip" 'any(.[]; .type == "proc.exec" and .host_ip == $g and .argv[0] == "ping")' \
  "$E2E_TMP/session.json" >/dev/null || e2e_fail "karakuri session $sid lists no ping run on the gateway"

kill -TERM "$KK_PID"
wait "$KK_PID" || e2e_fail "run did not exit 0"
ev() { "$KARAKURI" -c "$conf" events --json --type "$1"; }
jq -se --arg t "$target" 'any(.[]; .ip == $t and .latency_ms < 100)' <<<"$(ev lan.decoy_started)" >/dev/null ||
  e2e_fail "decoy_started: $(ev lan.decoy_started)"
jq -se 'any(.[]; .target != null and .answered >= 1)' <<<"$(ev lan.icmp)" >/dev/null || e2e_fail "no lan.icmp"
jq -se --arg t "$target" 'any(.[]; .path == "/tmp/mark" and .host_ip == $t)' <<<"$(ev file.changed)" >/dev/null ||
  e2e_fail "the decoy's file was not extracted: $(ev file.changed)"
# Commands run in the decoy, seen from the host: argv intact (a short-lived
# process), cwd and ids as inside, attributed to the decoy.
jq -se --arg t "$target" 'any(.[]; .host_ip == $t and .argv == ["/bin/echo", "kk-exec", "a b"]
    and .cwd == "/var/tmp" and .uid != 0 and .ppid > 1 and .pid > 1 and (.container | length) == 64
    and (.honeynet | startswith("src-")))' <<<"$(ev proc.exec)" >/dev/null ||
  e2e_fail "no proc.exec of the decoy's command: $(ev proc.exec | grep kk-exec)"
sha=$(ev capture.pcap | jq -r .artifact | head -n 1)
[[ -n "$sha" && -f "$E2E_TMP/var/artifacts/$sha" ]] || e2e_fail "no capture stored"
# SSH to the decoy is a hop (the front end relays it): on the bridge, the
# gateway's leg to the hop listener and the front end's leg to the decoy.
n=$(tshark -r "$E2E_TMP/var/artifacts/$sha" -Y "ip.dst == $target && tcp.dstport == 22" 2>/dev/null | wc -l)
e2e_assert_ge "$n" 1 "packets of the flow in the capture"

n=$(e2e_containers --all karakuri.pool | wc -l)
e2e_assert_eq 0 "$n" "decoys and pool left after stop"
e2e_log "ok"
