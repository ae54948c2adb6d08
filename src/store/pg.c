/* pg: the PostgreSQL back end: one database for a fleet of sensors.
 *
 * PostgreSQL is never written to directly by the event pipeline. The local
 * SQLite (and JSON lines) stay the spool, written as always; the forwarder
 * (forward.c) ships its rows here in order, each keeping its sensor and its
 * local id as seq, idempotent on (sensor, seq): a batch sent twice (a kill
 * mid-commit, a lost answer) is stored once. So this file has the read side
 * of the back-end table, the schema, and the shipping statement.
 *
 * Schema: versioned in the table schema_version (one row per migration
 * applied); each migration runs in one transaction under an advisory lock, so
 * sensors starting together migrate once; a database newer than this binary
 * is refused. Text columns are COLLATE "C": ts and type are compared as
 * bytes, as SQLite does, whatever the database's locale.
 *
 * Sensors: (sensor, seq) is only a key while one state directory uses one
 * sensor name. Each state directory has an instance id of its own
 * (<dir>/sensor.id), and the table sensors says which instance a name
 * belongs to: a second directory under the same name is refused (rather than
 * having its events taken for ones already stored and dropped).
 *
 * Ids: events.id is a bigserial and readers go by it (karakuri events
 * --follow asks for id > last). Shipping transactions take an advisory lock
 * first, so they commit one at a time and a reader never sees id N+1 before
 * N has committed. */
#include "common/util.h"
#include "common/xalloc.h"
#include "store/backend.h"
#include "store/fsutil.h"
#include "store/pg_int.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Advisory lock keys: "kk" and what they guard. */
#define LOCK_MIGRATE 0x6b6b0001LL
#define LOCK_SHIP 0x6b6b0002LL

/* migrations[v] takes the schema from version v to v + 1. */
static const char *const migrations[STORE_PG_SCHEMA_VERSION] = {
    /* 0 → 1 */
    ("CREATE TABLE events("
     " id bigserial PRIMARY KEY,"
     " sensor text COLLATE \"C\" NOT NULL,"
     " seq bigint NOT NULL,"
     " ts text COLLATE \"C\" NOT NULL,"
     " type text COLLATE \"C\" NOT NULL,"
     " session text COLLATE \"C\","
     " honeynet text COLLATE \"C\","
     " src_ip text COLLATE \"C\","
     " data text NOT NULL,"
     " received timestamptz NOT NULL DEFAULT now(),"
     " UNIQUE (sensor, seq));"
     "CREATE INDEX events_type ON events(type);"
     "CREATE TABLE sensors("
     " sensor text COLLATE \"C\" PRIMARY KEY,"
     " instance text NOT NULL,"
     " first_seen timestamptz NOT NULL DEFAULT now(),"
     " last_seen timestamptz NOT NULL DEFAULT now());"
     "CREATE INDEX events_session ON events(session);"
     "CREATE INDEX events_ts ON events(ts);"),
};

/* "what: the server's message" (its first line) into err. */
static int pg_fail(PGconn *c, const PGresult *res, const char *what, char *err, size_t errlen)
{
    const char *msg = res ? PQresultErrorMessage(res) : "";
    if (!msg || !*msg)
        msg = c ? PQerrorMessage(c) : "no connection";
    size_t n = strcspn(msg, "\n");
    snprintf(err, errlen, "postgresql: %s: %.*s", what, (int)n, msg);
    return c && PQstatus(c) != CONNECTION_OK ? -ECONNRESET : -EIO;
}

/* Waits for c's socket to be ready for events; -ETIMEDOUT after
 * STORE_PG_IO_TIMEOUT_MS without. */
static int wait_sock(PGconn *c, short events, char *err, size_t errlen)
{
    struct pollfd pfd = {.fd = PQsocket(c), .events = events};
    int n;
    do {
        n = poll(&pfd, 1, STORE_PG_IO_TIMEOUT_MS);
    } while (n < 0 && errno == EINTR);
    if (n == 0) {
        snprintf(err, errlen, "postgresql: no answer for %d s", STORE_PG_IO_TIMEOUT_MS / 1000);
        return -ETIMEDOUT;
    }
    return n < 0 ? store_err_errno(err, errlen, -errno, "postgresql: poll") : 0;
}

/* Sends what libpq has buffered of the query just started. */
static int flush_out(PGconn *c, const char *what, char *err, size_t errlen)
{
    int f;
    while ((f = PQflush(c)) == 1) {
        int rc = wait_sock(c, POLLOUT | POLLIN, err, errlen);
        if (rc < 0)
            return rc;
        if (!PQconsumeInput(c))
            return pg_fail(c, NULL, what, err, errlen);
    }
    return f == 0 ? 0 : pg_fail(c, NULL, what, err, errlen);
}

