/* sqlite: the SQLite back end, <dir>/karakuri.db.
 *
 * WAL mode with synchronous=NORMAL: a commit is a write() into the WAL, no
 * fsync, so committed transactions survive the process being killed (the
 * kernel has the bytes) but not a power cut, which is the trade the event
 * rate needs. Readers (the CLI) never block the writer and vice versa.
 *
 * The schema is versioned with PRAGMA user_version and grown by the steps in
 * `migrations`. Statements are prepared once per connection.
 *
 * The write connection heals itself: after any failure other than "disk
 * full" or "busy" it is closed and the next batch reconnects, and before each
 * batch the file at the path is checked to still be the one we opened (a
 * deleted database would otherwise swallow writes into an unlinked inode). */
#include "common/log.h"
#include "common/util.h"
#include "common/xalloc.h"
#include "store/backend.h"
#include "store/fsutil.h"
#include "store/sqlite_int.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define WAL_LIMIT_BYTES (64 * 1024 * 1024)

/* migrations[v] takes the schema from version v to v + 1. */
static const char *const migrations[STORE_SQLITE_SCHEMA_VERSION] = {
    /* 0 → 1 */
    ("CREATE TABLE IF NOT EXISTS events("
     " id INTEGER PRIMARY KEY, ts TEXT, type TEXT, sensor TEXT,"
     " session TEXT, honeynet TEXT, src_ip TEXT, data TEXT NOT NULL);"
     "CREATE INDEX IF NOT EXISTS events_type ON events(type);"
     "CREATE INDEX IF NOT EXISTS events_session ON events(session);"
     "CREATE INDEX IF NOT EXISTS events_ts ON events(ts);"),
};

enum { ST_BEGIN, ST_INSERT, ST_COMMIT, ST_ROLLBACK, ST_COUNT };
static const char *const stmt_sql[ST_COUNT] = {
    [ST_BEGIN] = "BEGIN IMMEDIATE",
    [ST_INSERT] = ("INSERT INTO events(ts, type, sensor, session, honeynet, src_ip, data)"
                   " VALUES(?, ?, ?, ?, ?, ?, ?)"),
    [ST_COMMIT] = "COMMIT",
    [ST_ROLLBACK] = "ROLLBACK",
};

struct sq {
    char *path;
    sqlite3 *db; /* NULL while disconnected */
    sqlite3_stmt *st[ST_COUNT];
    dev_t dev; /* of the file we opened */
    ino_t ino;
};

int store_sqlite_pragma_int(sqlite3 *db, const char *sql, int *out)
{
    sqlite3_stmt *st = NULL;
    int src = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (src == SQLITE_OK) {
        src = sqlite3_step(st);
        if (src == SQLITE_ROW) {
            *out = sqlite3_column_int(st, 0);
            src = SQLITE_OK;
        }
    }
    sqlite3_finalize(st);
    return src;
}

static int migrate(const char *path, sqlite3 *db, char *err, size_t errlen)
{
    int v = 0, src = store_sqlite_pragma_int(db, "PRAGMA user_version", &v);

    if (src != SQLITE_OK)
        return store_sqlite_fail(path, db, src, "reading the schema version", err, errlen);
    if (v > STORE_SQLITE_SCHEMA_VERSION) {
        snprintf(err, errlen, "%s: schema version %d is newer than this karakuri's (%d)", path, v,
                 STORE_SQLITE_SCHEMA_VERSION);
        return -ENOTSUP;
    }
    for (; v < STORE_SQLITE_SCHEMA_VERSION; v++) {
        char *sql = xasprintf("BEGIN IMMEDIATE; %s PRAGMA user_version = %d; COMMIT;",
                              migrations[v], v + 1);
        src = sqlite3_exec(db, sql, NULL, NULL, NULL);
        free(sql);
        if (src != SQLITE_OK) {
            int rc = store_sqlite_fail(path, db, src, "creating the schema", err, errlen);
            sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
            return rc;
        }
    }
    return 0;
}

