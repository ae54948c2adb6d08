#!/usr/bin/env bash
# bench/lan: how fast a LAN address the intruder connects to starts
# answering, karakuri against plain `docker run` of the same image, side by
# side in one run. For each of N addresses a client in a container on the LAN
# opens a TCP connection to port 22 and times it (bash $EPOCHREALTIME around
# the connect, so from its first ARP/SYN to the SYN-ACK):
#   - karakuri: the client is the gateway of a honeynet, the addresses are
#     its planned hosts; the responder claims a pooled decoy on first contact.
#   - docker run: on an internal network of the bench's own, `docker run` of
#     karakuri/decoy with that address is started at the same moment as the
#     connect, as an on-demand honeynet would on first contact; its time to
#     ready (run → sshd listening, seen in /proc) is printed too.
# A connect under 1 s (Linux's initial SYN and ARP retry time) means the first
# SYN was answered; one over it means the client had to retry.
# Targets (karakuri): p50 <= 20 ms, p99 <= 100 ms, 100 % first SYNs answered.
# Also printed: the idle memory of a honeynet with its pool (memory cgroup
# usage of its gateway and its ready pool decoys, before the probes), against
# the same number of plain `docker run` decoys of the reference, idle.
# Usage: bench/lan.sh [BUILD_DIR]   (root; the engine and images present)
set -euo pipefail
build=${1:-build}
kk="$build/karakuri"
N=${BENCH_LAN_HOSTS:-20}
GAP=${BENCH_LAN_GAP:-1}
REF_NET=10.254.77
[[ -x "$kk" ]] || { echo "no $kk: build first"; exit 2; }
((N >= 2 && N <= 32)) || { echo "BENCH_LAN_HOSTS must be 2..32 (the plan's limit)"; exit 2; }
command -v sshpass >/dev/null || { echo "no sshpass (apt-get install sshpass)"; exit 2; }
docker image inspect karakuri/decoy:latest >/dev/null 2>&1 || { echo "no karakuri/decoy: karakuri images build"; exit 2; }