/* The next result of the query in flight, NULL at its end (*rc 0) or on a
 * failure to read (*rc < 0). */
static PGresult *next_result(PGconn *c, int *rc, const char *what, char *err, size_t errlen)
{
    while (PQisBusy(c)) {
        if ((*rc = wait_sock(c, POLLIN, err, errlen)) < 0)
            return NULL;
        if (!PQconsumeInput(c)) {
            *rc = pg_fail(c, NULL, what, err, errlen);
            return NULL;
        }
    }
    *rc = 0;
    return PQgetResult(c);
}

static int send_query(PGconn *c, const char *sql, int n, const char *const *params,
                      const char *what, char *err, size_t errlen)
{
    int ok =
        n > 0 ? PQsendQueryParams(c, sql, n, NULL, params, NULL, NULL, 0) : PQsendQuery(c, sql);
    return ok ? flush_out(c, what, err, errlen) : pg_fail(c, NULL, what, err, errlen);
}

/* Runs sql (with n parameters; with none it may be several statements) to
 * its end. 0 when every result is a success; *out (may be NULL) then gets the
 * last one, the caller's to PQclear. */
static int run(PGconn *c, const char *sql, int n, const char *const *params, PGresult **out,
               const char *what, char *err, size_t errlen)
{
    PGresult *last = NULL, *res;
    int rc = send_query(c, sql, n, params, what, err, errlen), rrc = 0;

    while (rc == 0 || rrc == 0) {
        res = next_result(c, &rrc, what, err, errlen);
        if (!res)
            break;
        ExecStatusType st = PQresultStatus(res);
        if (rc == 0 && st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
            rc = pg_fail(c, res, what, err, errlen);
        PQclear(last);
        last = res;
    }
    if (rc == 0)
        rc = rrc;
    if (rc == 0 && out)
        *out = last;
    else
        PQclear(last);
    return rc;
}

static int exec_ok(PGconn *c, const char *sql, const char *what, char *err, size_t errlen)
{
    return run(c, sql, 0, NULL, NULL, what, err, errlen);
}

/* A one-row, one-column query's value, newly allocated into *out. */
static int run_value(PGconn *c, const char *sql, int n, const char *const *params, char **out,
                     const char *what, char *err, size_t errlen)
{
    PGresult *res = NULL;
    int rc = run(c, sql, n, params, &res, what, err, errlen);
    if (rc == 0 && PQntuples(res) != 1) {
        snprintf(err, errlen, "postgresql: %s: %d rows, not one", what, PQntuples(res));
        rc = -EIO;
    }
    if (rc == 0)
        *out = xstrdup(PQgetvalue(res, 0, 0));
    PQclear(res);
    return rc;
}

int store_pg_url_check(const char *url, char *err, size_t errlen)
{
    char *perr = NULL;
    PQconninfoOption *opts = PQconninfoParse(url, &perr);
    if (!opts) {
        const char *msg = perr ? perr : "out of memory";
        snprintf(err, errlen, "postgresql: [store] url does not parse: %.*s",
                 (int)strcspn(msg, "\n"), msg);
        PQfreemem(perr);
        return -EINVAL;
    }
    PQconninfoFree(opts);
    return 0;
}

int store_pg_connect(const char *url, PGconn **out, char *err, size_t errlen)
{
    /* Our defaults first: what the url says overrides them. Keepalives and
     * tcp_user_timeout so that a server gone from the network is noticed. */
    const char *const keys[] = {
        "connect_timeout",     "application_name", "keepalives_idle", "keepalives_count",
        "keepalives_interval", "tcp_user_timeout", "dbname",          NULL};
    const char *const vals[] = {"5", "karakuri", "5", "3", "2", "10000", url, NULL};

    int rc = store_pg_url_check(url, err, errlen);
    if (rc < 0)
        return rc;
    PGconn *c = PQconnectdbParams(keys, vals, 1);
    if (!c || PQstatus(c) != CONNECTION_OK) {
        const char *msg = c ? PQerrorMessage(c) : "out of memory";
        size_t n = strcspn(msg, "\n");
        snprintf(err, errlen, "postgresql: connecting: %.*s", (int)n, msg);
        PQfinish(c);
        return -ECONNREFUSED;
    }
    /* Every wait is ours (poll with a timeout): nothing blocks for ever on a
     * server that stopped answering. */
    if (PQsetnonblocking(c, 1) == 0)
        rc = exec_ok(c, "SET client_encoding = 'UTF8'; SET client_min_messages = warning",
                     "setting up the session", err, errlen);
    else
        rc = pg_fail(c, NULL, "setting non-blocking mode", err, errlen);
    if (rc < 0) {
        PQfinish(c);
        return rc;
    }
    *out = c;
    return 0;
}

static int version_in_tx(PGconn *c, int *version, char *err, size_t errlen)
{
    char *v = NULL;
    const char *what = "reading the schema version";
    int rc = run_value(c, "SELECT to_regclass('schema_version') IS NOT NULL", 0, NULL, &v, what,
                       err, errlen);
    bool exists = rc == 0 && strcmp(v, "t") == 0;
    free(v);
    v = NULL;
    if (rc == 0 && !exists)
        *version = 0;
    if (rc == 0 && exists)
        rc = run_value(c, "SELECT coalesce(max(version), 0) FROM schema_version", 0, NULL, &v, what,
                       err, errlen);
    if (rc == 0 && exists)
        *version = (int)strtol(v, NULL, 10);
    free(v);
    return rc;
}

int store_pg_version(PGconn *c, int *version, char *err, size_t errlen)
{
    return version_in_tx(c, version, err, errlen);
}

static int newer(int v, char *err, size_t errlen)
{
    snprintf(err, errlen,
             "postgresql: the schema is version %d, newer than this karakuri's (%d): upgrade "
             "karakuri",
             v, STORE_PG_SCHEMA_VERSION);
    return -ENOTSUP;
}

static int migrate_locked(PGconn *c, int *from, char *err, size_t errlen)
{
    int v = 0;
    int rc = exec_ok(c,
                     "CREATE TABLE IF NOT EXISTS schema_version("
                     " version integer PRIMARY KEY,"
                     " applied timestamptz NOT NULL DEFAULT now())",
                     "creating schema_version", err, errlen);
    if (rc == 0)
        rc = version_in_tx(c, &v, err, errlen);
    if (rc == 0 && v > STORE_PG_SCHEMA_VERSION)
        rc = newer(v, err, errlen);
    if (rc == 0 && from)
        *from = v;
    for (; rc == 0 && v < STORE_PG_SCHEMA_VERSION; v++) {
        char *sql =
            xasprintf("%s INSERT INTO schema_version(version) VALUES (%d);", migrations[v], v + 1);
        rc = exec_ok(c, sql, "migrating the schema", err, errlen);
        free(sql);
    }
    return rc;
}

int store_pg_migrate(PGconn *c, int *from, char *err, size_t errlen)
{
    char lock[96];
    snprintf(lock, sizeof(lock), "BEGIN; SELECT pg_advisory_xact_lock(%lld)", LOCK_MIGRATE);
    int rc = exec_ok(c, lock, "beginning the migration", err, errlen);
    if (rc == 0)
        rc = migrate_locked(c, from, err, errlen);
    if (rc == 0)
        rc = exec_ok(c, "COMMIT", "committing the migration", err, errlen);
    return rc; /* after a failure the caller closes c, which rolls back */
}

int store_pg_claim(PGconn *c, const char *sensor, const char *instance, char *err, size_t errlen)
{
    const char *params[2] = {sensor, instance};
    char *owner = NULL;
    int rc = run(c,
                 "INSERT INTO sensors(sensor, instance) VALUES ($1, $2)"
                 " ON CONFLICT (sensor) DO NOTHING",
                 2, params, NULL, "registering the sensor", err, errlen);
    if (rc == 0)
        rc = run_value(c, "SELECT instance FROM sensors WHERE sensor = $1", 1, params, &owner,
                       "reading the sensor's instance", err, errlen);
    if (rc == 0 && strcmp(owner, instance) != 0) {
        snprintf(err, errlen,
                 "postgresql: the sensor name '%s' belongs to another state directory (instance "
                 "%.32s, ours %.32s): give each sensor its own [karakuri] sensor",
                 sensor, owner, instance);
        rc = -EEXIST;
    }
    free(owner);
    return rc;
}

int store_pg_shipped(PGconn *c, const char *sensor, long long *seq, char *err, size_t errlen)
{
    const char *params[1] = {sensor};
    char *v = NULL;
    int rc = run_value(c, "SELECT coalesce(max(seq), 0) FROM events WHERE sensor = $1", 1, params,
                       &v, "reading what was shipped", err, errlen);
    if (rc == 0)
        *seq = strtoll(v, NULL, 10);
    free(v);
    return rc;
}

#define SHIP_COLS 8

/* "INSERT ... VALUES ($1, ..., $8), ($9, ...) ...": one round trip a batch. */
static char *ship_sql(size_t n)
{
    size_t cap = 256 + n * 80, len = 0;
    char *sql = xmalloc(cap);

    len += (size_t)snprintf(sql, cap,
                            "INSERT INTO events(sensor, seq, ts, type, session, honeynet, src_ip, "
                            "data) VALUES ");
    for (size_t i = 0; i < n; i++) {
        size_t k = i * SHIP_COLS;
        len += (size_t)snprintf(
            sql + len, cap - len, "%s($%zu, $%zu::bigint, $%zu, $%zu, $%zu, $%zu, $%zu, $%zu)",
            i ? ", " : "", k + 1, k + 2, k + 3, k + 4, k + 5, k + 6, k + 7, k + 8);
    }
    snprintf(sql + len, cap - len, " ON CONFLICT (sensor, seq) DO NOTHING");
    return sql;
}

int store_pg_ship(PGconn *c, const char *sensor, const struct store_pg_row *rows, size_t n,
                  char *err, size_t errlen)
{
    char lock[96];
    if (n == 0)
        return 0;
    if (n > STORE_PG_SHIP_MAX)
        return -EINVAL;
    snprintf(lock, sizeof(lock), "BEGIN; SELECT pg_advisory_xact_lock(%lld)", LOCK_SHIP);
    int rc = exec_ok(c, lock, "beginning a transaction", err, errlen);
    if (rc < 0)
        goto out;
    const char **params = xcalloc(n * SHIP_COLS, sizeof(*params));
    char(*seqs)[24] = xcalloc(n, sizeof(*seqs));
    for (size_t i = 0; i < n; i++) {
        const struct store_pg_row *r = &rows[i];
        const char **p = params + i * SHIP_COLS;
        snprintf(seqs[i], sizeof(seqs[i]), "%lld", r->seq);
        p[0] = r->sensor;
        p[1] = seqs[i];
        p[2] = r->ts;
        p[3] = r->type;
        p[4] = r->session;
        p[5] = r->honeynet;
        p[6] = r->src_ip;
        p[7] = r->data;
    }
    char *sql = ship_sql(n);
    rc = run(c, sql, (int)(n * SHIP_COLS), params, NULL, "inserting events", err, errlen);
    free(sql);
    free(seqs);
    free(params);
    const char *who[1] = {sensor};
    if (rc == 0)
        rc = run(c, "UPDATE sensors SET last_seen = now() WHERE sensor = $1", 1, who, NULL,
                 "updating the sensor's last_seen", err, errlen);
    if (rc == 0)
        rc = exec_ok(c, "COMMIT", "committing", err, errlen);
out:
    return rc; /* after a failure the caller closes c, which rolls back */
}

/* Readers. */

struct pg_reader {
    PGconn *c;
};

static void pg_reader_close(void *rctx)
{
    struct pg_reader *r = rctx;
    if (!r)
        return;
    PQfinish(r->c);
    free(r);
}

/* Connects and checks the schema: -ENOENT when there is none yet (as a
 * missing SQLite file reads), -ENOTSUP when it is newer than ours. */
static int pg_reader_open(const struct store_options *o, void **rctx, char *err, size_t errlen)
{
    struct pg_reader *r = xcalloc(1, sizeof(*r));
    int v = 0;
    int rc = store_pg_connect(o->url, &r->c, err, errlen);
    if (rc == 0)
        rc = store_pg_version(r->c, &v, err, errlen);
    if (rc == 0 && v == 0) {
        snprintf(err, errlen, "postgresql: no karakuri schema in the database (yet)");
        rc = -ENOENT;
    } else if (rc == 0 && v > STORE_PG_SCHEMA_VERSION) {
        rc = newer(v, err, errlen);
    }
    if (rc < 0)
        pg_reader_close(r);
    else
        *rctx = r;
    return rc;
}

struct query_text {
    char sql[512];
    size_t len;
    const char *params[8];
    int n;
};

/* Appends " AND <column_op> $N" with value as parameter N. */
static void add_term(struct query_text *q, const char *column_op, const char *value)
{
    q->params[q->n++] = value;
    q->len +=
        (size_t)snprintf(q->sql + q->len, sizeof(q->sql) - q->len, " AND %s $%d", column_op, q->n);
}

static int pg_reader_query(void *rctx, const struct store_event_filter *f, store_event_cb cb,
                           void *ud, char *err, size_t errlen)
{
    struct pg_reader *r = rctx;
    struct query_text q = {.len = 0};
    char after[24], ts[UTIL_RFC3339_LEN];
    char *lo = NULL, *hi = NULL;

    q.len = (size_t)snprintf(q.sql, sizeof(q.sql), "SELECT id, data FROM events WHERE true");
    if (f->after_id > 0) {
        snprintf(after, sizeof(after), "%lld", f->after_id);
        add_term(&q, "id >", after);
    }
    if (f->since_us > 0) {
        util_rfc3339(f->since_us, ts);
        add_term(&q, "ts >=", ts);
    }
    if (f->type && *f->type && strchr(f->type, '.')) {
        add_term(&q, "type =", f->type);
    } else if (f->type && *f->type) {
        /* A group: "login." <= type < "login/", as in sqlite_read.c. */
        lo = xasprintf("%s.", f->type);
        hi = xasprintf("%s/", f->type);
        add_term(&q, "type >=", lo);
        add_term(&q, "type <", hi);
    }
    if (f->session)
        add_term(&q, "session =", f->session);
    if (f->honeynet)
        add_term(&q, "honeynet =", f->honeynet);
    if (f->src_ip)
        add_term(&q, "src_ip =", f->src_ip);
    snprintf(q.sql + q.len, sizeof(q.sql) - q.len, "%s ORDER BY id%s",
             f->in_session ? " AND session IS NOT NULL" : "", f->newest_first ? " DESC" : "");

    int rc = 0, crc = 0, rrc = 0;
    const char *what = "reading events";
    /* Row by row: a whole history is never held in memory. */
    if (!PQsendQueryParams(r->c, q.sql, q.n, NULL, q.params, NULL, NULL, 0) ||
        !PQsetSingleRowMode(r->c))
        rc = pg_fail(r->c, NULL, what, err, errlen);
    else
        rc = flush_out(r->c, what, err, errlen);
    /* To the end of the results even after a failure or a callback's stop, so
     * that the connection takes the next query (a follower's). */
    bool sent = rc == 0;
    for (PGresult *res; sent && (res = next_result(r->c, &rrc, what, err, errlen)) != NULL;
         PQclear(res)) {
        ExecStatusType s = PQresultStatus(res);
        if (s == PGRES_SINGLE_TUPLE && crc == 0 && rc == 0)
            crc = cb(strtoll(PQgetvalue(res, 0, 0), NULL, 10), PQgetvalue(res, 0, 1), ud);
        else if (s != PGRES_SINGLE_TUPLE && s != PGRES_TUPLES_OK && rc == 0)
            rc = pg_fail(r->c, res, what, err, errlen);
    }
    if (rc == 0)
        rc = rrc;
    free(lo);
    free(hi);
    if (rc == 0 && crc < 0)
        rc = crc;
    return rc;
}

/* karakuri check: the connection and the schema's version. */
static int pg_check(const struct store_options *o, char *err, size_t errlen)
{
    PGconn *c = NULL;
    int v = 0;
    int rc = store_pg_connect(o->url, &c, err, errlen);
    if (rc == 0)
        rc = store_pg_version(c, &v, err, errlen);
    if (rc == 0 && v > STORE_PG_SCHEMA_VERSION)
        rc = newer(v, err, errlen);
    if (rc == 0)
        snprintf(err, errlen, "%s@%s:%s/%s, schema version %d%s", PQuser(c), PQhost(c), PQport(c),
                 PQdb(c), v, v < STORE_PG_SCHEMA_VERSION ? " (run makes or migrates it)" : "");
    PQfinish(c);
    return rc;
}

int store_migrate(const struct store_options *o, int *from, int *to, char *err, size_t errlen)
{
    PGconn *c = NULL;
    if (!o->url || !*o->url) {
        snprintf(err, errlen, "no [store] url set: the SQLite store migrates itself on open");
        return -EINVAL;
    }
    int rc = store_pg_connect(o->url, &c, err, errlen);
    if (rc == 0)
        rc = store_pg_migrate(c, from, err, errlen);
    if (rc == 0)
        *to = STORE_PG_SCHEMA_VERSION;
    PQfinish(c);
    return rc;
}

const struct store_backend store_backend_pg = {
    .name = "postgresql",
    .schema_version = STORE_PG_SCHEMA_VERSION,
    /* No write side: the forwarder ships the local spool (forward.c). */
    .reader_open = pg_reader_open,
    .reader_query = pg_reader_query,
    .reader_close = pg_reader_close,
    .check = pg_check,
};
