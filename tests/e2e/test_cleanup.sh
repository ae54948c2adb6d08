#!/usr/bin/env bash
# `karakuri cleanup` removes every container and network carrying karakuri's
# label, and nothing else.
. "$KARAKURI_SRC/tests/e2e/lib.sh"
e2e_need_docker
conf=$(e2e_config)

label="karakuri.test=$E2E_ID"
e2e_defer "e2e_docker_remove_label $label"

mk_net() { # name managed?
  local labels
  labels=$(jq -cn --arg t "$E2E_ID" --arg m "${2:-}" '{"karakuri.test":$t} + (if $m != "" then {"karakuri.managed":"1"} else {} end)')
  e2e_api POST /networks/create -H 'Content-Type: application/json' \
    -d "$(jq -cn --arg n "$1" --argjson l "$labels" '{Name:$n, Internal:true, Labels:$l}')" | jq -r .Id
}
mk_ctr() { # name network managed?
  local labels
  labels=$(jq -cn --arg t "$E2E_ID" --arg m "${3:-}" '{"karakuri.test":$t} + (if $m != "" then {"karakuri.managed":"1"} else {} end)')
  e2e_api POST "/containers/create?name=$1" -H 'Content-Type: application/json' \
    -d "$(jq -cn --arg n "$2" --argjson l "$labels" '{Image:"karakuri/decoy:latest", Cmd:["sleep","600"], Entrypoint:[], Labels:$l, HostConfig:{NetworkMode:$n}}')" | jq -r .Id
}

# Whatever an earlier run left goes first, so the counts below are this test's.
"$KARAKURI" -c "$conf" cleanup >/dev/null 2>&1 || true
net_m=$(mk_net "kk-$E2E_ID-m" 1)
net_u=$(mk_net "kk-$E2E_ID-u")
c_m=$(mk_ctr "kk-$E2E_ID-m" "kk-$E2E_ID-m" 1)
c_u=$(mk_ctr "kk-$E2E_ID-u" "kk-$E2E_ID-u")
[[ ${#c_m} -eq 64 && ${#c_u} -eq 64 ]] || e2e_fail "could not create test containers"
e2e_api POST "/containers/$c_m/start" >/dev/null

"$KARAKURI" -c "$conf" cleanup >"$E2E_TMP/cleanup.out" 2>&1 || { cat "$E2E_TMP/cleanup.out"; e2e_fail "cleanup failed"; }
grep -q "1 container" "$E2E_TMP/cleanup.out" || e2e_fail "cleanup does not report the container: $(cat "$E2E_TMP/cleanup.out")"

code() { e2e_api GET "$1" -o /dev/null -w '%{http_code}'; }
e2e_assert_eq 404 "$(code "/containers/$c_m/json")" "managed container removed"
e2e_assert_eq 404 "$(code "/networks/$net_m")" "managed network removed"
e2e_assert_eq 200 "$(code "/containers/$c_u/json")" "unmanaged container kept"
e2e_assert_eq 200 "$(code "/networks/$net_u")" "unmanaged network kept"

# A second run finds nothing and still succeeds.
"$KARAKURI" -c "$conf" cleanup >"$E2E_TMP/cleanup2.out" 2>&1 || e2e_fail "second cleanup failed"
grep -q "0 containers" "$E2E_TMP/cleanup2.out" || e2e_fail "second cleanup: $(cat "$E2E_TMP/cleanup2.out")"
e2e_log "ok"
