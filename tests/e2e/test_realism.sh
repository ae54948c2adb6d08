#!/usr/bin/env bash
# No container tells (issue 14): what public checks (deepce and the like) and
# bots look at, run as the intruder through karakuri on the gateway and, one
# hop further, on a decoy: no /.dockerenv nor /run/.containerenv; a cgroup
# namespace of its own (every line of /proc/1/cgroup at its hierarchy's root
# "/": this engine runs cgroup v1, so the lines are "N:ctrl:/" and "0::/");
# PID 1 is init, with sshd, cron and rsyslogd its children; no engine bind
# mounts of /etc/hosts, hostname or resolv.conf in /proc/self/mountinfo, the
# files themselves still there with the engine's content; systemd-detect-virt,
# when installed, says none. The rewritten files are no attacker changes: the
# gateway's file extraction reports none of them, nor /.dockerenv. A gateway
# started again (the engine mounts its files at every start) has none either.
. "$KARAKURI_SRC/tests/e2e/lib.sh"
e2e_start_ssh_frontend 10.231.0.0/16 "[honeynet]
pool = 2"

login() { e2e_as_attacker sshpass -p pw ssh "${SSHO[@]}" -p $port eve@"$ATT_HOST_IP" "$@"; }
ev() { "$KARAKURI" -c "$conf" events --json --type "$1"; }

# One line per check: name, then what it found (empty is the good answer
# where a tell would print something).
checks='
echo "dockerenv=$(ls -a / | grep -x .dockerenv)"
echo "containerenv=$(ls -a /run 2>/dev/null | grep -x .containerenv)"
echo "cgroup=$(grep -v ":/\$" /proc/1/cgroup /proc/self/cgroup | tr "\n" " ")"
echo "cgroup_docker=$(grep -c -e docker -e containerd /proc/1/cgroup)"
echo "comm=$(cat /proc/1/comm)"
echo "sched=$(head -n 1 /proc/1/sched 2>/dev/null | cut -d" " -f1)"
echo "mounts=$(grep -E "resolv.conf|hostname|hosts" /proc/self/mountinfo | tr "\n" " ")"
echo "docker_paths=$(grep -c /var/lib/docker/containers /proc/self/mountinfo)"
echo "hosts=$(grep -c "^127.0.0.1[[:space:]]*localhost" /etc/hosts)"
echo "hostname_file=$(cat /etc/hostname)"
echo "hostname=$(hostname)"
echo "resolv=$(grep -c ^nameserver /etc/resolv.conf)"
for d in sshd cron rsyslogd; do
  echo "parent_$d=$(ps -eo ppid=,comm= | awk -v d=$d "\$2 == d {print \$1}" | sort -n -u | head -n 1)"
done
echo "ps1=$(ps -o comm= -p 1)"
if command -v systemd-detect-virt >/dev/null; then echo "virt=$(systemd-detect-virt)"; else echo virt=none; fi
'

# Asserts the answers of one host ($1: what it is, $2: the output).
judge() {
  local what=$1 out=$2
  echo "$out" >"$E2E_TMP/checks-$what.log"
  val() { sed -n "s/^$1=//p" <<<"$out" | head -n 1; }
  e2e_assert_eq "" "$(val dockerenv)" "$what: /.dockerenv"
  e2e_assert_eq "" "$(val containerenv)" "$what: /run/.containerenv"
  e2e_assert_eq "" "$(val cgroup | sed 's/ *$//')" "$what: cgroup lines off their root"
  e2e_assert_eq 0 "$(val cgroup_docker)" "$what: docker in /proc/1/cgroup"
  e2e_assert_eq init "$(val comm)" "$what: /proc/1/comm"
  e2e_assert_eq init "$(val sched)" "$what: /proc/1/sched"
  e2e_assert_eq init "$(val ps1)" "$what: ps -p 1"
  e2e_assert_eq "" "$(val mounts | sed 's/ *$//')" "$what: engine mounts in mountinfo"
  e2e_assert_eq 0 "$(val docker_paths)" "$what: /var/lib/docker/containers in mountinfo"
  e2e_assert_eq 1 "$(val hosts)" "$what: /etc/hosts kept its localhost line"
  e2e_assert_eq "$(val hostname)" "$(val hostname_file)" "$what: /etc/hostname"
  e2e_assert_ge "$(val resolv)" 1 "$what: nameserver lines in /etc/resolv.conf"
  for d in sshd cron rsyslogd; do
    e2e_assert_eq 1 "$(val parent_$d)" "$what: parent of $d"
  done
  e2e_assert_eq none "$(val virt)" "$what: systemd-detect-virt"
}

