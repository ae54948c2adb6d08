#!/usr/bin/env bash
# Trails to follow (src/lan/trail.h): the gateway's /etc/hosts names planned
# hosts; the image's admin (no sudoer) and root have known_hosts (root's
# hashed), ssh config, id_rsa and a bash history that name them. As a worm
# would, a loop over admin's known_hosts with admin's key reaches the decoys
# with no host-key warning (the keys they serve are the ones named), both as
# another user (the files are readable: a sloppy server), as admin itself
# with ssh's defaults and its ssh config, and as root; a decoy carries the trails one hop further, and the
# next hop works too. `karakuri hosts` shows the decoys; none of the planted
# files shows as a changed file at extraction.
. "$KARAKURI_SRC/tests/e2e/lib.sh"
e2e_start_ssh_frontend 10.236.0.0/16 "[honeynet]
pool = 4"

login() { # user, then the command
  local u=$1
  shift
  e2e_as_attacker sshpass -p pw ssh "${SSHO[@]}" -o LogLevel=ERROR -p $port "$u"@"$ATT_HOST_IP" "$@"
}
ev() { "$KARAKURI" -c "$conf" events --json --type "$1"; }
login eve true || e2e_fail "login"
mine() { "$KARAKURI" -c "$conf" hosts --json | jq -c --arg n "src-$ATT_IP" 'select(.honeynet == $n)'; }
hn=$(mine)
planned=$(jq -r '.hosts[].ip' <<<"$hn")
gw=$(e2e_containers "karakuri.honeynet=src-$ATT_IP" karakuri.role=gateway)
pool_ready() { [[ $(e2e_containers karakuri.pool | wc -l) -ge 4 ]]; }
e2e_wait_for 90 pool_ready || e2e_fail "the decoy pool did not fill"

# The files, as the intruder finds them.
login eve 'cat /etc/hosts; echo ==; ls -la /home/admin/.ssh; echo ==; cat /home/admin/.ssh/config
  echo ==; cat /home/admin/.bash_history; echo ==; id admin' >"$E2E_TMP/gw.txt" 2>&1 ||
  e2e_fail "reading the trails: $(cat "$E2E_TMP/gw.txt")"
first=$(jq -r '.hosts[0] | "\(.ip)\t\(.hostname)"' <<<"$hn")
grep -qxF "$first" "$E2E_TMP/gw.txt" || e2e_fail "/etc/hosts does not name $first: $(cat "$E2E_TMP/gw.txt")"
for f in known_hosts config id_rsa id_rsa.pub; do
  grep -q " $f\$" "$E2E_TMP/gw.txt" || e2e_fail "no ~admin/.ssh/$f: $(cat "$E2E_TMP/gw.txt")"
done
grep -qx "HashKnownHosts no" "$E2E_TMP/gw.txt" || e2e_fail "admin's ssh config hashes"
grep -q "^mysql -h " "$E2E_TMP/gw.txt" || e2e_fail "no mysql in admin's history"
grep -q "^scp " "$E2E_TMP/gw.txt" || e2e_fail "no scp in admin's history"
grep -q "^uid=1000(admin)" "$E2E_TMP/gw.txt" || e2e_fail "no admin user: $(tail -n 1 "$E2E_TMP/gw.txt")"
grep "^uid=1000(admin)" "$E2E_TMP/gw.txt" | grep -q sudo && e2e_fail "admin is a sudoer"
docker exec "$gw" sh -c 'head -c 3 /root/.ssh/known_hosts; stat -c %a /root/.ssh/id_rsa; test -s /root/.bash_history' \
  >"$E2E_TMP/root.txt" 2>&1 || e2e_fail "root's trails: $(cat "$E2E_TMP/root.txt")"
e2e_assert_eq $'|1|600' "$(cat "$E2E_TMP/root.txt")" "root's known_hosts hashed, its key 0600"

# The worm, as eve: every host of admin's known_hosts with admin's key and
# admin's known_hosts, strictly checked.
login eve 'n=0; for h in $(cut -d" " -f1 /home/admin/.ssh/known_hosts | cut -d, -f2 | head -n 3); do
    ssh -oBatchMode=yes -oConnectTimeout=20 -oStrictHostKeyChecking=yes \
      -oUserKnownHostsFile=/home/admin/.ssh/known_hosts -i /home/admin/.ssh/id_rsa \
      admin@"$h" "echo reached \$(hostname) \$(id -un)" && n=$((n+1))
  done; echo "reached=$n"' >"$E2E_TMP/worm.txt" 2>&1 || true
