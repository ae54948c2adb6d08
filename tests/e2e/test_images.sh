#!/usr/bin/env bash
# The honeynet images (karakuri images build/status) against the real engine.
# The test runner builds them before the e2e suite; here: a second build is a
# cached no-op, the gateway runs Debian 11's OpenSSH 8.4p1 and the decoy
# Debian 12's 9.2p1, each container has SSH host keys of its own, the decoy
# has the tools of a plain server, and a failing build names its step and
# leaves no tag.
. "$KARAKURI_SRC/tests/e2e/lib.sh"
e2e_need_docker
conf=$(e2e_config)

start=$SECONDS
"$KARAKURI" -c "$conf" images build >"$E2E_TMP/build.log" 2>&1 ||
  { cat "$E2E_TMP/build.log" >&2; e2e_fail "images build failed"; }
(( SECONDS - start <= 10 )) || e2e_fail "a cached build took $((SECONDS - start)) s"
e2e_assert_eq 2 "$(grep -c 'up to date' "$E2E_TMP/build.log")" "both images up to date"
"$KARAKURI" -c "$conf" images status >"$E2E_TMP/status.log" || e2e_fail "images status: $(cat "$E2E_TMP/status.log")"

# Containers of both images on an internal network of this test's own.
label="karakuri.test=$E2E_ID"
e2e_defer "e2e_docker_remove_label $label"
net="10.214.$((20 + $$ % 200))"
e2e_api POST /networks/create -H 'Content-Type: application/json' -d "$(jq -cn \
  --arg n "$E2E_ID" --arg s "$net.0/24" --arg t "$E2E_ID" \
  '{Name:$n, Internal:true, Labels:{"karakuri.test":$t}, IPAM:{Config:[{Subnet:$s}]}}')" >/dev/null
run_ctr() { # name image ip [cmd json]
  local id
  id=$(e2e_api POST "/containers/create?name=$1" -H 'Content-Type: application/json' -d "$(jq -cn \
    --arg i "$2" --arg n "$E2E_ID" --arg ip "$3" --arg t "$E2E_ID" --argjson cmd "${4:-null}" \
    '{Image:$i, Labels:{"karakuri.test":$t}, HostConfig:{NetworkMode:$n},
      NetworkingConfig:{EndpointsConfig:{($n):{IPAMConfig:{IPv4Address:$ip}}}}}
     + (if $cmd then {Cmd:$cmd} else {} end)')" | jq -r .Id)
  [[ ${#id} -eq 64 ]] || e2e_fail "cannot create a container of $2"
  e2e_api POST "/containers/$id/start" >/dev/null
  echo "$id"
}
run_ctr "$E2E_ID-gw1" karakuri/gateway:latest "$net.10" >/dev/null
run_ctr "$E2E_ID-gw2" karakuri/gateway:latest "$net.11" >/dev/null
run_ctr "$E2E_ID-decoy" karakuri/decoy:latest "$net.12" >/dev/null

banner() { # ip: the server's SSH identification string
  local line
  exec 3<>"/dev/tcp/$1/22" || return 1
  IFS= read -r -t 5 line <&3 || { exec 3<&-; return 1; }
  exec 3<&-
  printf '%s' "${line%$'\r'}"
}
e2e_wait_for 30 banner "$net.10" || e2e_fail "the gateway's sshd does not answer"
e2e_wait_for 30 banner "$net.11" || e2e_fail "the second gateway's sshd does not answer"
e2e_wait_for 30 banner "$net.12" || e2e_fail "the decoy's sshd does not answer"
gw=$(banner "$net.10")
[[ "$gw" == SSH-2.0-OpenSSH_8.4p1\ Debian-* ]] || e2e_fail "gateway banner: $gw"
dc=$(banner "$net.12")
[[ "$dc" == SSH-2.0-OpenSSH_9.2p1\ Debian-* ]] || e2e_fail "decoy banner: $dc"

# Host keys: each container its own.
k1=$(ssh-keyscan -T 5 -t ed25519 "$net.10" 2>/dev/null | awk '{print $3}')
k2=$(ssh-keyscan -T 5 -t ed25519 "$net.11" 2>/dev/null | awk '{print $3}')
[[ -n "$k1" && -n "$k2" ]] || e2e_fail "ssh-keyscan got no ed25519 key"
[[ "$k1" != "$k2" ]] || e2e_fail "two gateway containers share their host key"

# The tools of a plain server, in a throwaway decoy container.
tools='for t in ps ip ping curl wget less vi nano busybox crontab useradd ss netstat; do command -v $t >/dev/null || { echo missing $t; exit 1; }; done'
id=$(run_ctr "$E2E_ID-tools" karakuri/decoy:latest "$net.13" "$(jq -cn --arg c "$tools" '["sh","-c",$c]')")
code=$(e2e_api POST "/containers/$id/wait" | jq -r .StatusCode)
e2e_assert_eq 0 "$code" "decoy has the usual tools ($(e2e_api GET "/containers/$id/logs?stdout=1&stderr=1" | tr -cd '[:print:]'))"

# A build that cannot reach its mirror fails at debootstrap, says so, and
# tags nothing.
bad=$(e2e_config "[images]
mirror = http://127.0.0.1:9/debian
gateway_image = karakuri-test/gw-broken
decoy_image = karakuri-test/decoy-broken
workdir = $E2E_TMP/images")
set +e
"$KARAKURI" -c "$bad" images build >"$E2E_TMP/bad.log" 2>&1
rc=$?
set -e
[[ $rc -ne 0 ]] || e2e_fail "a build from a dead mirror succeeded"
grep -q "failed: step 1/8 (debootstrap bullseye) failed" "$E2E_TMP/bad.log" ||
  e2e_fail "the failure does not name its step: $(tail -n 3 "$E2E_TMP/bad.log")"
e2e_assert_eq 404 "$(e2e_api GET /images/karakuri-test/gw-broken:latest/json -o /dev/null -w '%{http_code}')" \
  "no tag after a failed build"
e2e_log "ok"
