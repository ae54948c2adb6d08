#!/usr/bin/env bash
# bench/ssh: karakuri's SSH front end against Debian's OpenSSH sshd, side by
# side in one run, both on loopback:
#   - server CPU milliseconds per failed login attempt (the daemon and every
#     process it or its zygote forked, from /proc utime+stime including reaped
#     children)
#   - memory per idle connection (PSS of the server's process tree, before and
#     after M connections that sent their identification and wait)
#   - keystroke echo round-trip on a shell, through karakuri into the gateway
#     container vs. straight to that container's sshd (needs the engine)
#   - time to log in (to a shell prompt, and to the end of `exec true`)
#     through karakuri vs. straight into the gateway's sshd, alone and while
#     20 other sessions start and end
# Targets: CPU per attempt <= sshd's, <= 1 MB per idle connection, echo adds
# <= 1 ms (median), login <= 1.5x alone and <= 2x under load (median).
# Usage: bench/ssh.sh [BUILD_DIR]   (root; needs openssh-server, sshpass)
# openssh-server is not among the packages scripts/setup installs (its
# package scripts may start a system sshd): install it for this bench.
set -euo pipefail
build=${1:-build}
kk="$build/karakuri"
N=${BENCH_SSH_ATTEMPTS:-40}
M=${BENCH_SSH_IDLE:-50}
R=${BENCH_SSH_LOGINS:-10}
LOAD=${BENCH_SSH_LOAD:-20}
[[ -x "$kk" ]] || { echo "no $kk: build first"; exit 2; }
[[ -x /usr/sbin/sshd ]] || { echo "no /usr/sbin/sshd (apt-get install openssh-server)"; exit 2; }
command -v sshpass >/dev/null || { echo "no sshpass (apt-get install sshpass)"; exit 2; }

tmp=$(mktemp -d /tmp/karakuri-bench-ssh.XXXXXX)
pids=()
loaders=()
cleanup() {
  rm -f "$tmp/load.on"
  for p in "${loaders[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [[ -n "${echo_done:-}" ]] && "$kk" -c "$tmp/karakuri.conf" cleanup >/dev/null 2>&1
  true
  rm -rf "$tmp"
}
trap cleanup EXIT
trap "exit 143" TERM INT # so that the EXIT trap runs when the bench is stopped

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
kport=$(free_port)
sport=$(free_port)

# karakuri: a user list, limits out of the way.
# One account, so that the echo test can log in; the CPU test's attempts use
# a wrong password and all fail.
printf 'bench:x:benchpw\n' >"$tmp/userdb"
cat >"$tmp/karakuri.conf" <<EOF
[ssh]
listen = 127.0.0.1:$kport
auth = list:$tmp/userdb
max_unauth = 1000
max_unauth_per_source = 1000
[store]
dir = $tmp/var
EOF
"$kk" -c "$tmp/karakuri.conf" run >"$tmp/karakuri.log" 2>&1 &
kpid=$!
pids+=("$kpid")

# sshd: its own host key and config, password logins, no PAM.
ssh-keygen -q -t ed25519 -N '' -f "$tmp/ssh_host_ed25519_key"
mkdir -p /run/sshd
cat >"$tmp/sshd_config" <<EOF
Port $sport
ListenAddress 127.0.0.1
HostKey $tmp/ssh_host_ed25519_key
PasswordAuthentication yes
KbdInteractiveAuthentication no
UsePAM no
PidFile $tmp/sshd.pid
MaxStartups 1000
StrictModes no
EOF
/usr/sbin/sshd -D -e -f "$tmp/sshd_config" 2>"$tmp/sshd.log" &
spid=$!
pids+=("$spid")

# karakuri's host key pool is made at start (not per connection): wait for it.
for _ in $(seq 1 300); do
  grep -q "host key sets ready" "$tmp/karakuri.log" && break
  sleep 0.1
done
for _ in $(seq 1 50); do
  ssh-keyscan -T 1 -p "$kport" 127.0.0.1 >/dev/null 2>&1 && ssh-keyscan -T 1 -p "$sport" 127.0.0.1 >/dev/null 2>&1 && break
  sleep 0.2
done