e2e_log "worm as eve: $(tr '\n' ' ' <"$E2E_TMP/worm.txt")"
grep -q "^reached=[23]$" "$E2E_TMP/worm.txt" || e2e_fail "the worm reached too few decoys: $(cat "$E2E_TMP/worm.txt")"
grep -qi -e "warning" -e "verification failed" "$E2E_TMP/worm.txt" &&
  e2e_fail "host-key warnings: $(cat "$E2E_TMP/worm.txt")"

# As admin (a password karakuri accepts), with ssh's defaults and admin's
# own files, then one hop further from the first decoy.
login admin 'for h in $(cut -d" " -f1 ~/.ssh/known_hosts | cut -d, -f2 | head -n 2); do
    ssh -oBatchMode=yes -i ~/.ssh/id_rsa admin@"$h" true && echo "ok $h"
  done' >"$E2E_TMP/admin.txt" 2>&1 || true
e2e_log "as admin: $(tr '\n' ' ' <"$E2E_TMP/admin.txt")"
e2e_assert_eq 2 "$(grep -c '^ok ' "$E2E_TMP/admin.txt")" "decoys reached as admin with ssh's defaults"
grep -qi -e "warning" -e "verification failed" "$E2E_TMP/admin.txt" &&
  e2e_fail "host-key warnings as admin: $(cat "$E2E_TMP/admin.txt")"
# admin's ssh config names hosts; root's hashed known_hosts works as root's
# (root in the gateway: docker exec).
name0=$(jq -r '.hosts[0].hostname' <<<"$hn")
out=$(login admin "ssh -oBatchMode=yes $name0 hostname" 2>&1 || true)
e2e_assert_eq "$name0" "$out" "ssh $name0 as admin, by its ssh config"
ip0=$(jq -r '.hosts[0].ip' <<<"$hn")
out=$(docker exec "$gw" ssh -oBatchMode=yes -oConnectTimeout=20 admin@"$ip0" hostname 2>&1 || true)
e2e_assert_eq "$name0" "$out" "ssh admin@$ip0 as root, by root's hashed known_hosts"
d1=$(grep -m1 '^ok ' "$E2E_TMP/admin.txt" | cut -d' ' -f2)
login admin "ssh -oBatchMode=yes admin@$d1 'test -s ~/.ssh/authorized_keys && grep -c . ~/.ssh/known_hosts &&
  h=\$(cut -d\" \" -f1 ~/.ssh/known_hosts | cut -d, -f2 | head -n 1) &&
  ssh -oBatchMode=yes -oConnectTimeout=20 admin@\$h hostname'" >"$E2E_TMP/hop2.txt" 2>&1 ||
  e2e_fail "the second hop from $d1: $(cat "$E2E_TMP/hop2.txt")"
e2e_log "second hop from $d1: $(tr '\n' ' ' <"$E2E_TMP/hop2.txt")"

# karakuri hosts: the reached decoys live.
hn=$(mine)
live=$(jq '[.hosts[] | select(.state == "live")] | length' <<<"$hn")
e2e_assert_ge "$live" 3 "decoys live in karakuri hosts"
"$KARAKURI" -c "$conf" hosts >"$E2E_TMP/hosts.txt"
grep -q "started" "$E2E_TMP/hosts.txt" || e2e_fail "hosts: $(cat "$E2E_TMP/hosts.txt")"
sid=$(ev command.exec | jq -r 'select(.command | test("UserKnownHostsFile")) | .session' | head -n 1)
"$KARAKURI" -c "$conf" session "$sid" --json >"$E2E_TMP/session.json"
jq -se 'any(.[]; .type == "lan.decoy_started")' "$E2E_TMP/session.json" >/dev/null ||
  e2e_fail "karakuri session $sid lists no decoy"

kill -TERM "$KK_PID"
wait "$KK_PID" || e2e_fail "run did not exit 0"
# The planted files are not the intruder's changes (gateway or decoy). But
# for $d1's known_hosts: its ssh (OpenSSH 9.2, UpdateHostKeys on by
# default) added the next hop's other host keys, an intruder's change. (A
# decoy's /etc/hosts is rewritten at its claim, as before the trails.)
gw_ip=$(jq -r .gateway.ip <<<"$hn")
planted=$(ev file.changed | jq -r --arg g "$gw_ip" --arg d1 "$d1" 'select((.path | test("^/home/admin/\\.ssh/|^/root/\\.ssh/|_history$"))
    or (.path == "/etc/hosts" and (.host_ip == null or .host_ip == $g)))
  | select(.host_ip != $d1 or (.path | test("^/home/admin/\\.ssh/known_hosts(\\.old)?$") | not))
  | "\(.host_ip // "gw") \(.path)"')
[[ -z "$planted" ]] || e2e_fail "planted files extracted as changes: $planted"
e2e_log "ok"
