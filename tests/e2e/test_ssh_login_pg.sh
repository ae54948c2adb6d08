#!/usr/bin/env bash
# test_ssh_login against the PostgreSQL store: the same test, run with
# [store] url pointing at a cluster of this test's own (tests/e2e/pg.sh), so
# every read it checks (events, sessions, session, replay, export) comes from
# PostgreSQL, forwarded from the sensor's spool. Then: the database holds
# the run's logins, each event once.
. "$KARAKURI_SRC/tests/e2e/lib.sh"
. "$KARAKURI_SRC/tests/e2e/pg.sh"
e2e_need_docker
e2e_pg_start
E2E_STORE_URL=$PG_URL bash "$KARAKURI_SRC/tests/e2e/test_ssh_login.sh" ||
  e2e_fail "test_ssh_login failed against postgresql"
n=$(e2e_psql "SELECT count(*) FROM events WHERE type = 'login.success'")
e2e_assert_ge "$n" 1 "logins in postgresql"
e2e_assert_eq 0 "$(e2e_psql 'SELECT count(*) FROM (SELECT sensor, seq FROM events GROUP BY 1, 2 HAVING count(*) > 1) d')" \
  "duplicate (sensor, seq)"
e2e_log "test_ssh_login passes reading postgresql ($(e2e_psql 'SELECT count(*) FROM events') events)"