# CPU ticks of a process and its reaped children, and of its live children
# and theirs (karakuri's session processes are its zygote's children).
ticks() {
  local t p
  t=$(awk '{print $14 + $15 + $16 + $17}' "/proc/$1/stat")
  for p in $(ps -o pid= --ppid "$1"); do
    t=$((t + $(awk '{print $14 + $15 + $16 + $17}' "/proc/$p/stat" 2>/dev/null || echo 0)))
  done
  echo "$t"
}
hz=$(getconf CLK_TCK)

attempts() { # port
  local port=$1
  for w in $(seq 1 8); do
    (
      for _ in $(seq 1 $((N / 8))); do
        sshpass -p wrong ssh -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
          -o NumberOfPasswordPrompts=1 -o PreferredAuthentications=password \
          -p "$port" bench@127.0.0.1 true >/dev/null 2>&1 || true
      done
    ) &
  done
  wait
}

cpu_per_attempt() { # pid port
  local before after
  before=$(ticks "$1")
  attempts "$2"
  sleep 1 # let the last children be reaped
  after=$(ticks "$1")
  python3 -c "print(f'{($after - $before) * 1000 / $hz / $N:.2f}')"
}

# PSS (kB) of a process and all its descendants.
pss_tree() {
  python3 - "$1" <<'PY'
import os, sys
root = int(sys.argv[1])
kids = {}
for p in os.listdir('/proc'):
    if p.isdigit():
        try:
            ppid = int(open(f'/proc/{p}/stat').read().rsplit(')', 1)[1].split()[1])
            kids.setdefault(ppid, []).append(int(p))
        except OSError:
            pass
total, todo = 0, [root]
while todo:
    p = todo.pop()
    todo.extend(kids.get(p, []))
    try:
        for line in open(f'/proc/{p}/smaps_rollup'):
            if line.startswith('Pss:'):
                total += int(line.split()[1])
    except OSError:
        pass
print(total)
PY
}

mem_per_idle() { # pid port
  local before after
  before=$(pss_tree "$1")
  python3 - "$2" "$M" "$tmp/idle.$2" <<'PY' &
import socket, sys, time, os
port, m, flag = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
socks = []
for _ in range(m):
    s = socket.create_connection(('127.0.0.1', port))
    s.sendall(b'SSH-2.0-bench\r\n')
    s.recv(256)
    socks.append(s)
open(flag, 'w').close()
time.sleep(30)
PY
  local holder=$!
  for _ in $(seq 1 100); do [[ -e "$tmp/idle.$2" ]] && break; sleep 0.1; done
  sleep 1
  after=$(pss_tree "$1")
  kill "$holder" 2>/dev/null || true
  wait "$holder" 2>/dev/null || true
  python3 -c "print(f'{($after - $before) / $M:.0f}')"
}

k_cpu=$(cpu_per_attempt "$kpid" "$kport")
s_cpu=$(cpu_per_attempt "$spid" "$sport")
k_mem=$(mem_per_idle "$kpid" "$kport")
s_mem=$(mem_per_idle "$spid" "$sport")

# Keystroke echo: one byte typed on a shell's terminal until it comes back,
# through karakuri into the gateway container, and straight to the same
# container's sshd. Needs the Docker engine and the images.
echo_rtt() { # host port: prints "median p99" in ms
  python3 - "$1" "$2" <<'PY'
import os, select, subprocess, sys, time
host, port = sys.argv[1], sys.argv[2]
p = subprocess.Popen(['sshpass', '-p', 'benchpw', 'ssh', '-tt', '-o', 'StrictHostKeyChecking=no',
                      '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR', '-p', port,
                      'bench@' + host], stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0)
def read_until(token, timeout=20):
    buf, end = b'', time.time() + timeout
    while token not in buf:
        r, _, _ = select.select([p.stdout], [], [], max(0, end - time.time()))
        if not r:
            raise SystemExit('timeout waiting for %r' % token)
        buf += os.read(p.stdout.fileno(), 65536)
    return buf
read_until(b'$ ')
rtts = []
for i in range(300):
    t0 = time.perf_counter()
    p.stdin.write(b'x')
    read_until(b'x', 5)
    rtts.append((time.perf_counter() - t0) * 1000)
p.stdin.write(b'\x15exit\n')
p.wait(10)
rtts = sorted(rtts[20:])
print(f'{rtts[len(rtts) // 2]:.3f} {rtts[int(len(rtts) * 0.99)]:.3f}')
PY
}
echo_line="keystroke echo round-trip: not measured (no Docker engine or images)"
echo_ok=1
if "$kk" -c "$tmp/karakuri.conf" images status >/dev/null 2>&1; then
  sshpass -p benchpw ssh -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -p "$kport" \
    bench@127.0.0.1 true >/dev/null 2>&1 || true
  echo_done=1
  gw=$("$kk" -c "$tmp/karakuri.conf" events --json --type lan.honeynet_created | tail -n 1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["gateway_ip"])' 2>/dev/null || true)
  if [[ -n "$gw" ]]; then
    read -r k_med k_p99 < <(echo_rtt 127.0.0.1 "$kport")
    read -r d_med d_p99 < <(echo_rtt "$gw" 22)
    added=$(python3 -c "print(f'{$k_med - $d_med:.3f}')")
    echo_line=$(printf '%-34s %10s %10s %8s\n%-34s %10s %10s\n%s' "echo round-trip median (ms)" "$k_med" "$d_med" \
      "+$added" "echo round-trip p99 (ms)" "$k_p99" "$d_p99" \
      "(karakuri -> gateway sshd vs. the same sshd directly; target: added median <= 1 ms)")
    echo_ok=$(python3 -c "print(int($k_med - $d_med <= 1.0))")
  fi
