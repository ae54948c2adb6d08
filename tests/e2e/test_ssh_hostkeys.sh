#!/usr/bin/env bash
# Host keys are not made per scanner (issue 11, M4): 50 connections from 50
# source addresses that never log in leave no key directory behind and cost
# little CPU, as every key they are shown comes from a pool made ahead of
# time; each source sees the same key on every connection. A source that logs
# in keeps the key it was shown, until its honeynet is removed.
. "$KARAKURI_SRC/tests/e2e/lib.sh"
e2e_need_docker
e2e_attacker_ns
port=2222
conf=$(e2e_config "[ssh]
listen = $ATT_HOST_IP:$port
[honeynet]
lan_pool = 10.233.0.0/16
retention = 10s")
e2e_defer "'$KARAKURI' -c '$conf' cleanup"
e2e_start_karakuri "$conf"
e2e_wait_for 10 grep -q "SSH front end listening" "$E2E_TMP/karakuri.log" ||
  e2e_fail "the SSH front end did not start"
e2e_wait_for 60 grep -q "host key sets ready" "$E2E_TMP/karakuri.log" || e2e_fail "the key pool was not made"

# 50 more addresses of the attacker's, clear of its /30.
base=${ATT_IP%.*}
last=${ATT_IP##*.}
first=$((last < 128 ? 192 : 64))
srcs=()
for i in $(seq 0 49); do
  a="$base.$((first + i))"
  ip -n "$ATT_NS" addr add "$a/32" dev "${ATT_HOST_IF}p"
  ip route add "$a/32" via "$ATT_IP" dev "$ATT_HOST_IF"
  e2e_defer "ip route del $a/32 2>/dev/null"
  srcs+=("$a")
done

# CPU of the daemon and the zygote, with their reaped children.
cpu() {
  local t=0 p
  for p in "$KK_PID" $(ps -o pid= --ppid "$KK_PID"); do
    t=$((t + $(awk '{print $14 + $15 + $16 + $17}' "/proc/$p/stat")))
  done
  echo "$t"
}
# Each source: its identification, the server's KEXINIT (its host key
# types) read, then gone; twice, for the key it is shown each time.
scan() {
  e2e_as_attacker python3 - "$ATT_HOST_IP" "$port" "$@" <<'PY'
import socket, sys, time
host, port = sys.argv[1], int(sys.argv[2])
for src in sys.argv[3:]:
    s = socket.socket()
    s.settimeout(10)
    s.bind((src, 0))
    s.connect((host, port))
    s.sendall(b'SSH-2.0-OpenSSH_9.2p1 scanner\r\n')
    buf = b''
    while b'ssh-ed25519' not in buf:
        d = s.recv(4096)
        if not d:
            sys.exit('closed before the KEXINIT: %r' % buf)
        buf += d
    s.close()
PY
}
t0=$(cpu)
scan "${srcs[@]}" || e2e_fail "the scans"
sleep 2 # the last session processes end
t1=$(cpu)
ms=$(((t1 - t0) * 1000 / $(getconf CLK_TCK)))
e2e_log "CPU for 50 sources' connections: $ms ms"
((ms < 1500)) || e2e_fail "50 scanners cost $ms ms of CPU"
n=$( (find "$E2E_TMP/var/hostkeys" -mindepth 1 -maxdepth 1 -type d 2>/dev/null || true) | wc -l)
e2e_assert_eq 0 "$n" "key directories left by sources that never logged in"

# One source, the same key each time.
key() {
  e2e_as_attacker ssh-keyscan -T 10 -p $port -t ed25519 "$ATT_HOST_IP" 2>/dev/null | awk '{print $3}'
}
k1=$(key)
k2=$(key)
[[ -n "$k1" && "$k1" == "$k2" ]] || e2e_fail "the key changes between connections of one source"

# It logs in: the key it was shown is kept as its own, and shown again.
SSHO=(-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o ConnectTimeout=20)
e2e_as_attacker sshpass -p pw ssh "${SSHO[@]}" -p $port eve@"$ATT_HOST_IP" true 2>/dev/null || e2e_fail "login"
kf="$E2E_TMP/var/hostkeys/$ATT_IP/ssh_host_ed25519_key"
e2e_assert_eq "$k1" "$(ssh-keygen -y -f "$kf" | awk '{print $2}')" "the kept key is the one shown"
e2e_assert_eq "$k1" "$(key)" "the key after the login"
# Its honeynet expires (retention 10 s): the keys go with it.
expired() { "$KARAKURI" -c "$conf" events --json --type contain.expired | grep -q '"honeynet"'; }
e2e_wait_for 60 expired || e2e_fail "the honeynet did not expire"
e2e_wait_for 15 test ! -e "$E2E_TMP/var/hostkeys/$ATT_IP" || e2e_fail "the keys outlived the honeynet"

kill -TERM "$KK_PID"
wait "$KK_PID" || e2e_fail "run did not exit 0"
e2e_log "ok"
