#!/usr/bin/env bash
# The SSH front end before and at login, from an attacker namespace with
# Debian's OpenSSH client: the same identification string and KEXINIT
# name-lists as the gateway image's real sshd (the umac MACs aside), sshd's
# own replies to foreign identification strings, one host key per source kept
# across connections, the credential policy (root refused), every attempt and
# the client's HASSH recorded, limits on unauthenticated connections, and a
# daemon that stays healthy through all of it.
. "$KARAKURI_SRC/tests/e2e/lib.sh"
e2e_start_ssh_frontend 10.218.0.0/16 'max_unauth_per_source = 5'

# The server's KEXINIT as the OpenSSH client prints it.
proposal() { # ssh args...
  ssh -vv "${SSHO[@]}" -o BatchMode=yes -o PreferredAuthentications=none "$@" 2>&1 |
    sed -n '/peer server KEXINIT proposal/,/first_kex_follows/p' | grep -E 'algorithms|ctos|stoc' || true
}
remote_version() {
  ssh -v "${SSHO[@]}" -o BatchMode=yes -o PreferredAuthentications=none "$@" 2>&1 |
    sed -n 's/.*remote software version //p' | head -n 1
}

# The reference: the gateway image's own sshd, on an internal network of ours.
e2e_defer "e2e_docker_remove_label karakuri.test=$E2E_ID"
net="10.216.$((20 + $$ % 200))"
e2e_api POST /networks/create -H 'Content-Type: application/json' -d "$(jq -cn --arg n "$E2E_ID" \
  --arg s "$net.0/24" --arg t "$E2E_ID" '{Name:$n, Internal:true, Labels:{"karakuri.test":$t}, IPAM:{Config:[{Subnet:$s}]}}')" >/dev/null
gw=$(e2e_api POST "/containers/create?name=$E2E_ID-gw" -H 'Content-Type: application/json' -d "$(jq -cn \
  --arg n "$E2E_ID" --arg ip "$net.10" --arg t "$E2E_ID" '{Image:"karakuri/gateway:latest", Labels:{"karakuri.test":$t},
   HostConfig:{NetworkMode:$n}, NetworkingConfig:{EndpointsConfig:{($n):{IPAMConfig:{IPv4Address:$ip}}}}}')" | jq -r .Id)
e2e_api POST "/containers/$gw/start" >/dev/null
e2e_wait_for 30 sh -c "ssh-keyscan -T 2 $net.10 2>/dev/null | grep -q ssh-" || e2e_fail "the gateway's sshd does not answer"

want=$(proposal "$net.10" | grep -v MACs)
got=$(e2e_as_attacker bash -c "$(declare -p SSHO); $(declare -f proposal); proposal -p $port $ATT_HOST_IP" | grep -v MACs)
[[ -n "$want" ]] || e2e_fail "no KEXINIT from the gateway"
[[ "$want" == "$got" ]] || e2e_fail "KEXINIT differs from the gateway's:
want:
$want
got:
$got"
want_mac=$(proposal "$net.10" | grep 'MACs ctos' | sed 's/umac-[^,]*,//g')
got_mac=$(e2e_as_attacker bash -c "$(declare -p SSHO); $(declare -f proposal); proposal -p $port $ATT_HOST_IP" | grep 'MACs ctos')
e2e_assert_eq "$want_mac" "$got_mac" "MACs are the gateway's without umac"
e2e_assert_eq "$(remote_version "$net.10")" \
  "$(e2e_as_attacker bash -c "$(declare -p SSHO); $(declare -f remote_version); remote_version -p $port $ATT_HOST_IP")" \
  "identification string"

# Foreign identification strings get sshd's replies after the banner.
talk() { # bytes to send; prints what came back
  e2e_as_attacker bash -c "exec 3<>/dev/tcp/$ATT_HOST_IP/$port; printf '$1' >&3; timeout 5 cat <&3" 2>/dev/null | tr -d '\r' || true
}
out=$(talk 'GET / HTTP/1.0\r\n\r\n')
[[ "$out" == $'SSH-2.0-OpenSSH_8.4p1 Debian-5+deb11u3\nInvalid SSH identification string.' ]] ||
  e2e_fail "reply to HTTP: $out"
out=$(talk 'SSH-1.5-Nmap\r\n')
[[ "$out" == *$'\nProtocol major versions differ.' ]] || e2e_fail "reply to SSH-1.5: $out"

