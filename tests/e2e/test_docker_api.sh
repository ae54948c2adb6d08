#!/usr/bin/env bash
# The Docker client (src/docker) against the real engine: every call karakuri
# uses, through tests/e2e/helpers_docker/docker_probe (see its header), on
# internal networks and images of this test's own, all removed at exit.
. "$KARAKURI_SRC/tests/e2e/lib.sh"
e2e_need_docker
probe="$KARAKURI_BUILD/tests/e2e/helpers_docker/docker_probe"
[[ -x "$probe" ]] || e2e_fail "helper not built: $probe"
[[ -x /bin/busybox ]] || e2e_fail "busybox-static not installed (apt-get install busybox-static)"

e2e_defer "e2e_docker_remove_label karakuri.test=$E2E_ID"
for img in "karakuri-test/busybox:$E2E_ID" "karakuri-test/busybox2:$E2E_ID" \
  "karakuri-test/built:$E2E_ID" "karakuri-test/broken:$E2E_ID" "karakuri-test/commit:$E2E_ID"; do
  e2e_defer "e2e_api DELETE '/images/${img/\//%2F}?force=1'"
done

# A file to put into a container.
mkdir -p "$E2E_TMP/file"
echo hi >"$E2E_TMP/file/hello.txt"
tar -C "$E2E_TMP/file" -cf "$E2E_TMP/file.tar" hello.txt
# A busybox root filesystem to import.
root="$E2E_TMP/rootfs"
mkdir -p "$root/bin" "$root/tmp"
cp /bin/busybox "$root/bin/busybox"
for a in sh echo cat true false ls; do ln -s busybox "$root/bin/$a"; done
tar -C "$root" --numeric-owner -cf "$E2E_TMP/rootfs.tar" .
# Build contexts on top of it: one that builds, one that fails.
mkdir -p "$E2E_TMP/ctx" "$E2E_TMP/bad"
printf 'ARG BASE\nFROM ${BASE}\nRUN echo built >/built\nCMD ["sh"]\n' >"$E2E_TMP/ctx/Dockerfile"
printf 'ARG BASE\nFROM ${BASE}\nRUN false\n' >"$E2E_TMP/bad/Dockerfile"
tar -C "$E2E_TMP/ctx" -cf "$E2E_TMP/ctx.tar" Dockerfile
tar -C "$E2E_TMP/bad" -cf "$E2E_TMP/bad.tar" Dockerfile

# Two /24s of the test's own (internal networks, nothing routes off the host).
third=$((20 + ($$ % 100) * 2))
"$probe" "$E2E_ID" "10.213.$third" "$E2E_TMP/file.tar" "$E2E_TMP/rootfs.tar" \
  "$E2E_TMP/ctx.tar" "$E2E_TMP/bad.tar" >"$E2E_TMP/probe.log" 2>&1 ||
  { cat "$E2E_TMP/probe.log" >&2; e2e_fail "docker_probe failed"; }
grep -q "all docker checks passed" "$E2E_TMP/probe.log" || e2e_fail "probe did not finish"
e2e_log "ok ($(grep -c '^ok' "$E2E_TMP/probe.log") checks)"
