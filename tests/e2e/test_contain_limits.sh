#!/usr/bin/env bash
# Resource limits, from an SSH session on a gateway: a memory hog is killed at
# [containment] memory, a CPU spin gets no more than [containment] cpus, a
# fork bomb stops at [containment] pids, empty files (on another honeynet)
# stop their container at [containment] inodes, a disk fill (there too, on a
# new gateway) at [containment] disk; each is a contain.limit event;
# while they run, a login from another address through karakuri completes
# within 5 s. The container runs without the capabilities it does not need and
# without no_new_privileges (by default: the image's setuid set is cut instead,
# test_persistence).
. "$KARAKURI_SRC/tests/e2e/lib.sh"
e2e_start_ssh_frontend 10.227.0.0/16 "[containment]
memory = 96M
cpus = 0.25
pids = 64
disk = 64M
inodes = 5000
[honeynet]
responder = no"
e2e_outside_ns

login() { e2e_as_attacker sshpass -p pw ssh "${SSHO[@]}" -p $port eve@"$ATT_HOST_IP" "$@"; }
login true || e2e_fail "login"
gw=$(e2e_containers "karakuri.honeynet=src-$ATT_IP" karakuri.role=gateway | head -n 1)
hc=$(e2e_api GET "/containers/$gw/json" | jq -c .HostConfig)
jq -e '.Memory == 100663296 and .MemorySwap == 100663296 and .NanoCpus == 250000000
  and .PidsLimit == 64 and (.CapDrop | index("MKNOD")) and (.SecurityOpt // [] | index("no-new-privileges") | not)
  and .Ulimits[0].Name == "nofile"' <<<"$hc" >/dev/null || e2e_fail "HostConfig: $hc"

# A memory hog: tail keeps the one endless line of /dev/zero.
login 'head -c 400M /dev/zero | tail >/dev/null; echo "hog exit $?"' >"$E2E_TMP/hog.txt" 2>&1 || true
grep -q "hog exit 0" "$E2E_TMP/hog.txt" && e2e_fail "the memory hog was not stopped: $(cat "$E2E_TMP/hog.txt")"

# A CPU spin for 8 s: it gets a quarter of a CPU (±, counted by the kernel).
t0=$(awk '{print $1}' "/sys/fs/cgroup/cpuacct/docker/$gw/cpuacct.usage" 2>/dev/null || echo 0)
login 'timeout 8 sh -c "while :; do :; done"; true' || true
t1=$(awk '{print $1}' "/sys/fs/cgroup/cpuacct/docker/$gw/cpuacct.usage" 2>/dev/null || echo 0)
if ((t1 > 0)); then
  ms=$(((t1 - t0) / 1000000))
  e2e_log "CPU used by an 8 s spin: $ms ms"
  ((ms < 3000)) || e2e_fail "the spin used $ms ms of CPU in 8 s (cpus = 0.25)"
fi

# A fork bomb, left running, and a spin beside it.
login 'nohup sh -c "while :; do :; done" >/dev/null 2>&1 & nohup bash -c ":(){ :|:& };:" >/dev/null 2>&1 & sleep 1' \
  >/dev/null 2>&1 || true
sleep 3
# The host still answers: a login from elsewhere (its own honeynet) in 5 s.
s=$(date +%s%N)
ip netns exec "$OUT_NS" sshpass -p pw ssh "${SSHO[@]}" -p $port bob@"$ATT_HOST_IP" true ||
  e2e_fail "a login from $OUT_IP while the bomb runs"
ms=$((($(date +%s%N) - s) / 1000000))
e2e_log "login during the fork bomb: $ms ms"
((ms < 5000)) || e2e_fail "the login took $ms ms"
n=$(awk '{print $1}' "/sys/fs/cgroup/pids/docker/$gw/pids.current" 2>/dev/null || echo 0)
((n <= 64)) || e2e_fail "$n processes in the gateway (pids = 64)"

# Empty files, on the other source's honeynet: no blocks, but inodes; past
# [containment] inodes its gateway is stopped.
gwb=$(e2e_containers --all "karakuri.honeynet=src-$OUT_IP" karakuri.role=gateway | head -n 1)
state() { e2e_api GET "/containers/$gwb/json" | jq -r .State.Status; }
stopped() { [[ "$(state)" == exited ]]; }
ip netns exec "$OUT_NS" sshpass -p pw ssh "${SSHO[@]}" -p $port bob@"$ATT_HOST_IP" \
  'mkdir -p $HOME/many && cd $HOME/many && seq 20000 | xargs touch; sleep 30' >"$E2E_TMP/touch.txt" 2>&1 &
toucher=$!
e2e_defer "kill $toucher 2>/dev/null"
e2e_wait_for 60 stopped || e2e_fail "the file maker's gateway was not stopped: $gwb $(state)"
inode_event() {
  "$KARAKURI" -c "$conf" events --json --type contain.limit | jq -se --arg c "$gwb" \
    'any(.[]; .limit == "inodes" and .container == $c and .value == 5000)'
}
e2e_wait_for 10 inode_event || e2e_fail "no contain.limit for inodes"
kill $toucher 2>/dev/null || true
# The disk fill gets a gateway of its own.
e2e_api DELETE "/containers/$gwb?force=true" >/dev/null

# A disk fill, on the other source's honeynet: its gateway is stopped.
ip netns exec "$OUT_NS" sshpass -p pw ssh "${SSHO[@]}" -p $port bob@"$ATT_HOST_IP" \
  'dd if=/dev/zero of=$HOME/fill bs=1M count=2000 2>&1; sleep 30' >"$E2E_TMP/dd.txt" 2>&1 &
filler=$!
e2e_defer "kill $filler 2>/dev/null"
new_gw() {
  gwb=$(e2e_containers --all "karakuri.honeynet=src-$OUT_IP" karakuri.role=gateway | head -n 1)
  [[ -n "$gwb" ]]
}
e2e_wait_for 60 new_gw || e2e_fail "no new gateway for the disk fill"
e2e_wait_for 60 stopped || e2e_fail "the disk filler's gateway was not stopped: $gwb $(state)"
used=$(du -sb "$(e2e_api GET "/containers/$gwb/json" | jq -r .GraphDriver.Data.UpperDir)" | cut -f1)
e2e_log "written before the stop: $used bytes (disk = 64M)"
((used < 2 * 67108864)) || e2e_fail "$used bytes written, disk = 64M"
disk_event() {
  "$KARAKURI" -c "$conf" events --json --type contain.limit | jq -se --arg c "$gwb" \
    'any(.[]; .limit == "disk" and .container == $c and .value == 67108864)'
}
e2e_wait_for 10 disk_event || e2e_fail "no contain.limit for disk"

# The watcher reads the counters every 2 s.
limited() {
  "$KARAKURI" -c "$conf" events --json --type contain.limit | jq -se --arg l "$1" --arg c "$gw" \
    --arg h "src-$ATT_IP" 'any(.[]; .limit == $l and .container == $c and .honeynet == $h and .count >= 1)'
}
for l in memory pids cpu; do
  e2e_wait_for 10 limited "$l" ||
    e2e_fail "no contain.limit for $l: $("$KARAKURI" -c "$conf" events --json --type contain.limit)"
done
e2e_log "ok"
