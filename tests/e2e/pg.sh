# A PostgreSQL cluster of the test's own, for the tests of the PostgreSQL
# store; source it after lib.sh:
#   . "$KARAKURI_SRC/tests/e2e/pg.sh"
#   e2e_pg_start        # sets PG_URL (postgresql://karakuri@127.0.0.1:PORT/karakuri)
#   e2e_pg_stop / e2e_pg_start_again / e2e_psql SQL / e2e_pg_pids
# The cluster lives in a mktemp directory of its own (initdb, trust auth on
# 127.0.0.1 only, its unix socket in that directory too), on a free port; it
# is stopped and removed at exit by lib.sh's cleanup stack, also when the test
# fails. As root the server runs as the postgres user (it refuses root).
# Skips the test (77) when PostgreSQL's server binaries are not installed.

E2E_PG_BIN=${E2E_PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}

# Runs a PostgreSQL program as the cluster's owner.
e2e_pg_as() {
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

e2e_pg_free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

e2e_pg_start() {
  [[ -n "$E2E_PG_BIN" && -x "$E2E_PG_BIN/initdb" ]] ||
    e2e_skip "no PostgreSQL server (apt-get install postgresql)"
  command -v psql >/dev/null || e2e_skip "no psql (apt-get install postgresql-client)"
  PG_DIR=$(mktemp -d /tmp/karakuri-pg.XXXXXX)
  e2e_defer "e2e_pg_as '$E2E_PG_BIN/pg_ctl' -D '$PG_DIR/data' -m immediate stop; rm -rf '$PG_DIR'"
  mkdir "$PG_DIR/sock"
  [[ $(id -u) -ne 0 ]] || chown -R postgres: "$PG_DIR"
  PG_PORT=$(e2e_pg_free_port)
  e2e_pg_as "$E2E_PG_BIN/initdb" -D "$PG_DIR/data" -U karakuri -A trust -E UTF8 --no-sync \
    >"$E2E_TMP/initdb.log" 2>&1 || e2e_fail "initdb failed: $(tail -n 3 "$E2E_TMP/initdb.log")"
  cat >>"$PG_DIR/data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$PG_DIR/sock'
fsync = off
EOF
  e2e_pg_start_again
  e2e_psql_db postgres 'CREATE DATABASE karakuri' >/dev/null
  PG_URL="postgresql://karakuri@127.0.0.1:$PG_PORT/karakuri"
  e2e_log "postgresql on 127.0.0.1:$PG_PORT ($PG_DIR)"
}

e2e_pg_start_again() {
  e2e_pg_as "$E2E_PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 30 start \
    >/dev/null || e2e_fail "postgresql did not start: $(tail -n 5 "$PG_DIR/server.log")"
}

# Fast shutdown: connections are cut, as when the server goes away.
e2e_pg_stop() {
  e2e_pg_as "$E2E_PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null
}

e2e_psql_db() { # DB SQL: prints the rows unaligned, '|' between columns
  psql -X -q -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U karakuri -d "$1" -c "$2"
}
e2e_psql() { e2e_psql_db karakuri "$1"; }

# The server's processes (postmaster first), for freezing it with SIGSTOP.
e2e_pg_pids() {
  local pm
  pm=$(head -n 1 "$PG_DIR/data/postmaster.pid")
  echo "$pm" $(ps -o pid= --ppid "$pm")
}