tmp=$(mktemp -d /tmp/karakuri-bench-lan.XXXXXX)
ref=kkbench-lan-$$
kpid=""
cleanup() {
  [[ -n "$kpid" ]] && { kill -TERM "$kpid" 2>/dev/null || true; wait "$kpid" 2>/dev/null || true; }
  docker ps -aq --filter "label=kkbench=$ref" | xargs -r docker rm -f >/dev/null 2>&1 || true
  docker network rm "$ref" >/dev/null 2>&1 || true
  "$kk" -c "$tmp/karakuri.conf" cleanup >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT

# The client's loop: one connect per address, "ip ms" per line (ms -1: no answer).
probe='for ip in "$@"; do
  s=$EPOCHREALTIME
  if { : 3<>"/dev/tcp/$ip/22"; } 2>/dev/null; then
    e=$EPOCHREALTIME; echo "$ip $(( (${e/./} - ${s/./}) / 1000 )).$(( (${e/./} - ${s/./}) % 1000 / 100 ))"
  else echo "$ip -1"; fi
  sleep '"$GAP"'
done'
# The memory cgroup usage of containers "$@" in bytes, summed (cgroup v1 or v2).
mem_of() {
  local sum=0 id f
  for id in "$@"; do
    id=$(docker inspect -f '{{.Id}}' "$id")
    for f in "/sys/fs/cgroup/memory/docker/$id/memory.usage_in_bytes" \
             "/sys/fs/cgroup/system.slice/docker-$id.scope/memory.current"; do
      [[ -r $f ]] && { sum=$((sum + $(<"$f"))); break; }
    done
  done
  echo "$sum"
}
# True once sshd listens in every container "$@" (a socket on 22 in LISTEN).
sshd_up() {
  local id pid
  for id in "$@"; do
    pid=$(docker inspect -f '{{.State.Pid}}' "$id")
    grep -q ':0016 00000000:0000 0A' "/proc/$pid/net/tcp" 2>/dev/null || return 1
  done
}
# p50, p99, max and the share under 1000 ms of "ip ms" lines.
stats() {
  python3 -c '
import sys
v = [float(l.split()[1]) for l in sys.stdin if l.strip()]
ok = sorted(x for x in v if x >= 0)
pct = lambda p: ok[min(len(ok) - 1, int(p / 100 * len(ok)))] if ok else float("nan")
first = sum(1 for x in v if 0 <= x < 1000)
top = max(ok) if ok else float("nan")
print(f"{pct(50):.1f} {pct(99):.1f} {top:.1f} {100 * first / max(1, len(v)):.0f}")'
}

# ---- karakuri ----
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
printf 'bench:x:benchpw\n' >"$tmp/userdb"
cat >"$tmp/karakuri.conf" <<EOF
[ssh]
listen = 127.0.0.1:$port
auth = list:$tmp/userdb
[store]
dir = $tmp/var
[honeynet]
hosts = $N
pool = 6
decoys_max = $N
decoys_total = $N
EOF
"$kk" -c "$tmp/karakuri.conf" run >"$tmp/karakuri.log" 2>&1 &
kpid=$!
for _ in $(seq 100); do grep -q "listening" "$tmp/karakuri.log" && break; sleep 0.1; done
SSHO=(-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o ConnectTimeout=20)
sshpass -p benchpw ssh "${SSHO[@]}" -p "$port" bench@127.0.0.1 true || {
  echo "login through karakuri failed"; tail "$tmp/karakuri.log"; exit 1; }
hn=$("$kk" -c "$tmp/karakuri.conf" hosts --json | jq -c 'select(.honeynet == "src-127.0.0.1")')
mapfile -t hosts < <(jq -r '.hosts[].ip' <<<"$hn")
gw=$(docker ps -q --no-trunc --filter label=karakuri.honeynet=src-127.0.0.1 --filter label=karakuri.role=gateway)
[[ ${#hosts[@]} -eq $N && -n "$gw" ]] || { echo "no honeynet plan of $N hosts: $hn"; exit 1; }
for _ in $(seq 120); do
  [[ $(docker ps -q --filter label=karakuri.pool | wc -l) -ge 6 ]] && break
  sleep 0.5
done
# The quiet honeynet: its gateway and its pool, once the pool's sshds listen.
mapfile -t pooled < <(docker ps -q --filter label=karakuri.pool)
for _ in $(seq 100); do sshd_up "${pooled[@]}" && break; sleep 0.1; done
kgw_mem=$(mem_of "$gw")
kpool_mem=$(mem_of "${pooled[@]}")
docker exec "$gw" bash -c "$probe" probe "${hosts[@]}" >"$tmp/kk.txt"
read -r k50 k99 kmax kfirst < <(stats <"$tmp/kk.txt")
kill -TERM "$kpid"
wait "$kpid" || true
kpid=""

# ---- docker run ----
docker network create --internal --subnet "$REF_NET.0/24" --label "kkbench=$ref" "$ref" >/dev/null
docker run -d --label "kkbench=$ref" --network "$ref" --ip "$REF_NET.2" --entrypoint sleep \
  karakuri/gateway:latest infinity >/dev/null
client=$(docker ps -q --filter "label=kkbench=$ref")
: >"$tmp/ref.txt"
: >"$tmp/ready.txt"
for i in $(seq 10 $((9 + N))); do
  ip=$REF_NET.$i
  docker exec "$client" bash -c "$probe" probe "$ip" >>"$tmp/ref.txt" &
  cpid=$!
  s=$(date +%s%N)
  id=$(docker run -d --label "kkbench=$ref" --network "$ref" --ip "$ip" karakuri/decoy:latest)
  pid=$(docker inspect -f '{{.State.Pid}}' "$id")
  # sshd listening: a socket on port 22 (0016) in state LISTEN (0A).
  until grep -q ':0016 00000000:0000 0A' "/proc/$pid/net/tcp" 2>/dev/null; do sleep 0.002; done
  d=$((($(date +%s%N) - s) / 100000))
  echo "$ip $((d / 10)).$((d % 10))" >>"$tmp/ready.txt"
  wait "$cpid" || true
done
ref_ids=$(docker ps -q --filter "label=kkbench=$ref" --filter ancestor=karakuri/decoy:latest | head -n "${#pooled[@]}")
sleep 2 # idle, like the pool was
# shellcheck disable=SC2086
ref_mem=$(mem_of $ref_ids)
read -r r50 r99 rmax rfirst < <(stats <"$tmp/ref.txt")
read -r y50 y99 ymax _ < <(stats <"$tmp/ready.txt")

printf '%-34s %9s %9s %9s %13s\n' "first contact -> answer (ms)" p50 p99 max "first SYN ok"
printf '%-34s %9s %9s %9s %12s%%\n' "karakuri (warm pool, netlink)" "$k50" "$k99" "$kmax" "$kfirst"
printf '%-34s %9s %9s %9s %12s%%\n' "docker run (client's connect)" "$r50" "$r99" "$rmax" "$rfirst"
printf '%-34s %9s %9s %9s\n' "docker run (run -> sshd listening)" "$y50" "$y99" "$ymax"
python3 -c "print(f'p50: karakuri answers {float(\"$y50\") / max(float(\"$k50\"), 0.1):.0f}x sooner than docker run is ready')"
python3 -c "
gw, pool, ref, n = $kgw_mem, $kpool_mem, $ref_mem, ${#pooled[@]}
m = 1 << 20
print(f'idle memory of a honeynet with its pool: {(gw + pool) / m:.0f} MiB '
      f'(gateway {gw / m:.0f} MiB + {n} pool decoys {pool / m:.0f} MiB, {pool / max(n, 1) / m:.1f} MiB each)')
print(f'{n} plain docker run decoys, idle: {ref / m:.0f} MiB; pool decoys cost '
      f'{pool / max(ref, 1):.1f}x as much (they run every role\'s services)')"
python3 -c "
import sys
ok = float('$k50') <= 20 and float('$k99') <= 100 and float('$kfirst') >= 100
print('targets (p50 <= 20 ms, p99 <= 100 ms, 100 % first SYNs):', 'met' if ok else 'MISSED')
sys.exit(0 if ok else 1)"
