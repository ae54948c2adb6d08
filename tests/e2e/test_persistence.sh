#!/usr/bin/env bash
# Persistence works as on a real server (issue 14 item 2), through karakuri
# from the attacker namespace: passwd changes the user's password, and the
# next login with the new one reaches the same account and files while the
# old one is refused (login.failed, reason "account"); crontab -l, - and -e
# work, cron runs the job within a minute and its executions are proc.exec
# events. No no_new_privileges for that: the set-user-ID and set-group-ID
# programs of a running gateway and a decoy are exactly
# images/server/setuid-allow, none with file capabilities, and neither su nor
# sudo gives the user root.
. "$KARAKURI_SRC/tests/e2e/lib.sh"
e2e_start_ssh_frontend 10.237.0.0/16 "[honeynet]
pool = 1"

as() { # password, then the command
  local pw=$1
  shift
  e2e_as_attacker sshpass -p "$pw" ssh "${SSHO[@]}" -o NumberOfPasswordPrompts=1 -p $port \
    mallory@"$ATT_HOST_IP" "$@"
}
ev() { "$KARAKURI" -c "$conf" events --json --type "$1"; }
old='S3cret!1'
new='Wq7-persist-Zr9'

out=$(as "$old" 'echo mine >keep.txt; id -un' 2>/dev/null) || e2e_fail "first login"
e2e_assert_eq mallory "$out" "first login"

# The set-user-ID and set-group-ID programs: the allow-list, on the gateway
# and on a decoy of its LAN (a pool container, as the image runs).
want=$(grep -v '^#' "$KARAKURI_SRC/images/server/setuid-allow" | sort)
gw=$(e2e_containers "karakuri.honeynet=src-$ATT_IP" karakuri.role=gateway | head -n 1)
[[ -n "$gw" ]] || e2e_fail "no gateway"
pool_ready() { [[ -n "$(e2e_containers karakuri.pool | head -n 1)" ]]; }
e2e_wait_for 90 pool_ready || e2e_fail "no decoy in the pool"
decoy=$(e2e_containers karakuri.pool | head -n 1)
for c in "$gw" "$decoy"; do
  got=$(docker exec "$c" sh -c 'find / -xdev -type f -perm /6000 | sort')
  e2e_assert_eq "$want" "$got" "set-user-ID/set-group-ID programs of ${c:0:12}"
  caps=$(docker exec "$c" sh -c 'getcap -r / 2>/dev/null || true')
  e2e_assert_eq "" "$caps" "file capabilities in ${c:0:12}"
  nnp=$(docker exec "$c" sh -c 'grep "^NoNewPrivs" /proc/1/status | cut -f2')
  e2e_assert_eq 0 "$nnp" "no_new_privileges of ${c:0:12}'s init"
done
# Of them, only passwd, chsh and chfn run as root, and each acts on its
# caller's own account.
root_ones=$(docker exec "$gw" sh -c 'find / -xdev -type f -perm -4000 -user root | sort | tr "\n" " "')
e2e_assert_eq "/usr/bin/chfn /usr/bin/chsh /usr/bin/passwd " "$root_ones" "set-user-ID root programs"
out=$(as "$old" 'command -v sudo; echo x | su -c id root 2>&1; echo "su=$?"; id -u' 2>/dev/null) || true
grep -q '^su=1$' <<<"$out" || e2e_fail "su did not fail: $out"
[[ "$(tail -n 1 <<<"$out")" != 0 ]] || e2e_fail "the user became root: $out"
grep -q sudo <<<"$out" && e2e_fail "sudo is installed: $out"
e2e_log "setuid set: the allow-list, no way to root"

# passwd: the current password, then the new one twice.
out=$(as "$old" "printf '%s\n%s\n%s\n' '$old' '$new' '$new' | passwd 2>&1; echo rc=\$?" 2>&1) || true
grep -q '^rc=0$' <<<"$out" || e2e_fail "passwd failed: $out"
grep -q 'password updated successfully' <<<"$out" || e2e_fail "passwd said: $out"
as "$old" true 2>/dev/null && e2e_fail "the old password still logs in after passwd"
out=$(as "$new" 'cat keep.txt; id -un' 2>/dev/null) || e2e_fail "the new password does not log in"
e2e_assert_eq $'mine\nmallory' "$out" "the same account and files with the new password"
ev login.failed | jq -se --arg p "$old" 'any(.[]; .username=="mallory" and .password==$p and .reason=="account")' \
  >/dev/null || e2e_fail "the old password's refusal is not recorded: $(ev login.failed)"
e2e_log "passwd: new password in, old one out"

# crontab: - (stdin), -e (an editor that appends), -l; cron runs the jobs.
cat >"$E2E_TMP/cron.sh" <<'EOF'
set -e
echo '* * * * * touch /tmp/cronran-persist' | crontab -
# (crontab -e takes an edit by the file's mtime: a second later)
printf '#!/bin/sh\nsleep 1.1\necho "* * * * * /bin/echo cron-edit-mark >/tmp/cronedit-persist" >>"$1"\n' >/tmp/ed.sh
chmod +x /tmp/ed.sh
EDITOR=/tmp/ed.sh crontab -e 2>&1
crontab -l
EOF
out=$(as "$new" "$(cat "$E2E_TMP/cron.sh")" 2>&1) || e2e_fail "crontab: $out"
grep -q 'touch /tmp/cronran-persist' <<<"$out" || e2e_fail "crontab -l lacks the entry: $out"
grep -q 'cron-edit-mark' <<<"$out" || e2e_fail "crontab -l lacks the edited entry: $out"
ran() { as "$new" 'ls /tmp/cronran-persist && cat /tmp/cronedit-persist' >/dev/null 2>&1; }
e2e_wait_for 75 ran || e2e_fail "cron did not run the jobs within 75 s"
cron_exec() {
  ev proc.exec | jq -se 'any(.[]; .argv[0] == "touch" and .argv[1] == "/tmp/cronran-persist") and
    any(.[]; .argv[0] == "/bin/echo" and .argv[1] == "cron-edit-mark")' >/dev/null
}
e2e_wait_for 10 cron_exec || e2e_fail "the cron jobs are no proc.exec: $(ev proc.exec | jq -c 'select(.argv[0] != "ls")' | tail -n 5)"
uid=$(ev proc.exec | jq -rs 'map(select(.argv[0] == "touch" and .argv[1] == "/tmp/cronran-persist")) | .[0].uid')
[[ "$uid" != 0 ]] || e2e_fail "the cron job ran as root"
e2e_log "crontab: the jobs ran, as mallory, and are proc.exec"

kill -0 "$KK_PID" || e2e_fail "karakuri died"
e2e_log "ok"
