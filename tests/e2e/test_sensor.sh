#!/usr/bin/env bash
# The port sensor (issue 16, first slice), in a "sensor" network namespace
# karakuri runs in, reached over a veth from an "attacker" one: the first
# SYN to a closed TCP port and the first datagram to a closed UDP port are
# answered with [sensor] reply (no retransmission: the connect takes well
# under the 1 s SYN retry), port.payload's md5/sha256/base64 match what was
# sent, an execve shellcode in an exploit is found (port.payload.shellcode)
# and random bytes are not, a denied port stays closed, the sensor host's own listening socket
# and karakuri's SSH port are never queued, a scan opens no more than the
# throttle, an idle port closes; after kill -9 everything stays reachable
# (fail-open) and `karakuri cleanup` removes the rules.
. "$KARAKURI_SRC/tests/e2e/lib.sh"
command -v python3 >/dev/null || e2e_skip "python3 missing"

SNS="kk-sen-$$" ANS="kk-sat-$$" SIF="kkse$$" AIF="kksa$$"
SIP=198.51.100.10 AIP=198.51.100.20
ip netns add "$SNS"
e2e_defer "ip netns del $SNS"
ip netns add "$ANS"
e2e_defer "ip netns del $ANS"
ip link add "$SIF" netns "$SNS" type veth peer name "$AIF" netns "$ANS"
ip -n "$SNS" addr add "$SIP/24" dev "$SIF"
ip -n "$ANS" addr add "$AIP/24" dev "$AIF"
for ns in "$SNS" "$ANS"; do
  ip -n "$ns" link set lo up
done
ip -n "$SNS" link set "$SIF" up
ip -n "$ANS" link set "$AIF" up
in_sensor() { ip netns exec "$SNS" "$@"; }
as_attacker() { ip netns exec "$ANS" "$@"; }

# The sensor host's own service: a listening socket that must never be held.
mkdir -p "$E2E_TMP/www"
echo "host service" >"$E2E_TMP/www/index.html"
ip netns exec "$SNS" python3 -m http.server 8080 --bind "$SIP" --directory "$E2E_TMP/www" >"$E2E_TMP/http.log" 2>&1 &
HTTP_PID=$!
e2e_defer "kill $HTTP_PID 2>/dev/null; wait $HTTP_PID"

