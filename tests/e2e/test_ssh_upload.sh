#!/usr/bin/env bash
# Files sent in are taken from the SSH stream itself, not only from the
# gateway afterwards: an sftp upload deleted before logout, a legacy scp
# upload (scp -O: a C line and the bytes, as old clients and bots send it),
# scp in its SFTP mode (OpenSSH's default), a directory by scp -r, are each
# a file.upload whose artifact is the file sent, with its path; exported as
# cowrie.session.file_upload. A file past [capture] max_bytes is cut there
# and says so.
. "$KARAKURI_SRC/tests/e2e/lib.sh"
e2e_start_ssh_frontend 10.219.0.0/16 "[capture]
max_bytes = 200000"
as() { e2e_as_attacker sshpass -p pw "$@"; }
ev() { "$KARAKURI" -c "$conf" events --json --type "$1"; }
sha() { sha256sum "$1" | cut -d' ' -f1; }

head -c 150000 /dev/urandom >"$E2E_TMP/a.bin"
head -c 70000 /dev/urandom >"$E2E_TMP/b.bin"
head -c 300000 /dev/urandom >"$E2E_TMP/big.bin"
mkdir -p "$E2E_TMP/kit/sub"
printf '#!/bin/sh\necho kit\n' >"$E2E_TMP/kit/run.sh"
printf 'x' >"$E2E_TMP/kit/sub/x"

# sftp: put, then rm in the same session: gone from the gateway, kept here.
printf 'put %s/a.bin /tmp/gone.bin\nrm /tmp/gone.bin\nput %s/big.bin big.bin\n' "$E2E_TMP" "$E2E_TMP" |
  as sftp "${SSHO[@]}" -P $port eve@"$ATT_HOST_IP" >"$E2E_TMP/sftp.out" 2>&1 ||
  e2e_fail "sftp: $(cat "$E2E_TMP/sftp.out")"
out=$(as ssh "${SSHO[@]}" -p $port eve@"$ATT_HOST_IP" 'ls /tmp/gone.bin 2>&1; wc -c <big.bin' 2>/dev/null)
[[ "$out" == *"No such file"*300000 ]] || e2e_fail "the gateway's view: $out"
# legacy scp, scp over sftp, scp -r
as scp -O "${SSHO[@]}" -P $port "$E2E_TMP/b.bin" eve@"$ATT_HOST_IP":/tmp/legacy.bin 2>/dev/null || e2e_fail "scp -O"
as scp "${SSHO[@]}" -P $port "$E2E_TMP/b.bin" eve@"$ATT_HOST_IP":viasftp.bin 2>/dev/null || e2e_fail "scp"
as scp -O -r "${SSHO[@]}" -P $port "$E2E_TMP/kit" eve@"$ATT_HOST_IP":/tmp/ 2>/dev/null || e2e_fail "scp -O -r"

# Recorded once each session has ended.
e2e_wait_for 20 sh -c "[ \$('$KARAKURI' -c '$conf' events --json --type file.upload | wc -l) -ge 6 ]" ||
  e2e_fail "file.upload events: $(ev file.upload)"
ups=$(ev file.upload)
check() { # path, local file, proto
  local want got
  want=$(sha "$2")
  got=$(jq -rs --arg p "$1" --arg proto "$3" '[.[] | select(.path == $p and .proto == $proto)][0].artifact // empty' <<<"$ups")
  [[ "$got" == "$want" ]] || e2e_fail "$1 ($3): artifact '$got', want $want: $ups"
  cmp -s "$2" "$E2E_TMP/var/artifacts/$got" || e2e_fail "$1: artifact differs"
}
check /tmp/gone.bin "$E2E_TMP/a.bin" sftp
check /tmp/legacy.bin "$E2E_TMP/b.bin" scp
check /tmp/kit/run.sh "$E2E_TMP/kit/run.sh" scp
check /tmp/kit/sub/x "$E2E_TMP/kit/sub/x" scp
jq -se 'any(.[]; (.path | endswith("viasftp.bin")) and .proto == "sftp" and .size == 70000)' <<<"$ups" >/dev/null ||
  e2e_fail "scp in its sftp mode: $ups"
# past max_bytes: the first 200000 bytes, and a note of the rest
jq -se 'any(.[]; (.path | endswith("big.bin")) and .size == 200000 and .truncated and .truncated_by == "max_bytes" and .bytes_not_stored == 100000)' <<<"$ups" >/dev/null ||
  e2e_fail "the cut upload: $ups"
cut=$(jq -rs '[.[] | select(.path | endswith("big.bin"))][0].artifact' <<<"$ups")
cmp -s <(head -c 200000 "$E2E_TMP/big.bin") "$E2E_TMP/var/artifacts/$cut" || e2e_fail "the cut artifact is not the file's start"
# every upload carries the session it came in
jq -se 'all(.[]; (.session | type) == "string" and .src_ip != null)' <<<"$ups" >/dev/null || e2e_fail "sessions: $ups"
# the session's view names the file
sid=$(jq -rs '[.[] | select(.path == "/tmp/gone.bin")][0].session' <<<"$ups")
"$KARAKURI" -c "$conf" session "$sid" >"$E2E_TMP/session.txt"
grep -q 'file.upload.*/tmp/gone.bin' "$E2E_TMP/session.txt" || e2e_fail "karakuri session: $(cat "$E2E_TMP/session.txt")"
# Cowrie's view
"$KARAKURI" -c "$conf" export --format cowrie >"$E2E_TMP/cowrie.json"
jq -se --arg s "$(sha "$E2E_TMP/a.bin")" 'any(.[]; .eventid == "cowrie.session.file_upload" and .filename == "/tmp/gone.bin" and .shasum == $s)' \
  "$E2E_TMP/cowrie.json" >/dev/null || e2e_fail "cowrie export: $(grep file_upload "$E2E_TMP/cowrie.json")"
e2e_log "ok"
