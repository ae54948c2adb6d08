# Shared helpers for the e2e tests; source it first thing:
#   . "$KARAKURI_SRC/tests/e2e/lib.sh"
# It gives every test its own temporary directory ($E2E_TMP), a cleanup stack
# that runs on any exit (so containers, networks, namespaces and rules made by
# a failing test are still removed), an "attacker" network namespace on the
# documentation ranges, and small assertions. Exit 77 means skipped.
set -euo pipefail

: "${KARAKURI:?KARAKURI must name the binary under test}"
: "${KARAKURI_SRC:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
E2E_NAME=$(basename "$0" .sh)
E2E_ID="kkt$$"
E2E_TMP=$(mktemp -d "/tmp/karakuri-e2e-${E2E_NAME}.XXXXXX")
E2E_CLEANUP=()
E2E_SOCK=${DOCKER_SOCK:-/var/run/docker.sock}
if [[ "${DOCKER_HOST:-}" == unix://* ]]; then E2E_SOCK=${DOCKER_HOST#unix://}; fi

# Registers a command to run at exit; they run last-registered first.
e2e_defer() { E2E_CLEANUP+=("$*"); }

e2e_run_cleanup() {
  local rc=$?
  set +e
  for ((i = ${#E2E_CLEANUP[@]} - 1; i >= 0; i--)); do
    eval "${E2E_CLEANUP[$i]}" >/dev/null 2>&1
  done
  if [[ $rc -ne 0 && $rc -ne 77 && -d "$E2E_TMP" ]]; then
    echo "--- $E2E_NAME failed (rc=$rc); logs kept in $E2E_TMP" >&2
    for f in "$E2E_TMP"/*.log; do
      [[ -f "$f" ]] || continue
      echo "--- $f (last 40 lines)" >&2
      tail -n 40 "$f" >&2
    done
  else
    rm -rf "$E2E_TMP"
  fi
  exit $rc
}
trap e2e_run_cleanup EXIT
trap 'exit 130' INT TERM

e2e_log() { printf '[%s] %s\n' "$E2E_NAME" "$*" >&2; }
e2e_fail() { printf '[%s] FAIL: %s\n' "$E2E_NAME" "$*" >&2; exit 1; }
e2e_skip() { printf '[%s] SKIP: %s\n' "$E2E_NAME" "$*" >&2; exit 77; }

e2e_assert_eq() { # expected actual what
  [[ "$1" == "$2" ]] || e2e_fail "$3: expected '$1', got '$2'"
}
e2e_assert_contains() { # haystack needle what
  [[ "$1" == *"$2"* ]] || e2e_fail "$3: '$2' not found in: $1"
}
e2e_assert_ge() { # a b what
  (( $1 >= $2 )) || e2e_fail "$3: $1 < $2"
}

# Waits up to $1 seconds for the command in the remaining arguments to succeed.
e2e_wait_for() {
  local secs=$1; shift
  local end=$((SECONDS + secs))
  until "$@" >/dev/null 2>&1; do
    (( SECONDS < end )) || return 1
    sleep 0.2
  done
}

e2e_docker_up() {
  curl -sf --max-time 3 --unix-socket "$E2E_SOCK" http://localhost/_ping >/dev/null 2>&1
}
e2e_need_docker() {
  e2e_docker_up || e2e_fail "no Docker engine answers on $E2E_SOCK (scripts/setup engine starts one)"
}

# Docker Engine API with curl, for checks made from outside karakuri.
e2e_api() { # METHOD PATH [curl args...]
  local m=$1 p=$2; shift 2
  curl -s --max-time 60 --unix-socket "$E2E_SOCK" -X "$m" "http://localhost$p" "$@"
}

# Removes every container and network carrying label $1 (key or key=value).
e2e_docker_remove_label() {
  local filter ids
  filter=$(printf '{"label":["%s"]}' "$1")
  ids=$(e2e_api GET "/containers/json?all=1&filters=$(jq -rn --arg f "$filter" '$f|@uri')" | jq -r '.[].Id' 2>/dev/null || true)
  for id in $ids; do e2e_api DELETE "/containers/$id?force=1&v=1" >/dev/null; done
  ids=$(e2e_api GET "/networks?filters=$(jq -rn --arg f "$filter" '$f|@uri')" | jq -r '.[].Id' 2>/dev/null || true)
  for id in $ids; do e2e_api DELETE "/networks/$id" >/dev/null; done
}

# Ids of the containers carrying every label given (key or key=value), one
# a line; with --all first, stopped ones too.
e2e_containers() {
  local all=0
  if [[ "${1:-}" == --all ]]; then all=1; shift; fi
  e2e_api GET "/containers/json?all=$all&filters=$(jq -rn '{"label": $ARGS.positional}|tostring|@uri' --args "$@")" |
    jq -r '.[].Id'
}

# A config file in $E2E_TMP with the store under $E2E_TMP/var; extra INI text
# may be given as the first argument. Prints the path. With E2E_STORE_URL set
# (a wrapper running a test against PostgreSQL: test_*_pg.sh), [store] url is
# that, so the test's reads go to PostgreSQL.
e2e_config() {
  local conf="$E2E_TMP/karakuri.conf"
  {
    printf '[store]\ndir = %s/var\n' "$E2E_TMP"
    [[ -z "${E2E_STORE_URL:-}" ]] || printf 'url = %s\n' "$E2E_STORE_URL"
    printf '%s\n' "${1:-}"
  } >"$conf"
  echo "$conf"
}

# Starts `karakuri run` in the background with config $1; sets KK_PID. Its
# stderr goes to $E2E_TMP/karakuri.log. Stopped (by PID) at exit.
e2e_start_karakuri() {
  "$KARAKURI" -c "$1" run >"$E2E_TMP/karakuri.log" 2>&1 &
  KK_PID=$!
  e2e_defer "kill -TERM $KK_PID 2>/dev/null; sleep 0.5; kill -KILL $KK_PID 2>/dev/null; wait $KK_PID"
}

# A documentation /24 neither this host (its own network may be one: here
# eth0 sits in 192.0.2.0/24 with its gateway at .1) nor an earlier namespace
# of this test uses; prints its first three octets.
E2E_RANGES_TAKEN=""
e2e_free_range() {
  local b
  for b in 198.51.100 203.0.113 192.0.2; do
    [[ " $E2E_RANGES_TAKEN " == *" $b "* ]] && continue
    if ! grep -q " inet $b\." <<<"$(ip -4 -o addr show)" && ! grep -q "^$b\.\|via $b\." <<<"$(ip -4 route show)"; then
      echo "$b"
      return 0
    fi
  done
  return 1
}

# A network namespace joined to the host by a veth pair on a /30 of a free
# documentation range (each test gets its own /30 from its PID so leftovers
# never collide): e2e_veth_ns NS HOST_IF. Sets NS_IP and NS_HOST_IP; removed
# at exit.
e2e_veth_ns() {
  local ns=$1 hif=$2 n=$(( ($$ % 60) * 4 )) base
  base=$(e2e_free_range) || e2e_fail "every documentation range is in use on this host"
  E2E_RANGES_TAKEN+=" $base"
  NS_HOST_IP="$base.$((n + 1))"
  NS_IP="$base.$((n + 2))"
  ip netns add "$ns"
  e2e_defer "ip netns del $ns"
  ip link add "$hif" type veth peer name "${hif}p"
  e2e_defer "ip link del $hif"
  ip link set "${hif}p" netns "$ns"
  ip addr add "$NS_HOST_IP/30" dev "$hif"
  ip link set "$hif" up
  ip -n "$ns" addr add "$NS_IP/30" dev "${hif}p"
  ip -n "$ns" link set "${hif}p" up
  ip -n "$ns" link set lo up
  ip -n "$ns" route add default via "$NS_HOST_IP"
}

# The attacker's namespace. Sets ATT_NS, ATT_IP, ATT_HOST_IP, ATT_HOST_IF.
e2e_attacker_ns() {
  ATT_NS="kk-att-$$"
  ATT_HOST_IF="kkh$$"
  e2e_veth_ns "$ATT_NS" "$ATT_HOST_IF"
  ATT_IP=$NS_IP
  ATT_HOST_IP=$NS_HOST_IP
}

# A host "outside", off the machine as far as honeynets can tell: nothing may
# ever reach it. Sets OUT_NS, OUT_IP.
e2e_outside_ns() {
  OUT_NS="kk-out-$$"
  e2e_veth_ns "$OUT_NS" "kko$$"
  OUT_IP=$NS_IP
}

# Runs a command as the attacker.
e2e_as_attacker() { ip netns exec "$ATT_NS" "$@"; }

# An attacker namespace and karakuri's SSH front end listening on the host
# side of its veth (port 2222), honeynets from lan_pool $1, extra [ssh] keys in
# $2. Sets ATT_*, KK_PID, conf, port and SSHO (options for a fresh client);
# every honeynet it makes is removed at exit.
e2e_start_ssh_frontend() {
  e2e_need_docker
  command -v sshpass >/dev/null || e2e_fail "sshpass not installed (apt-get install sshpass)"
  e2e_attacker_ns
  port=2222
  conf=$(e2e_config "[ssh]
listen = $ATT_HOST_IP:$port
${2:-}
[honeynet]
lan_pool = $1")
  e2e_defer "'$KARAKURI' -c '$conf' cleanup"
  e2e_start_karakuri "$conf"
  e2e_wait_for 10 grep -q "SSH front end listening" "$E2E_TMP/karakuri.log" ||
    e2e_fail "the SSH front end did not start"
  SSHO=(-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o ConnectTimeout=20)
}

# The "internet" of a download test: a namespace behind a veth with an
# address of its own ($srv, $INET_NS) and a folder of files it may serve
# ($www: bot.x86, 700 kB; x.sh, a script; big.bin, 1.5 MB).
e2e_internet() {
  INET_NS="kk-inet-$$"
  e2e_veth_ns "$INET_NS" "kki$$"
  srv=${NS_IP%.*}.250
  ip -n "$INET_NS" addr add "$srv/32" dev lo
  ip route add "$srv/32" via "$NS_IP"
  e2e_defer "ip route del $srv/32 2>/dev/null"
  www="$E2E_TMP/www"
  mkdir -p "$www"
  head -c 700000 /dev/urandom >"$www/bot.x86"
  printf '#!/bin/sh\necho pwned\n' >"$www/x.sh"
  head -c 1500000 /dev/urandom >"$www/big.bin"
}