# The gateway.
out=$(login "$checks") || e2e_fail "checks on the gateway: $out"
judge gateway "$out"
e2e_log "gateway: no tells"

# A decoy, through the gateway (ssh -L: the connection leaves from it).
pool_ready() { [[ $(e2e_containers karakuri.pool | wc -l) -ge 2 ]]; }
e2e_wait_for 90 pool_ready || e2e_fail "the decoy pool did not fill"
hn=$("$KARAKURI" -c "$conf" hosts --json | jq -c --arg n "src-$ATT_IP" 'select(.honeynet == $n)')
target=$(jq -r '.hosts[0].ip' <<<"$hn")
e2e_as_attacker sshpass -p pw ssh "${SSHO[@]}" -N -L 127.0.0.1:9024:"$target":22 -p $port \
  eve@"$ATT_HOST_IP" 2>/dev/null &
fwd=$!
e2e_defer "kill $fwd 2>/dev/null"
banner() { e2e_as_attacker bash -c 'exec 3<>/dev/tcp/127.0.0.1/9024 && IFS= read -r -t 5 l <&3 && echo "$l"'; }
e2e_wait_for 20 banner || e2e_fail "the forward to $target did not open"
out=$(e2e_as_attacker sshpass -p pw ssh "${SSHO[@]}" -p 9024 eve@127.0.0.1 "$checks" 2>"$E2E_TMP/ssh.err") ||
  e2e_fail "checks on the decoy $target: $(cat "$E2E_TMP/ssh.err")"
judge decoy "$out"
want=$(jq -r --arg ip "$target" '.hosts[] | select(.ip == $ip) | .hostname' <<<"$hn")
e2e_assert_eq "$want" "$(sed -n 's/^hostname_file=//p' <<<"$out")" "the decoy's /etc/hostname"
kill "$fwd" 2>/dev/null || true
wait "$fwd" 2>/dev/null || true
e2e_log "decoy $target: no tells"

# What the gateway's extraction found: none of the rewritten files. A file of
# the intruder's own marks the end of an extraction.
login 'echo loot >/tmp/realism-mark' || e2e_fail "login"
extracted() { jq -se 'any(.[]; .path == "/tmp/realism-mark")' <<<"$(ev file.changed)"; }
e2e_wait_for 60 extracted || e2e_fail "the gateway's files were not extracted: $(ev file.changed)"
bad=$(ev file.changed | jq -r 'select(.path == "/etc/hosts" or .path == "/etc/hostname" or
  .path == "/etc/resolv.conf" or .path == "/.dockerenv") | .path')
e2e_assert_eq "" "$bad" "engine files reported as the intruder's changes"

# The engine mounts its files again at every start: a gateway stopped (as
# retention leaves one) and started again by the next login has none either.
gw=$(e2e_containers "karakuri.honeynet=src-$ATT_IP" karakuri.role=gateway)
docker stop "$gw" >/dev/null
out=$(login "$checks") || e2e_fail "checks on the restarted gateway: $out"
judge restarted-gateway "$out"
e2e_log "restarted gateway: no tells"
kill -0 "$KK_PID" || e2e_fail "karakuri died"
e2e_log "ok"
