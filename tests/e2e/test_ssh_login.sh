#!/usr/bin/env bash
# Logging in through the SSH front end lands in a real bash on the honeynet's
# gateway, as the user the attacker named, with everything relayed: exec and
# exit status, a missing command, a shell on a pty, scp both ways, sftp, ssh -L, ssh -W. The
# same source coming back gets the same honeynet, files and all. Recorded:
# the honeynet, the user, commands typed and run and their exit, the terminal
# (replayed by `karakuri replay`), the files the sessions left (artifacts),
# every session closed.
. "$KARAKURI_SRC/tests/e2e/lib.sh"
e2e_start_ssh_frontend 10.217.0.0/16
as() { # password, then ssh/scp/sftp and its arguments
  local pw=$1; shift
  e2e_as_attacker sshpass -p "$pw" "$@"
}

out=$(as 'S3cret!' ssh "${SSHO[@]}" -p $port mallory@"$ATT_HOST_IP" 'echo -n test' 2>/dev/null)
e2e_assert_eq test "$out" "echo -n test"
set +e
as 'S3cret!' ssh "${SSHO[@]}" -p $port mallory@"$ATT_HOST_IP" 'exit 42' 2>/dev/null; rc=$?
as 'S3cret!' ssh "${SSHO[@]}" -p $port mallory@"$ATT_HOST_IP" 'no-such-command' 2>"$E2E_TMP/missing.err"; rc2=$?
set -e
e2e_assert_eq 42 "$rc" "exit status"
e2e_assert_eq 127 "$rc2" "missing command's status"
grep -q "no-such-command: command not found" "$E2E_TMP/missing.err" || e2e_fail "bash's message: $(cat "$E2E_TMP/missing.err")"
who=$(as 'S3cret!' ssh "${SSHO[@]}" -p $port mallory@"$ATT_HOST_IP" 'id -un; echo $SHELL; echo $HOME; sudo -n true 2>&1 | head -c 0; echo sudo=$?' 2>/dev/null)
e2e_assert_eq $'mallory\n/bin/bash\n/home/mallory\nsudo=0' "$who" "the user as given"

# A shell on a pty, typed into.
printf 'stty size\necho typed-$((6*7))\nexit 5\n' |
  as 'S3cret!' ssh "${SSHO[@]}" -tt -o SendEnv=LANG -p $port mallory@"$ATT_HOST_IP" >"$E2E_TMP/tty.out" 2>&1 && rc=0 || rc=$?
e2e_assert_eq 5 "$rc" "shell exit status"
grep -q "typed-42" "$E2E_TMP/tty.out" || e2e_fail "no shell output: $(tr -cd '[:print:]\n' <"$E2E_TMP/tty.out")"
grep -q "mallory@" "$E2E_TMP/tty.out" || e2e_fail "no bash prompt"

# Files both ways, by scp and sftp.
head -c 100000 /dev/urandom >"$E2E_TMP/up.bin"
as 'S3cret!' scp "${SSHO[@]}" -P $port "$E2E_TMP/up.bin" mallory@"$ATT_HOST_IP":up.bin 2>/dev/null || e2e_fail "scp up"
as 'S3cret!' scp "${SSHO[@]}" -P $port mallory@"$ATT_HOST_IP":up.bin "$E2E_TMP/down.bin" 2>/dev/null || e2e_fail "scp down"
cmp -s "$E2E_TMP/up.bin" "$E2E_TMP/down.bin" || e2e_fail "scp round trip changed the file"
# (sftp -b would forbid passwords: commands go to its stdin instead)
printf 'put %s/up.bin sftp.bin\nls -l\n' "$E2E_TMP" |
  as 'S3cret!' sftp "${SSHO[@]}" -P $port mallory@"$ATT_HOST_IP" >"$E2E_TMP/sftp.out" 2>&1 ||
  e2e_fail "sftp: $(cat "$E2E_TMP/sftp.out")"
grep -q "sftp.bin" "$E2E_TMP/sftp.out" || e2e_fail "sftp listing"

# Coming back: the same gateway, files still there; another user too.
out=$(as other ssh "${SSHO[@]}" -p $port bob@"$ATT_HOST_IP" 'ls /home/mallory; hostname' 2>/dev/null || true)
[[ "$out" == *up.bin* ]] || e2e_fail "the honeynet did not keep its files: $out"

