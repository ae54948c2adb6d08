#!/usr/bin/env bash
# H2: the SSH control plane stays responsive while a session's files are
# extracted. One source leaves thousands of empty files behind and logs
# out; while karakuri extracts them (capped by [containment] extract_files,
# about 55 ms a file) another source logs in and runs a command at once,
# where the old single thread made it wait for the whole extraction. The
# files past the cap are counted in one file.truncated, and the ones within
# it are file.changed.
. "$KARAKURI_SRC/tests/e2e/lib.sh"
CAP=600
N=2000
e2e_start_ssh_frontend 10.231.0.0/16 "[containment]
extract_files = $CAP
[honeynet]
responder = no"
e2e_outside_ns

login() { e2e_as_attacker sshpass -p pw ssh "${SSHO[@]}" -p $port eve@"$ATT_HOST_IP" "$@"; }
ev() { "$KARAKURI" -c "$conf" events --json --type "$1"; }

# The other source's honeynet exists already, so its login below is a login,
# not a honeynet being made.
ip netns exec "$OUT_NS" sshpass -p pw ssh "${SSHO[@]}" -p $port bob@"$ATT_HOST_IP" true ||
  e2e_fail "bob's first login"
login "mkdir /tmp/a && cd /tmp/a && seq $N | xargs touch && echo made" | grep -q made ||
  e2e_fail "eve's files were not made"
t_out=$(date +%s%N)
# Extraction of eve's files has begun: it takes CAP * ~55 ms.
sleep 1
s=$(date +%s%N)
out=$(timeout 60 ip netns exec "$OUT_NS" sshpass -p pw ssh "${SSHO[@]}" -p $port bob@"$ATT_HOST_IP" \
  "echo bob-was-here") || e2e_fail "bob's login during eve's extraction"
ms=$((($(date +%s%N) - s) / 1000000))
e2e_log "bob's login and command during eve's extraction: $ms ms"
e2e_assert_contains "$out" "bob-was-here" "bob's command"
# Eve's extraction still runs: bob was not served after it.
e2e_wait_for 120 sh -c "'$KARAKURI' -c '$conf' events --json --type file.truncated | grep -q ." ||
  e2e_fail "no file.truncated within 120 s"
done_ms=$(( ($(date +%s%N) - t_out) / 1000000 ))
e2e_log "eve's extraction ended about $done_ms ms after her logout"
((ms < 8000)) || e2e_fail "bob waited $ms ms (8000 at most)"
((ms + 1000 < done_ms)) || e2e_fail "bob ($ms ms) was not answered before eve's extraction ended ($done_ms ms)"

kill -TERM "$KK_PID"
wait "$KK_PID" || e2e_fail "karakuri did not stop cleanly"
t=$(ev file.truncated | jq -s --arg c "$CAP" '[.[] | select(.extract_files == ($c | tonumber))]')
[[ $(jq length <<<"$t") == 1 ]] || e2e_fail "one file.truncated wanted: $(ev file.truncated)"
skipped=$(jq '.[0].files_skipped' <<<"$t")
e2e_assert_ge "$skipped" $((N - CAP)) "files counted in file.truncated"
jq -e '.[0].session and .[0].honeynet and .[0].reason' <<<"$t" >/dev/null ||
  e2e_fail "file.truncated without session, honeynet or reason: $t"
changed=$(ev file.changed | jq -s '[.[] | select(.path | startswith("/tmp/a/"))] | length')
e2e_log "file.changed under /tmp/a: $changed; file.truncated: files_skipped $skipped"
((changed > 0 && changed <= CAP)) || e2e_fail "$changed files of /tmp/a recorded (1..$CAP wanted)"
e2e_log "ok"
