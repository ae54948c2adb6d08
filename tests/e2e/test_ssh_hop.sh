#!/usr/bin/env bash
# SSH hops through the front end ([honeynet] hops, contain/firewall.h
# KARAKURI-HOP): from the gateway, `ssh eve@DECOY` with the gateway's
# credentials is taken on the host side, answered with that decoy's
# identification and derived host key, and relayed into the decoy's sshd:
# a session of its own (login, commands, tty log) linked by session.hop to
# the gateway session it came from; a hop from that decoy to a second one
# is linked again (depth 2). Wrong passwords on a decoy are recorded one by
# one; `karakuri session`, `sessions` and `hosts` show the chain.
. "$KARAKURI_SRC/tests/e2e/lib.sh"
e2e_start_ssh_frontend 10.237.0.0/16 "[honeynet]
pool = 3"

login() {
  e2e_as_attacker sshpass -p pw ssh "${SSHO[@]}" -o LogLevel=ERROR -p $port eve@"$ATT_HOST_IP" "$@"
}
ev() { "$KARAKURI" -c "$conf" events --json --type "$1"; }
login true || e2e_fail "login"
hn=$("$KARAKURI" -c "$conf" hosts --json | jq -c --arg n "src-$ATT_IP" 'select(.honeynet == $n)')
d1=$(jq -r '.hosts[0].ip' <<<"$hn")
d2=$(jq -r '.hosts[1].ip' <<<"$hn")
gw_ip=$(jq -r .gateway.ip <<<"$hn")
pool_ready() { [[ $(e2e_containers karakuri.pool | wc -l) -ge 3 ]]; }
e2e_wait_for 90 pool_ready || e2e_fail "the decoy pool did not fill"

# ssh reads the password from SSH_ASKPASS (OpenSSH >= 8.4), on each host.
ASK='printf "#!/bin/sh\necho \"\$PW\"\n" >/tmp/.ap && chmod 700 /tmp/.ap'
HOP='SSH_ASKPASS=/tmp/.ap SSH_ASKPASS_REQUIRE=force ssh -oStrictHostKeyChecking=no -oConnectTimeout=20 -oNumberOfPasswordPrompts=1'

