#!/usr/bin/env bash
# bench/fetch: the time a download of a 1 MB file takes through karakuri's
# fetcher ([capture] fetch = yes: a gateway's curl, redirected to the
# fetcher, which fetches it from the host's side and hands it over) against
# the same download straight from the "internet" (the host's curl to the
# same web server), in one run; each the median of R downloads, as curl
# itself times them (time_total).
# Target: through the fetcher <= 1.5x straight.
# Usage: bench/fetch.sh [BUILD_DIR]   (root; the engine and images present)
set -euo pipefail
build=${1:-build}
kk="$build/karakuri"
R=${BENCH_FETCH_RUNS:-21}
SIZE=${BENCH_FETCH_BYTES:-1000000}
[[ -x "$kk" ]] || { echo "no $kk: build first"; exit 2; }
command -v sshpass >/dev/null || { echo "no sshpass (apt-get install sshpass)"; exit 2; }
[[ -x /usr/bin/python3 ]] || { echo "no /usr/bin/python3"; exit 2; }
docker image inspect karakuri/gateway:latest >/dev/null 2>&1 || { echo "no karakuri/gateway: karakuri images build"; exit 2; }

tmp=$(mktemp -d /tmp/karakuri-bench-fetch.XXXXXX)
ns=kkbf-$$
hif=kkbf$$
srv=203.0.113.250
kpid="" wpid=""
cleanup() {
  [[ -n "$kpid" ]] && { kill -TERM "$kpid" 2>/dev/null || true; wait "$kpid" 2>/dev/null || true; }
  [[ -n "$wpid" ]] && { kill "$wpid" 2>/dev/null || true; wait "$wpid" 2>/dev/null || true; }
  "$kk" -c "$tmp/karakuri.conf" cleanup >/dev/null 2>&1 || true
  ip route del "$srv/32" 2>/dev/null || true
  ip link del "$hif" 2>/dev/null || true
  ip netns del "$ns" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

# The "internet": a web server on $srv behind a veth of the bench's own (a
# /30 of 203.0.113.0/24 beside it), routed from the host.
grep -q " inet 203\.0\.113\." <<<"$(ip -4 -o addr show)" && { echo "203.0.113.0/24 is in use on this host"; exit 2; }
ip netns add "$ns"
ip link add "$hif" type veth peer name "${hif}p"
ip link set "${hif}p" netns "$ns"
ip addr add 203.0.113.241/30 dev "$hif"
ip link set "$hif" up
ip -n "$ns" addr add 203.0.113.242/30 dev "${hif}p"
ip -n "$ns" link set "${hif}p" up
ip -n "$ns" link set lo up
ip -n "$ns" addr add "$srv/32" dev lo
ip -n "$ns" route add default via 203.0.113.241
ip route add "$srv/32" via 203.0.113.242
mkdir -p "$tmp/www"
head -c "$SIZE" /dev/urandom >"$tmp/www/file.bin"
ip netns exec "$ns" /usr/bin/python3 -c '
import functools, http.server, socketserver, sys
class S(http.server.ThreadingHTTPServer):
    def server_bind(self):
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = "www", 80
S((sys.argv[1], 80), functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[2])).serve_forever()
' "$srv" "$tmp/www" </dev/null >"$tmp/http.log" 2>&1 &
wpid=$!
for _ in $(seq 50); do curl -sf -o /dev/null "http://$srv/file.bin" && break; sleep 0.2; done

# karakuri, and a gateway of a honeynet of its to download from.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
printf 'bench:x:benchpw\n' >"$tmp/userdb"
cat >"$tmp/karakuri.conf" <<EOC
[ssh]
listen = 127.0.0.1:$port
auth = list:$tmp/userdb
[store]
dir = $tmp/var
[capture]
fetch = yes
EOC
"$kk" -c "$tmp/karakuri.conf" run >"$tmp/karakuri.log" 2>&1 &
kpid=$!
for _ in $(seq 100); do grep -q "listening" "$tmp/karakuri.log" && break; sleep 0.1; done
SSHO=(-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o ConnectTimeout=20)
sshpass -p benchpw ssh "${SSHO[@]}" -p "$port" bench@127.0.0.1 true || {
  echo "login through karakuri failed"; tail "$tmp/karakuri.log"; exit 1; }
gw=$(docker ps -q --no-trunc --filter label=karakuri.honeynet=src-127.0.0.1 --filter label=karakuri.role=gateway)
[[ -n "$gw" ]] || { echo "no gateway"; exit 1; }

# The first login set the honeynet's decoy pool filling (containers made,
# host keys generated): measured once karakuri and the engine are idle,
# as they are on a sensor between logins, so that the download is what
# is timed (at most 120 s; either way the figure says how long it waited).
ticks() { local s=0 p; for p in "$@"; do read -r -a f <"/proc/$p/stat" && s=$((s + f[13] + f[14])); done; echo "$s"; }
dpid=$(pidof dockerd | cut -d' ' -f1)
waited=0
while ((waited < 120)); do
  a=$(ticks "$kpid" $dpid); sleep 2; b=$(ticks "$kpid" $dpid)
  waited=$((waited + 2))
  (( b - a < 10 )) && break
done
echo "waited ${waited}s for the honeynet's start-up work to end"
# One curl: its time_total in seconds, or "fail".
one='t=$(curl -s -o /tmp/f -w "%{time_total}" "$1") && [ "$(wc -c </tmp/f)" = '"$SIZE"' ] && echo "$t" || echo fail'
median() { python3 -c '
import sys
v = [float(x) * 1000 for x in sys.stdin.read().split() if x != "fail"]
bad = sum(1 for x in open(sys.argv[1]).read().split() if x == "fail")
v.sort()
print(f"{v[len(v) // 2]:.2f}" if v else "99999", bad)' "$1" <"$1"; }
# one of each first: the first fetch pays for the first artifact write
docker exec "$gw" bash -c "$one" x "http://$srv/file.bin" >/dev/null
bash -c "$one" x "http://$srv/file.bin" >/dev/null
# Interleaved, so that both see the same load on the machine.
: >"$tmp/kk.txt"
: >"$tmp/direct.txt"
for _ in $(seq "$R"); do
  docker exec "$gw" bash -c "$one" x "http://$srv/file.bin" >>"$tmp/kk.txt"
  bash -c "$one" x "http://$srv/file.bin" >>"$tmp/direct.txt"
done
read -r kms kbad < <(median "$tmp/kk.txt")
read -r dms dbad < <(median "$tmp/direct.txt")
ratio=$(python3 -c "print(f'{$kms / max($dms, 0.001):.2f}')")
printf '%-44s %10s %10s %8s\n' "" "fetcher" "straight" "ratio"
printf '%-44s %10s %10s %8s\n' "download of $SIZE bytes, median of $R (ms)" "$kms" "$dms" "$ratio"
printf '%-44s %10s %10s\n' "failed downloads" "$kbad" "$dbad"
echo "(a gateway's curl through the fetcher vs. the host's curl straight to the same server; target: <= 1.5x)"
n=$("$kk" -c "$tmp/karakuri.conf" events --json --type file.download | jq -s '[.[] | select(.fetched)] | length')
echo "file.download events with fetched: $n of $((2 * R))"
if python3 -c "import sys; sys.exit(0 if $kms <= 1.5 * $dms and $kbad == 0 and $dbad == 0 else 1)"; then
  echo "PASS: through the fetcher <= 1.5x straight"
else
  echo "FAIL: through the fetcher <= 1.5x straight"
  exit 1
fi