/* A -wal left by a database that was deleted would be replayed into the new
 * database at the same path and corrupt it: move it aside (kept, as it holds
 * data) before creating one. */
static int clear_orphans(const char *path, char *err, size_t errlen)
{
    struct stat sb;
    if (stat(path, &sb) == 0 || errno != ENOENT)
        return 0;
    char *wal = xasprintf("%s-wal", path), *shm = xasprintf("%s-shm", path);
    char *aside = xasprintf("%s-wal.orphan-%lld", path, util_now_us());
    int rc = 0;
    if (stat(wal, &sb) == 0) {
        LOG_WARN("store: %s is gone but its WAL is not; moving that to %s", path, aside);
        if (rename(wal, aside) < 0)
            rc = store_err_errno(err, errlen, -errno, "moving aside the WAL of a deleted database");
    }
    if (rc == 0 && stat(shm, &sb) == 0 && unlink(shm) < 0)
        rc = store_err_errno(err, errlen, -errno, "removing the -shm of a deleted database");
    free(wal);
    free(shm);
    free(aside);
    return rc;
}

static void disconnect(struct sq *s)
{
    for (int i = 0; i < ST_COUNT; i++) {
        sqlite3_finalize(s->st[i]);
        s->st[i] = NULL;
    }
    if (s->db)
        sqlite3_close_v2(s->db); /* checkpoints and removes the WAL when it can */
    s->db = NULL;
}

/* WAL mode; a file system without shared memory for it keeps the old mode,
 * which works but blocks readers while writing: say so. */
static int set_wal(const char *path, sqlite3 *db)
{
    sqlite3_stmt *st = NULL;
    int src = sqlite3_prepare_v2(db, "PRAGMA journal_mode = WAL", -1, &st, NULL);
    if (src == SQLITE_OK && (src = sqlite3_step(st)) == SQLITE_ROW) {
        const char *mode = (const char *)sqlite3_column_text(st, 0);
        if (!mode || strcmp(mode, "wal") != 0)
            LOG_WARN("store: %s: WAL mode refused (journal mode %s); readers will wait for "
                     "writes",
                     path, mode ? mode : "?");
        src = SQLITE_OK;
    }
    sqlite3_finalize(st);
    return src;
}