# Two wrong guesses, then the right password, then a second hop from d1.
out=$(login "$ASK; for pw in nope wrong; do PW=\$pw $HOP eve@$d1 true; done; echo tries-done
  PW=pw $HOP eve@$d1 'echo hop1 \$(hostname) \$(id -un); $ASK; PW=pw $HOP eve@$d2 \"echo hop2 \\\$(hostname)\"'" 2>&1) || true
e2e_log "hops: $(tr '\n' ' ' <<<"$out")"
e2e_assert_contains "$out" "tries-done" "the wrong guesses"
name1=$(jq -r '.hosts[0].hostname' <<<"$hn")
name2=$(jq -r '.hosts[1].hostname' <<<"$hn")
e2e_assert_contains "$out" "hop1 $name1 eve" "the first hop's output"
e2e_assert_contains "$out" "hop2 $name2" "the second hop's output"

# A terminal on the first hop: its tty log.
login -tt "$ASK; PW=pw $HOP -tt eve@$d1 'echo TTY-MARK-\$((6*7)); exit'" >"$E2E_TMP/tty.txt" 2>&1 </dev/null || true
grep -q "TTY-MARK-42" "$E2E_TMP/tty.txt" || e2e_fail "no output through a hop's terminal: $(cat "$E2E_TMP/tty.txt")"

hops=$(ev session.hop)
e2e_log "session.hop: $(jq -c '{session, src_ip, dst_ip, host, depth, from_session}' <<<"$hops" | tr '\n' ' ')"
first=$(jq -sc --arg d "$d1" --arg g "$gw_ip" '[.[] | select(.dst_ip == $d and .src_ip == $g)] | last' <<<"$hops")
[[ "$first" != null ]] || e2e_fail "no session.hop from the gateway to $d1"
from=$(jq -r .from_session <<<"$first")
from_src=$(ev login.success | jq -r --arg s "$from" 'select(.session == $s) | .src_ip')
e2e_assert_eq "$ATT_IP" "$from_src" "the first hop's from_session is the attacker's gateway session"
e2e_assert_eq 1 "$(jq -r .depth <<<"$first")" "the first hop's depth"
second=$(jq -sc --arg d "$d2" --arg s "$d1" '[.[] | select(.dst_ip == $d and .src_ip == $s)] | last' <<<"$hops")
[[ "$second" != null ]] || e2e_fail "no session.hop from $d1 to $d2"
e2e_assert_eq 2 "$(jq -r .depth <<<"$second")" "the second hop's depth"
hop2=$(jq -r .session <<<"$second")
hop1=$(jq -r .from_session <<<"$second")
jq -se --arg s "$hop1" --arg d "$d1" 'any(.[]; .session == $s and .dst_ip == $d)' <<<"$hops" >/dev/null ||
  e2e_fail "the second hop is not linked to the first one ($hop1)"

# The hop's own record: logins (wrong ones one by one), commands, terminal.
failed=$(ev login.failed | jq -s --arg g "$gw_ip" '[.[] | select(.src_ip == $g and .hop == true)] | length')
e2e_assert_ge "$failed" 2 "wrong passwords on the decoy recorded"
ev login.success | jq -se --arg s "$hop1" 'any(.[]; .session == $s and .hop == true and .username == "eve" and .password == "pw")' >/dev/null ||
  e2e_fail "no login.success on the hop"
ev command.exec | jq -se --arg s "$hop1" 'any(.[]; .session == $s and (.command | contains("echo hop1")))' >/dev/null ||
  e2e_fail "the hop's command not recorded"
ttyhop=$(jq -sr --arg d "$d1" --arg g "$gw_ip" '[.[] | select(.dst_ip == $d and .src_ip == $g)] | last | .session' <<<"$hops")
ev tty.log | jq -se --arg s "$ttyhop" 'any(.[]; .session == $s)' >/dev/null || e2e_fail "no tty.log for the hop $ttyhop"
"$KARAKURI" -c "$conf" replay "$ttyhop" 2>/dev/null | grep -q "TTY-MARK-42" || e2e_fail "replay of the hop does not show its output"

# The read models: the chain from the gateway session, and the hosts.
from=$(jq -sr --arg s "$hop1" '.[] | select(.session == $s) | .from_session' <<<"$hops")
"$KARAKURI" -c "$conf" session "$from" --json | jq -se --arg s "$hop1" 'any(.[]; .type == "session.hop" and .session == $s)' >/dev/null ||
  e2e_fail "karakuri session $from does not list its hop"
"$KARAKURI" -c "$conf" sessions --json | jq -se --arg s "$hop2" --arg f "$hop1" 'any(.[]; .session == $s and .hop_from == $f)' >/dev/null ||
  e2e_fail "karakuri sessions does not link the hop"
"$KARAKURI" -c "$conf" hosts --json | jq -se --arg n "src-$ATT_IP" --arg d "$d1" \
  'any(.[] | select(.honeynet == $n) | .hosts[] | select(.ip == $d); (.hops // []) | length > 0)' >/dev/null ||
  e2e_fail "karakuri hosts does not show the hops to $d1: $("$KARAKURI" -c "$conf" hosts --json | jq -c '.hosts[0]')"
# ProxyJump (ssh -J, spelt out as its ProxyCommand `ssh -W` so that the
# jump's ssh takes the same options: a direct-tcpip channel through the gateway's sshd): the
# gateway's connection to d1 is a hop like any other, and carries the login.
printf '#!/bin/sh\necho pw\n' >"$E2E_TMP/askpass" && chmod 755 "$E2E_TMP/askpass"
pj=$(e2e_as_attacker env SSH_ASKPASS="$E2E_TMP/askpass" SSH_ASKPASS_REQUIRE=force DISPLAY=:0 \
  ssh "${SSHO[@]}" -o LogLevel=ERROR -o NumberOfPasswordPrompts=1 \
  -o ProxyCommand="ssh ${SSHO[*]} -o LogLevel=ERROR -o NumberOfPasswordPrompts=1 -W %h:%p -p $port eve@$ATT_HOST_IP" "eve@$d1" \
  'echo PJ-$(hostname)' </dev/null 2>&1) || true
e2e_assert_contains "$pj" "PJ-$name1" "a ProxyJump login's output"
ev tcpip.forward | jq -se --arg d "$d1" 'any(.[]; .dst_port == 22 and .opened and .dst_ip == $d)' >/dev/null ||
  e2e_fail "no tcpip.forward for the ProxyJump: $(ev tcpip.forward | tr '\n' ' ')"
n=$(ev session.hop | jq -s --arg d "$d1" --arg g "$gw_ip" '[.[] | select(.dst_ip == $d and .src_ip == $g)] | length')
e2e_assert_ge "$n" 5 "the ProxyJump's connection a hop too"
e2e_log "ok"