conf=$(e2e_config "[ssh]
listen = $SIP:2222
[docker]
host = unix://$E2E_TMP/no-docker.sock
[honeynet]
responder = no
[sensor]
interfaces = $SIF
reply = hello from sensor\\n
deny = 23,6000-6010
port_idle = 4s
throttle = 20
throttle_window = 15s")
ip netns exec "$SNS" "$KARAKURI" -c "$conf" run >"$E2E_TMP/karakuri.log" 2>&1 &
KK_PID=$!
e2e_defer "kill -KILL $KK_PID 2>/dev/null; wait $KK_PID"
e2e_defer "in_sensor '$KARAKURI' -c '$conf' cleanup"
e2e_wait_for 15 grep -q "SSH front end listening" "$E2E_TMP/karakuri.log" ||
  e2e_fail "karakuri did not start"
grep -q "port sensor on $SIF" "$E2E_TMP/karakuri.log" || e2e_fail "the port sensor did not start"
in_sensor iptables -t mangle -S KARAKURI-SENSOR | grep -q NFQUEUE || e2e_fail "no NFQUEUE rule"
in_sensor ip6tables -t mangle -S KARAKURI-SENSOR | grep -q NFQUEUE || e2e_fail "no IPv6 NFQUEUE rule"

# client.py tcp|udp HOST PORT PAYLOAD_FILE: one connection (or datagram);
# prints {"connect_s", "reply", "error"} as JSON.
cat >"$E2E_TMP/client.py" <<'PY'
import json, socket, sys, time
proto, host, port, path = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
data = open(path, 'rb').read() if path != '-' else b''
out = {}
try:
    if proto == 'tcp':
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(5)
        t = time.monotonic()
        s.connect((host, port))
        out['connect_s'] = time.monotonic() - t
        s.sendall(data)
        s.shutdown(socket.SHUT_WR)
        got = b''
        while True:
            b = s.recv(65536)
            if not b:
                break
            got += b
    else:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(3)
        s.sendto(data, (host, port))
        got, _ = s.recvfrom(65536)
    out['reply'] = got.decode('latin-1')
except Exception as e:
    out['error'] = type(e).__name__
print(json.dumps(out))
PY
client() { as_attacker python3 "$E2E_TMP/client.py" "$@"; }
ev() { "$KARAKURI" -c "$conf" events --json --type "$1"; }

# TCP: the first SYN to a closed port reaches a listener.
head -c 3000 /dev/urandom >"$E2E_TMP/tcp.bin"
printf 'GET /exploit HTTP/1.0\r\n\r\n' >>"$E2E_TMP/tcp.bin"
r=$(client tcp $SIP 4444 "$E2E_TMP/tcp.bin")
e2e_log "tcp 4444: $r"
jq -e '.reply == "hello from sensor\n"' <<<"$r" >/dev/null || e2e_fail "no reply on tcp 4444: $r"
jq -e '.connect_s < 0.9' <<<"$r" >/dev/null || e2e_fail "the first SYN was not answered (retransmitted?): $r"
md5=$(md5sum <"$E2E_TMP/tcp.bin" | cut -d' ' -f1)
sha=$(sha256sum <"$E2E_TMP/tcp.bin" | cut -d' ' -f1)
b64=$(base64 -w0 <"$E2E_TMP/tcp.bin")
size=$(stat -c %s "$E2E_TMP/tcp.bin")
e2e_wait_for 10 sh -c "'$KARAKURI' -c '$conf' events --json --type port.payload | grep -q '\"md5\":\"$md5\"'" ||
  e2e_fail "no port.payload for tcp 4444"
ev port.payload | jq -se --arg m "$md5" --arg s "$sha" --arg b "$b64" --argjson n "$size" \
  'any(.[]; .proto == "tcp" and .dst_port == 4444 and .md5 == $m and .sha256 == $s and .base64 == $b and .size == $n and .src_ip == "198.51.100.20")' >/dev/null ||
  e2e_fail "port.payload does not match what was sent: $(ev port.payload | head -c 600)"
ev port.payload | jq -se --arg m "$md5" 'any(.[]; .md5 == $m and .shellcode.detected == false)' >/dev/null ||
  e2e_fail "random bytes and a GET taken for shellcode: $(ev port.payload | jq -c .shellcode)"

# An exploit: an overflow's filler, a NOP sled and an x86 execve("/bin//sh").
{ printf 'GET /cgi-bin/'; head -c 600 /dev/zero | tr '\0' A; head -c 64 /dev/zero | tr '\0' '\220'
  printf '\x31\xc0\x50\x68\x2f\x2f\x73\x68\x68\x2f\x62\x69\x6e\x89\xe3\x50\x53\x89\xe1\x31\xd2\xb0\x0b\xcd\x80'
  printf ' HTTP/1.0\r\n\r\n'; } >"$E2E_TMP/exploit.bin"
r=$(client tcp $SIP 4444 "$E2E_TMP/exploit.bin")
md5=$(md5sum <"$E2E_TMP/exploit.bin" | cut -d' ' -f1)
e2e_wait_for 10 sh -c "'$KARAKURI' -c '$conf' events --json --type port.payload | grep -q '\"md5\":\"$md5\"'" ||
  e2e_fail "no port.payload for the exploit"
sc=$(ev port.payload | jq -c --arg m "$md5" 'select(.md5 == $m) | .shellcode')
e2e_log "the exploit's verdict: $(jq -c 'del(.listing)' <<<"$sc")"
jq -e '.detected and .arch == "x86" and .reached == "int80" and .syscall_nr == 11 and (.listing | test("int +0x80"))' \
  <<<"$sc" >/dev/null || e2e_fail "the execve shellcode was not found: $sc"

ev port.opened | jq -se 'any(.[]; .proto == "tcp" and .dst_port == 4444 and .dst_ip == "198.51.100.10")' >/dev/null ||
  e2e_fail "no port.opened for tcp 4444"
ev port.probe | jq -se 'any(.[]; .proto == "tcp" and .dst_port == 4444 and .decision == "open" and .src_ip == "198.51.100.20")' >/dev/null ||
  e2e_fail "no port.probe for tcp 4444"

# UDP: the first datagram is answered, never with more than it carried.
printf 'udp-probe-0123' >"$E2E_TMP/udp.bin"
r=$(client udp $SIP 5555 "$E2E_TMP/udp.bin")
e2e_log "udp 5555: $r"
[[ $(jq -r '.reply' <<<"$r") == "hello from sen" ]] || e2e_fail "udp 5555: no (or too long a) reply: $r"
md5=$(md5sum <"$E2E_TMP/udp.bin" | cut -d' ' -f1)
e2e_wait_for 10 sh -c "'$KARAKURI' -c '$conf' events --json --type port.payload | grep -q '\"md5\":\"$md5\"'" ||
  e2e_fail "no port.payload for udp 5555"
ev port.payload | jq -se --arg b "$(base64 -w0 <"$E2E_TMP/udp.bin")" \
  'any(.[]; .proto == "udp" and .dst_port == 5555 and .base64 == $b and .size == 14)' >/dev/null ||
  e2e_fail "udp port.payload wrong"

# A denied port stays closed (refused at once, as a closed port is).
r=$(client tcp $SIP 23 -)
[[ $(jq -r '.error' <<<"$r") == ConnectionRefusedError ]] || e2e_fail "tcp 23 (denied) not refused: $r"
e2e_wait_for 10 sh -c "'$KARAKURI' -c '$conf' events --json --type port.probe | jq -se 'any(.[]; .dst_port == 23 and .decision == \"deny\")'" ||
  e2e_fail "the denied probe is not recorded"

# The host's own service and karakuri's SSH port are never held.
as_attacker curl -sf --max-time 5 "http://$SIP:8080/" | grep -q "host service" || e2e_fail "the host's service is not reachable"
banner=$(as_attacker timeout 5 bash -c "exec 3<>/dev/tcp/$SIP/2222; head -c 7 <&3") || true
[[ "$banner" == SSH-2.0 ]] || e2e_fail "karakuri's SSH port: '$banner'"
sleep 1
if ev port.probe | jq -se 'any(.[]; .dst_port == 8080 or .dst_port == 2222)' >/dev/null; then
  e2e_fail "a port with a listening socket was queued"
fi

# A scan opens no more than the throttle (20 in 15 s, 2 used above).
as_attacker python3 - "$SIP" <<'PY'
import socket, sys
for port in range(10000, 10300):
    s = socket.socket()
    s.settimeout(1)
    try:
        s.connect((sys.argv[1], port))
    except OSError:
        pass
    s.close()
PY
sleep 1
opened=$(ev port.opened | jq -s 'length')
e2e_log "ports opened after a 300-port scan: $opened"
(( opened <= 20 )) || e2e_fail "the scan opened $opened ports (throttle 20)"
(( opened >= 3 )) || e2e_fail "the scan opened nothing: $opened"
as_attacker curl -sf --max-time 5 "http://$SIP:8080/" >/dev/null || e2e_fail "the host's service died in the scan"

# Idle: tcp 4444 closes after port_idle (4 s) with no traffic.
e2e_wait_for 15 sh -c "'$KARAKURI' -c '$conf' events --json --type port.closed | jq -se 'any(.[]; .proto == \"tcp\" and .dst_port == 4444)'" ||
  e2e_fail "no port.closed for tcp 4444"
if in_sensor ss -Hltn "sport = :4444" | grep -q LISTEN; then e2e_fail "tcp 4444 still listening after port.closed"; fi

# Fail-open: a port held open now, karakuri killed with -9: the host's
# service answers, a closed port is refused at once (not blackholed).
# (The scan filled the throttle: 7777 opens once its window has slid.)
opened7777() { client tcp $SIP 7777 - | jq -e '.reply == "hello from sensor\n"' >/dev/null; }
e2e_wait_for 30 opened7777 || e2e_fail "tcp 7777 not opened once the throttle's window slid"
ev port.probe | jq -se 'any(.[]; .dst_port == 7777 and .decision == "throttle")' >/dev/null ||
  e2e_log "note: 7777 was never throttled (the window had slid already)"
kill -KILL "$KK_PID"
wait "$KK_PID" 2>/dev/null || true
as_attacker curl -sf --max-time 5 "http://$SIP:8080/" >/dev/null || e2e_fail "after kill -9 the host's service is unreachable"
for p in 7777 9999; do
  r=$(client tcp $SIP $p -)
  [[ $(jq -r '.error' <<<"$r") == ConnectionRefusedError ]] || e2e_fail "after kill -9 tcp $p is not refused at once: $r"
done
r=$(as_attacker timeout 5 python3 -c "
import socket,time
s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM);s.settimeout(2)
s.connect(('$SIP',5556))  # Linux reports ICMP errors on connected UDP sockets only
s.send(b'x')
try:
    s.recv(10);print('reply')
except ConnectionRefusedError:
    print('refused')
except socket.timeout:
    print('timeout')") || true
[[ "$r" == refused ]] || e2e_fail "after kill -9 udp 5556 is not refused (ICMP): $r"
in_sensor iptables -t mangle -S KARAKURI-SENSOR >/dev/null 2>&1 || e2e_fail "the rules went with the process (expected left for cleanup)"
in_sensor "$KARAKURI" -c "$conf" cleanup >"$E2E_TMP/cleanup.log" 2>&1 || true
if in_sensor iptables -t mangle -S KARAKURI-SENSOR >/dev/null 2>&1 ||
  in_sensor ip6tables -t mangle -S KARAKURI-SENSOR >/dev/null 2>&1; then
  e2e_fail "karakuri cleanup left the sensor rules: $(cat "$E2E_TMP/cleanup.log")"
fi
if in_sensor iptables -t mangle -S INPUT | grep -q KARAKURI-SENSOR; then e2e_fail "a jump to KARAKURI-SENSOR is left"; fi
e2e_log "ok"