# Another password for the same user: refused, as the server would (the
# account has a password in the gateway now, and its hash decides); the
# first one again works. The same password as last time changes nothing:
# no useradd or chpasswd runs (counted below from their proc.exec).
as 'N3w-pass' ssh "${SSHO[@]}" -o NumberOfPasswordPrompts=1 -p $port mallory@"$ATT_HOST_IP" 'echo again' >/dev/null 2>&1 &&
  e2e_fail "a second password for the same user logged in"
out=$(as 'S3cret!' ssh "${SSHO[@]}" -p $port mallory@"$ATT_HOST_IP" 'echo back; ls up.bin' 2>/dev/null || true)
e2e_assert_eq $'back\nup.bin' "$out" "the first password again, the same account"

# The gateway: on an internal network of the pool, labelled.
gw=$(e2e_api GET "/containers/json?filters=$(jq -rn '{"label":["karakuri.role=gateway"]}|tostring|@uri')" | jq -r '.[0].Id')
[[ "$gw" != null ]] || e2e_fail "no gateway container"
net=$(e2e_api GET "/containers/$gw/json" | jq -r '.NetworkSettings.Networks | keys[0]')
e2e_assert_eq true "$(e2e_api GET "/networks/$net" | jq -r .Internal)" "the LAN is internal"
grep -q '^10\.217\.' <<<"$(e2e_api GET "/networks/$net" | jq -r '.IPAM.Config[0].Subnet')" || e2e_fail "subnet not from lan_pool"
# The gateway's sshd shows the front end's host key.
gwip=$(e2e_api GET "/containers/$gw/json" | jq -r ".NetworkSettings.Networks[\"$net\"].IPAddress")
k_gw=$(ssh-keyscan -T 5 -t ed25519 "$gwip" 2>/dev/null | awk '{print $3}')
k_fe=$(e2e_as_attacker ssh-keyscan -T 5 -p $port -t ed25519 "$ATT_HOST_IP" 2>/dev/null | awk '{print $3}')
[[ -n "$k_gw" && "$k_gw" == "$k_fe" ]] || e2e_fail "gateway and front end show different host keys"

# ssh -L: the forwarded connection leaves from the gateway (here to its own
# LAN address, which only the gateway can reach).
as 'S3cret!' ssh "${SSHO[@]}" -N -L 127.0.0.1:9022:"$gwip":22 -p $port mallory@"$ATT_HOST_IP" 2>/dev/null &
fwd=$!
e2e_defer "kill $fwd 2>/dev/null"
banner_via_forward() {
  e2e_as_attacker bash -c 'exec 3<>/dev/tcp/127.0.0.1/9022 && IFS= read -r -t 5 l <&3 && echo "$l"' 2>/dev/null
}
e2e_wait_for 15 banner_via_forward || e2e_fail "nothing through ssh -L"
grep -q "SSH-2.0-OpenSSH_8.4p1" <<<"$(banner_via_forward)" || e2e_fail "ssh -L did not reach the gateway's sshd"
kill "$fwd" 2>/dev/null || true
wait "$fwd" 2>/dev/null || true
# ssh -W (what ProxyJump runs): the target speaks first, through the hop at
# once; then a whole login through it, to the gateway's sshd as mallory.
out=$( (sleep 2) | as 'S3cret!' ssh "${SSHO[@]}" -W "$gwip":22 -p $port mallory@"$ATT_HOST_IP" 2>/dev/null | head -c 100)
[[ "$out" == SSH-2.0-OpenSSH_8.4p1* ]] || e2e_fail "ssh -W carried no banner: '$out'"
jump="sshpass -p 'S3cret!' ssh ${SSHO[*]} -W %h:%p -p $port mallory@$ATT_HOST_IP"
out=$(as 'S3cret!' ssh "${SSHO[@]}" -o ProxyCommand="$jump" mallory@"$gwip" 'echo jumped; id -un' 2>/dev/null || true)
e2e_assert_eq $'jumped\nmallory' "$out" "a login through ssh -W"