static int connect_db(struct sq *s, char *err, size_t errlen)
{
    struct stat sb;
    int rc = clear_orphans(s->path, err, errlen);
    if (rc < 0)
        return rc;
    int src = sqlite3_open_v2(
        s->path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (src != SQLITE_OK) {
        rc = store_sqlite_fail(s->path, s->db, src, "opening", err, errlen);
        goto out;
    }
    sqlite3_extended_result_codes(s->db, 1);
    sqlite3_busy_timeout(s->db, STORE_SQLITE_BUSY_TIMEOUT_MS);
    char *pragmas =
        xasprintf("PRAGMA synchronous = NORMAL; PRAGMA journal_size_limit = %d;", WAL_LIMIT_BYTES);
    src = set_wal(s->path, s->db);
    if (src == SQLITE_OK)
        src = sqlite3_exec(s->db, pragmas, NULL, NULL, NULL);
    free(pragmas);
    if (src != SQLITE_OK) {
        rc = store_sqlite_fail(s->path, s->db, src, "setting WAL mode", err, errlen);
        goto out;
    }
    rc = migrate(s->path, s->db, err, errlen);
    for (int i = 0; i < ST_COUNT && rc == 0; i++) {
        src =
            sqlite3_prepare_v3(s->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &s->st[i], NULL);
        if (src != SQLITE_OK)
            rc = store_sqlite_fail(s->path, s->db, src, "preparing statements", err, errlen);
    }
    if (rc == 0 && stat(s->path, &sb) < 0)
        rc = store_err_errno(err, errlen, -errno, s->path);
    if (rc == 0) {
        s->dev = sb.st_dev;
        s->ino = sb.st_ino;
    }
out:
    if (rc < 0)
        disconnect(s);
    return rc;
}

static void sq_close(void *ctx)
{
    struct sq *s = ctx;
    if (!s)
        return;
    disconnect(s);
    free(s->path);
    free(s);
}

static int sq_open(const struct store_options *o, void **ctx, char *err, size_t errlen)
{
    struct sq *s = xcalloc(1, sizeof(*s));
    int rc = store_mkdir_p(o->dir, 0750);
    if (rc < 0) {
        store_err_errno(err, errlen, rc, o->dir);
        goto out;
    }
    s->path = xasprintf("%s/%s", o->dir, STORE_DB_NAME);
    rc = connect_db(s, err, errlen);
out:
    if (rc < 0)
        sq_close(s);
    else
        *ctx = s;
    return rc;
}

static bool still_ours(const struct sq *s)
{
    struct stat sb;
    return stat(s->path, &sb) == 0 && sb.st_dev == s->dev && sb.st_ino == s->ino;
}

static int step_reset(sqlite3_stmt *st)
{
    int src = sqlite3_step(st);
    sqlite3_reset(st);
    return src;
}

static int batch_fail(struct sq *s, int src, const char *what, char *err, size_t errlen)
{
    int rc =
        store_sqlite_fail(s->path, s->db, src, what, err, errlen); /* before ROLLBACK clears it */
    if (!sqlite3_get_autocommit(s->db))
        step_reset(s->st[ST_ROLLBACK]);
    int kind = src & 0xff;
    if (kind != SQLITE_FULL && kind != SQLITE_BUSY && kind != SQLITE_LOCKED)
        disconnect(s);
    return rc;
}

static void bind_opt(sqlite3_stmt *st, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

static int sq_append(void *ctx, struct event_record *const *recs, size_t n, long long *last_id,
                     char *err, size_t errlen)
{
    struct sq *s = ctx;

    if (s->db && !still_ours(s)) {
        LOG_WARN("store: %s was deleted or replaced; starting a new database there", s->path);
        disconnect(s);
    }
    if (!s->db) {
        int rc = connect_db(s, err, errlen);
        if (rc < 0)
            return rc;
    }
    int src = step_reset(s->st[ST_BEGIN]);
    if (src != SQLITE_DONE)
        return batch_fail(s, src, "beginning a transaction", err, errlen);
    sqlite3_stmt *ins = s->st[ST_INSERT];
    for (size_t i = 0; i < n; i++) {
        const struct event_record *r = recs[i];
        /* SQLITE_STATIC: the record outlives the step. */
        sqlite3_bind_text(ins, 1, r->ts, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 2, r->type_name, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 3, r->sensor, -1, SQLITE_STATIC);
        bind_opt(ins, 4, r->session);
        bind_opt(ins, 5, r->honeynet);
        bind_opt(ins, 6, r->src_ip);
        sqlite3_bind_text(ins, 7, r->line, (int)r->len, SQLITE_STATIC);
        src = step_reset(ins);
        if (src != SQLITE_DONE)
            return batch_fail(s, src, "inserting", err, errlen);
    }
    src = step_reset(s->st[ST_COMMIT]);
    if (src != SQLITE_DONE)
        return batch_fail(s, src, "committing", err, errlen);
    *last_id = sqlite3_last_insert_rowid(s->db);
    return 0;
}

const struct store_backend store_backend_sqlite = {
    .name = "sqlite",
    .schema_version = STORE_SQLITE_SCHEMA_VERSION,
    .open = sq_open,
    .append_batch = sq_append,
    .close = sq_close,
    .reader_open = store_sqlite_reader_open,
    .reader_query = store_sqlite_reader_query,
    .reader_close = store_sqlite_reader_close,
    .check = store_sqlite_check,
};