fi

# Login time: to a shell prompt (ssh -tt, until "$ ") and to the end of
# `exec true`, through karakuri and straight into the gateway's sshd, alone
# and while LOAD other sessions (each a loop of logins running `sleep 1`)
# start and end on the same path. Median of R logins each (a login refused
# or failed is retried and counted). Targets: <= 1.5x alone, <= 2x under load.
login_ms() { # host port mode(shell|exec): prints the median in ms
  python3 - "$1" "$2" "$3" "$R" <<'PY'
import os, select, subprocess, sys, time
host, port, mode, r = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
base = ['sshpass', '-p', 'benchpw', 'ssh', '-o', 'StrictHostKeyChecking=no',
        '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR', '-p', port]
def shell():
    p = subprocess.Popen(base + ['-tt', 'bench@' + host], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, bufsize=0)
    buf, end = b'', time.time() + 60
    while b'$ ' not in buf:
        rd, _, _ = select.select([p.stdout], [], [], max(0, end - time.time()))
        chunk = os.read(p.stdout.fileno(), 65536) if rd else b''
        if not chunk:  # timed out or closed: a failed login
            p.kill()
            p.wait()
            return None
        buf += chunk
    t = time.perf_counter()
    p.stdin.write(b'exit\n')
    p.wait(20)
    return t
def run_exec():
    rc = subprocess.run(base + ['bench@' + host, 'true'], timeout=60,
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
    return time.perf_counter() if rc == 0 else None
ms, failed = [], 0
while len(ms) < r and failed < 5 * r:
    t0 = time.perf_counter()
    t1 = shell() if mode == 'shell' else run_exec()
    if t1 is None:
        failed += 1
    else:
        ms.append((t1 - t0) * 1000)
ms.sort()
print(f'{ms[len(ms) // 2]:.0f}' if ms else '99999', failed)
PY
}
load_start() { # host port: LOAD loops of `ssh ... 'sleep 1'` until load_stop
  # Each loop starts at its own random offset: started together, the loops
  # log in in bursts and then all sleep, and a login measured in the quiet
  # between two bursts is not under load. Each loop counts its sessions, so
  # that the load each side really carried is printed beside the figures.
  touch "$tmp/load.on"
  : >"$tmp/load.ok"
  : >"$tmp/load.bad"
  loaders=()
  for _ in $(seq 1 "$LOAD"); do
    (sleep "$(python3 -c 'import random; print(f"{random.uniform(0, 1.5):.2f}")')"
    while [[ -e "$tmp/load.on" ]]; do
      if sshpass -p benchpw ssh -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
        -o LogLevel=ERROR -p "$2" bench@"$1" 'sleep 1' >/dev/null 2>&1; then
        echo >>"$tmp/load.ok"
      else
        echo >>"$tmp/load.bad"
        sleep 0.2
      fi
    done) &
    loaders+=($!)
  done
  sleep 3
  load_t0=$(date +%s.%N)
  load_ok0=$(wc -l <"$tmp/load.ok")
  load_bad0=$(wc -l <"$tmp/load.bad")
}
load_stop() { # key: records "<sessions/s> <failed>" the others carried while measured
  local t1 ok bad
  t1=$(date +%s.%N)
  ok=$(($(wc -l <"$tmp/load.ok") - load_ok0))
  bad=$(($(wc -l <"$tmp/load.bad") - load_bad0))
  rm -f "$tmp/load.on"
  for p in "${loaders[@]}"; do wait "$p" 2>/dev/null || true; done
  loaders=()
  carried[$1]=$(python3 -c "print(f'{$ok / max($t1 - $load_t0, 0.001):.1f} {$bad}')")
}
login_line="login time: not measured (no Docker engine or images)"
login_ok=1
if [[ -n "${gw:-}" ]]; then
  declare -A lt carried
  nfail=0
  measure() { # key host port mode
    local m f
    read -r m f < <(login_ms "$2" "$3" "$4")
    lt[$1]=$m
    nfail=$((nfail + f))
  }
  for mode in shell exec; do
    measure k_$mode 127.0.0.1 "$kport" $mode
    measure d_$mode "$gw" 22 $mode
  done
  load_start 127.0.0.1 "$kport"
  for mode in shell exec; do measure kl_$mode 127.0.0.1 "$kport" $mode; done
  load_stop k
  load_start "$gw" 22
  for mode in shell exec; do measure dl_$mode "$gw" 22 $mode; done
  load_stop d
  login_line=$(
    for mode in shell exec; do
      what=$([[ $mode == shell ]] && echo "to a shell prompt" || echo "exec true")
      printf '%-34s %10s %10s %8s\n' "login $what, alone (ms)" "${lt[k_$mode]}" "${lt[d_$mode]}" \
        "$(python3 -c "print(f'{${lt[k_$mode]} / max(${lt[d_$mode]}, 1):.2f}')")"
      printf '%-34s %10s %10s %8s\n' "login $what, $LOAD others (ms)" "${lt[kl_$mode]}" \
        "${lt[dl_$mode]}" "$(python3 -c "print(f'{${lt[kl_$mode]} / max(${lt[dl_$mode]}, 1):.2f}')")"
    done
    read -r k_rate k_bad <<<"${carried[k]}"
    read -r d_rate d_bad <<<"${carried[d]}"
    printf '%-34s %10s %10s\n' "the $LOAD others' sessions per s" "$k_rate" "$d_rate"
    printf '%-34s %10s %10s\n' "the $LOAD others' failed sessions" "$k_bad" "$d_bad"
    printf '(karakuri vs. straight into the gateway sshd, median of %s, %s failed logins retried; target: <= 1.5x alone, <= 2x under load)' "$R" "$nfail"
  )
  login_ok=$(python3 -c "print(int(${lt[k_shell]} <= 1.5 * ${lt[d_shell]} and ${lt[k_exec]} <= 1.5 * ${lt[d_exec]} and ${lt[kl_shell]} <= 2 * ${lt[dl_shell]} and ${lt[kl_exec]} <= 2 * ${lt[dl_exec]}))")
fi

echo "failed login attempts: $N (8 at a time); idle connections: $M"
printf '%-34s %10s %10s %8s\n' "" karakuri sshd ratio
printf '%-34s %10s %10s %8s\n' "server CPU ms per login attempt" "$k_cpu" "$s_cpu" \
  "$(python3 -c "print(f'{$k_cpu / max($s_cpu, 0.01):.2f}')")"
printf '%-34s %10s %10s %8s\n' "memory per idle connection (kB)" "$k_mem" "$s_mem" \
  "$(python3 -c "print(f'{$k_mem / max($s_mem, 1):.2f}')")"
echo "$echo_line"
echo "$login_line"
# One verdict per target, then the whole.
verdict() { [[ "$1" == 1 ]] && echo PASS || echo FAIL; }
cpu_ok=$(python3 -c "print(int($k_cpu <= $s_cpu))")
mem_ok=$(python3 -c "print(int($k_mem <= 1024))")
printf '%s: CPU per attempt <= sshd'"'"'s\n' "$(verdict "$cpu_ok")"
printf '%s: <= 1 MB per idle connection\n' "$(verdict "$mem_ok")"
printf '%s: echo adds <= 1 ms (median)\n' "$(verdict "$echo_ok")"
printf '%s: login <= 1.5x alone and <= 2x under load (median)\n' "$(verdict "$login_ok")"
if [[ "$cpu_ok$mem_ok$echo_ok$login_ok" == 1111 ]]; then
  echo "PASS: every target"
else
  echo "FAIL: not every target is met"
  exit 1
fi
