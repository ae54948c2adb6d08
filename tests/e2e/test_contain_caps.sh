#!/usr/bin/env bash
# The front end holds: logged-in sessions per source and in all, and
# honeynets at once, are capped (contain.cap_hit; the login fails as on a
# busy server, or with [honeynet] full = share goes to the shared honeynet);
# a session is closed at [containment] session_lifetime (contain.expired).
. "$KARAKURI_SRC/tests/e2e/lib.sh"
e2e_start_ssh_frontend 10.228.0.0/16 "max_sessions_per_source = 2
[honeynet]
responder = no
max = 1
[containment]
session_lifetime = 12s"
e2e_outside_ns

login() { e2e_as_attacker sshpass -p pw ssh "${SSHO[@]}" -p $port eve@"$ATT_HOST_IP" "$@"; }
from_outside() { ip netns exec "$OUT_NS" sshpass -p pw ssh "${SSHO[@]}" -p $port bob@"$ATT_HOST_IP" "$@"; }
ev() { "$KARAKURI" -c "$conf" events --json --type "$1"; }

login true || e2e_fail "first login"
# Two long sessions from one source; a third login from it is refused.
login 'sleep 60' >/dev/null 2>&1 &
s1=$!
login 'sleep 60' >/dev/null 2>&1 &
s2=$!
e2e_defer "kill $s1 $s2 2>/dev/null"
two_live() { (($(ev login.success | wc -l) >= 3)); }
e2e_wait_for 30 two_live || e2e_fail "the two sessions did not log in"
login true 2>/dev/null && e2e_fail "a third session from one source logged in (max_sessions_per_source = 2)"
jq -se 'any(.[]; .reason == "max_sessions_per_source")' <<<"$(ev login.failed)" >/dev/null ||
  e2e_fail "no login.failed for max_sessions_per_source: $(ev login.failed)"
jq -se 'any(.[]; .cap == "max_sessions_per_source" and .value == 2)' <<<"$(ev contain.cap_hit)" >/dev/null ||
  e2e_fail "no contain.cap_hit for max_sessions_per_source"

# One honeynet at most: a second source is refused.
from_outside true 2>/dev/null && e2e_fail "a second honeynet was made past [honeynet] max = 1"
jq -se 'any(.[]; .cap == "honeynets" and .action == "refuse")' <<<"$(ev contain.cap_hit)" >/dev/null ||
  e2e_fail "no contain.cap_hit for honeynets"

# The long sessions end at their lifetime, recorded as such.
s=$SECONDS
wait "$s1" "$s2" 2>/dev/null || true
((SECONDS - s < 20)) || e2e_fail "the sessions outlived their lifetime"
closed() {
  (($(ev session.closed | jq -s '[.[] | select(.reason == "session lifetime reached")] | length') >= 2))
}
e2e_wait_for 10 closed || e2e_fail "session.closed: $(ev session.closed)"
jq -se 'any(.[]; .what == "session" and .lifetime_s == 12)' <<<"$(ev contain.expired)" >/dev/null ||
  e2e_fail "no contain.expired: $(ev contain.expired)"

# With full = share, the second source gets in, on the shared honeynet.
kill -TERM "$KK_PID"
wait "$KK_PID" || e2e_fail "run did not exit 0"
sed -i 's/^max = 1$/max = 1\nfull = share/' "$conf"
e2e_start_karakuri "$conf"
e2e_wait_for 10 grep -q "SSH front end listening" "$E2E_TMP/karakuri.log" || e2e_fail "restart"
from_outside true || e2e_fail "no login from a second source with full = share"
jq -se --arg ip "$OUT_IP" 'any(.[]; .src_ip == $ip and .honeynet == "shared")' <<<"$(ev login.success)" \
  >/dev/null || e2e_fail "the second source is not on the shared honeynet: $(ev login.success)"
jq -se 'any(.[]; .cap == "honeynets" and .action == "share")' <<<"$(ev contain.cap_hit)" >/dev/null ||
  e2e_fail "no contain.cap_hit with action share"
e2e_log "ok"