kill -TERM "$KK_PID"
wait "$KK_PID" || e2e_fail "run did not exit 0"
ev() { "$KARAKURI" -c "$conf" events --json --type "$1"; }
e2e_assert_eq 1 "$(ev lan.honeynet_created | jq -s length)" "one honeynet for the source"
ev login.user_created | jq -se 'any(.[]; .username=="mallory")' >/dev/null || e2e_fail "user creation not recorded"
ev command.exec | jq -se 'any(.[]; .command=="exit 42")' >/dev/null || e2e_fail "exec not recorded"
ev command.exit | jq -se 'any(.[]; .exit_status==42)' >/dev/null || e2e_fail "exit status not recorded"
ev session.pty | jq -se 'any(.[]; .term != null)' >/dev/null || e2e_fail "pty not recorded"
ev command.exec | jq -se 'any(.[]; .command=="sftp" and .subsystem)' >/dev/null || e2e_fail "sftp not recorded"
connects=$(ev session.connect | jq -s 'map(select(.refused == null)) | length')
closes=$(ev session.closed | jq -s 'length')
# The uploaded file, taken out of the gateway as an artifact.
want_sha=$(sha256sum "$E2E_TMP/up.bin" | awk '{print $1}')
ev file.changed | jq -se "any(.[]; .path==\"/home/mallory/up.bin\" and .artifact==\"$want_sha\" and .change==\"added\")" >/dev/null ||
  e2e_fail "the uploaded file was not extracted"
cmp -s "$E2E_TMP/up.bin" "$E2E_TMP/var/artifacts/$want_sha" || e2e_fail "artifact differs from the upload"
ev tcpip.forward | jq -se "any(.[]; .dst_ip==\"$gwip\" and .dst_port==22 and .opened)" >/dev/null ||
  e2e_fail "the forward is not recorded"
e2e_assert_eq "$connects" "$closes" "every session closed in the record"
# useradd and chpasswd ran for each new user only: mallory's and bob's,
# not for each of mallory's dozen logins nor for the refused N3w-pass (when
# the exec monitor runs here).
if [[ "$(ev proc.exec | jq -s length)" -gt 0 ]]; then
  runs() { ev proc.exec | jq -s --arg p "$1" "map(select(.argv[0] == \$p)) | length"; }
  e2e_assert_eq 2 "$(runs useradd)" "useradd runs"
  e2e_assert_eq 2 "$(runs chpasswd)" "chpasswd runs"
fi
ev login.failed | jq -se 'any(.[]; .username=="mallory" and .password=="N3w-pass" and .reason=="account")' >/dev/null ||
  e2e_fail "the refused second password is not a login.failed (reason account)"
# The typed lines, the terminal, and the CLI views of a session.
ev command.input | jq -se 'any(.[]; .input=="echo typed-$((6*7))")' >/dev/null || e2e_fail "typed line not recorded"
sid=$(ev tty.log | jq -rs '.[0].session')
sha=$(ev tty.log | jq -rs '.[0].artifact')
[[ -f "$E2E_TMP/var/artifacts/$sha" ]] || e2e_fail "tty log artifact missing"
head -n 1 "$E2E_TMP/var/artifacts/$sha" | jq -e '.version == 2' >/dev/null || e2e_fail "tty log is not asciicast v2"
grep -q "typed-42" <<<"$("$KARAKURI" -c "$conf" replay "$sid" --speed 0)" || e2e_fail "replay does not show the session"
grep -q "command.input" <<<"$("$KARAKURI" -c "$conf" session "$sid")" || e2e_fail "session ID does not list the commands"
grep -q "mallory" <<<"$("$KARAKURI" -c "$conf" sessions)" || e2e_fail "sessions does not list the login"
"$KARAKURI" -c "$conf" sessions --json | jq -se "any(.[]; .session==\"$sid\" and .username==\"mallory\" and .commands >= 1)" >/dev/null ||
  e2e_fail "sessions --json"
# The same in Cowrie's schema.
"$KARAKURI" -c "$conf" export --format cowrie >"$E2E_TMP/cowrie.json"
for id in cowrie.session.connect cowrie.login.success cowrie.command.input cowrie.session.closed cowrie.log.closed; do
  jq -se "any(.[]; .eventid==\"$id\" and .session and .timestamp and .src_ip)" "$E2E_TMP/cowrie.json" >/dev/null ||
    e2e_fail "export lacks $id"
done
jq -se 'any(.[]; .eventid=="cowrie.login.success" and .username=="mallory" and .password=="S3cret!")' "$E2E_TMP/cowrie.json" >/dev/null ||
  e2e_fail "export: the login"
ev session.closed | jq -se 'any(.[]; .reason=="client disconnected")' >/dev/null || e2e_fail "no session ended by the client"
ev session.closed | jq -se 'any(.[]; .bytes_in > 100000) and any(.[]; .bytes_out > 100000)' >/dev/null ||
  e2e_fail "bytes each way not recorded"
e2e_log "ok"