# The same host key on every connection of a source; nothing is kept for a
# source that has not logged in (issue 11, M4).
k1=$(e2e_as_attacker ssh-keyscan -T 5 -p $port -t ed25519 "$ATT_HOST_IP" 2>/dev/null | awk '{print $3}')
k2=$(e2e_as_attacker ssh-keyscan -T 5 -p $port -t ed25519 "$ATT_HOST_IP" 2>/dev/null | awk '{print $3}')
[[ -n "$k1" && "$k1" == "$k2" ]] || e2e_fail "host key changes between connections"
kf="$E2E_TMP/var/hostkeys/$ATT_IP/ssh_host_ed25519_key"
[[ ! -e "$kf" ]] || e2e_fail "host keys kept for a source that never logged in"
for t in rsa ecdsa; do
  grep -q . <<<"$(e2e_as_attacker ssh-keyscan -T 5 -p $port -t $t "$ATT_HOST_IP" 2>/dev/null)" || e2e_fail "no $t host key"
done

# Credentials: root is refused, anyone else gets in.
set +e
e2e_as_attacker sshpass -p toor ssh "${SSHO[@]}" -o NumberOfPasswordPrompts=1 -p $port root@"$ATT_HOST_IP" true 2>"$E2E_TMP/root.err"
e2e_as_attacker sshpass -p 'pa ss' ssh "${SSHO[@]}" -p $port alice@"$ATT_HOST_IP" true 2>"$E2E_TMP/alice.err"
set -e
grep -q "Permission denied" "$E2E_TMP/root.err" || e2e_fail "root was not refused: $(cat "$E2E_TMP/root.err")"
grep -q "Permission denied" "$E2E_TMP/alice.err" && e2e_fail "alice was refused: $(cat "$E2E_TMP/alice.err")"
# The key shown before the login is the one kept for the source's honeynet,
# and shown after it.
e2e_assert_eq "$k1" "$(ssh-keygen -y -f "$kf" | awk '{print $2}')" "host key is the source's"
e2e_assert_eq "$k1" "$(e2e_as_attacker ssh-keyscan -T 5 -p $port -t ed25519 "$ATT_HOST_IP" 2>/dev/null | awk '{print $3}')" \
  "host key after the login"

# Unauthenticated connections over the per-source limit are refused; the
# daemon is fine afterwards.
pids=()
for i in $(seq 1 8); do
  e2e_as_attacker bash -c "exec 3<>/dev/tcp/$ATT_HOST_IP/$port; sleep 20" >/dev/null 2>&1 &
  pids+=($!)
done
e2e_defer "kill ${pids[*]} 2>/dev/null"
e2e_wait_for 10 sh -c "'$KARAKURI' -c '$conf' events --json --type session.connect | grep -q max_unauth_per_source" ||
  e2e_fail "no connection was refused over max_unauth_per_source"
kill "${pids[@]}" 2>/dev/null || true
wait "${pids[@]}" 2>/dev/null || true
# A client that stops in the middle of the key exchange.
e2e_as_attacker bash -c "exec 3<>/dev/tcp/$ATT_HOST_IP/$port; printf 'SSH-2.0-half\r\n' >&3; head -c 100 <&3 >/dev/null" || true
e2e_wait_for 10 sh -c "'$KARAKURI' -c '$conf' events --json --type session.closed | grep -q 'client disconnected\|key exchange failed'" ||
  e2e_fail "the half handshake was not closed"
e2e_as_attacker sshpass -p x ssh "${SSHO[@]}" -p $port bob@"$ATT_HOST_IP" true 2>"$E2E_TMP/bob.err" || true
grep -q "Permission denied" "$E2E_TMP/bob.err" && e2e_fail "daemon unhealthy after the abuse"
kill -0 "$KK_PID" || e2e_fail "the daemon died"

# Stop, then check the record.
kill -TERM "$KK_PID"
wait "$KK_PID" || e2e_fail "run did not exit 0"
ev() { "$KARAKURI" -c "$conf" events --json --type "$1"; }
ev login.failed | jq -se 'any(.[]; .username=="root" and .password=="toor" and .reason=="root" and .src_ip=="'"$ATT_IP"'")' >/dev/null ||
  e2e_fail "root's attempt not recorded"
ev login.success | jq -se 'any(.[]; .username=="alice" and .password=="pa ss" and .method=="password")' >/dev/null ||
  e2e_fail "alice's login not recorded"
ev login.failed | jq -se 'any(.[]; .username=="root" and (.hassh | test("^[0-9a-f]{32}$")) and (.client_version | startswith("OpenSSH_")))' >/dev/null ||
  e2e_fail "login attempts lack the client's version and HASSH"
ev session.kex | jq -se 'any(.[]; .hassh | test("^[0-9a-f]{32}$"))' >/dev/null || e2e_fail "no HASSH recorded"
ev session.version | jq -se 'any(.[]; .version | startswith("OpenSSH_"))' >/dev/null || e2e_fail "no client version recorded"
connects=$(ev session.connect | jq -s 'map(select(.refused == null)) | length')
closes=$(ev session.closed | jq -s 'length')
e2e_assert_eq "$connects" "$closes" "every accepted connection closed in the record"
e2e_log "ok"
