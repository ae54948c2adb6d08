#!/usr/bin/env bash
# The e2e harness itself: an attacker namespace on the documentation range
# reaches the host side of its veth and nothing else, and everything it made
# is gone after the test (checked by a second process after this one exits).
. "$KARAKURI_SRC/tests/e2e/lib.sh"

if [[ "${1:-}" != inner ]]; then
  bash "$0" inner >"$E2E_TMP/inner.log" 2>&1 || { cat "$E2E_TMP/inner.log"; e2e_fail "inner run failed"; }
  ns=$(sed -n 's/^NS=//p' "$E2E_TMP/inner.log")
  [[ -n "$ns" ]] || e2e_fail "inner run did not report its namespace"
  grep -qw "$ns" <<<"$(ip netns list)" && e2e_fail "namespace $ns left behind"
  ip link show "kkh${ns#kk-att-}" >/dev/null 2>&1 && e2e_fail "veth left behind"
  e2e_log "ok"
  exit 0
fi

e2e_attacker_ns
echo "NS=$ATT_NS"
e2e_as_attacker ping -c 1 -W 2 "$ATT_HOST_IP" >/dev/null || e2e_fail "attacker cannot reach the host side"
[[ "$ATT_IP" =~ ^(192\.0\.2|198\.51\.100|203\.0\.113)\. ]] || e2e_fail "attacker address outside the documentation ranges"
grep -q "dev $ATT_HOST_IF" <<<"$(ip -4 route get "$ATT_IP")" || e2e_fail "the attacker is not reached through its veth"
