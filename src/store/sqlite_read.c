/* sqlite_read: the read side of the SQLite back end: queries for the CLI and
 * the check, on read-only connections that never block the writer.
 *
 * Queries come in many shapes (after_id or not, since or not, no type, one
 * type or a group, each of the column filters or not); a reader keeps one
 * prepared statement per shape, made when first used, so a follower polling
 * five times a second prepares each once. When after_id is
 * given (a follower's every poll after the first) the other conditions are
 * written as +column so that SQLite walks the rowid range from after_id
 * instead of an index over the whole history. */
#include "common/util.h"
#include "common/xalloc.h"
#include "store/backend.h"
#include "store/fsutil.h"
#include "store/sqlite_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { TYPE_NONE, TYPE_EXACT, TYPE_GROUP, TYPE_SHAPES };
/* The optional terms of a query, one bit each, in the order they are written
 * and bound. */
enum {
    T_AFTER = 1 << 0,
    T_SINCE = 1 << 1,
    T_SESSION = 1 << 2,
    T_HONEYNET = 1 << 3,
    T_SRC_IP = 1 << 4,
    T_IN_SESSION = 1 << 5,
    T_DESC = 1 << 6,
    T_ALL = 1 << 7,
};
#define SHAPES (T_ALL * TYPE_SHAPES)

struct sq_reader {
    char *path;
    sqlite3 *db;
    sqlite3_stmt *shape[SHAPES];
};

static int errno_of(sqlite3 *db, int src)
{
    int sys = db ? sqlite3_system_errno(db) : 0;
    switch (src & 0xff) {
    case SQLITE_FULL:
        return -ENOSPC;
    case SQLITE_READONLY:
        return -EROFS;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return -EBUSY;
    case SQLITE_PERM:
    case SQLITE_AUTH:
        return -EACCES;
    case SQLITE_NOMEM:
        return -ENOMEM;
    case SQLITE_CANTOPEN:
        return sys > 0 ? -sys : -ENOENT;
    case SQLITE_IOERR:
        return sys > 0 ? -sys : -EIO;
    default:
        return -EIO;
    }
}

int store_sqlite_fail(const char *path, sqlite3 *db, int src, const char *what, char *err,
                      size_t errlen)
{
    int sys = db ? sqlite3_system_errno(db) : 0;
    char eb[96] = "", sb[96] = "";

    if (sys > 0)
        snprintf(sb, sizeof(sb), " (%s)", util_strerror(sys, eb, sizeof(eb)));
    snprintf(err, errlen, "%s: %s: %s%s", path, what, db ? sqlite3_errmsg(db) : sqlite3_errstr(src),
             sb);
    return errno_of(db, src);
}

void store_sqlite_reader_close(void *rctx)
{
    struct sq_reader *r = rctx;
    if (!r)
        return;
    for (int i = 0; i < SHAPES; i++)
        sqlite3_finalize(r->shape[i]);
    sqlite3_close_v2(r->db);
    free(r->path);
    free(r);
}

int store_sqlite_reader_open(const struct store_options *o, void **rctx, char *err, size_t errlen)
{
    const char *dir = o->dir;
    struct sq_reader *r = xcalloc(1, sizeof(*r));
    struct stat sb;
    int v = 0, rc = 0;

    r->path = xasprintf("%s/%s", dir, STORE_DB_NAME);
    if (stat(r->path, &sb) < 0) {
        rc = store_err_errno(err, errlen, -errno, r->path);
        goto out;
    }
    int src = sqlite3_open_v2(r->path, &r->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);
    if (src == SQLITE_OK) {
        sqlite3_busy_timeout(r->db, STORE_SQLITE_BUSY_TIMEOUT_MS);
        src = store_sqlite_pragma_int(r->db, "PRAGMA user_version", &v);
    }
    if (src != SQLITE_OK) {
        rc = store_sqlite_fail(r->path, r->db, src, "opening", err, errlen);
    } else if (v == 0) {
        /* Made but not initialised yet: as good as missing to a follower. */
        snprintf(err, errlen, "%s: no karakuri schema in it (yet)", r->path);
        rc = -ENOENT;
    } else if (v > STORE_SQLITE_SCHEMA_VERSION) {
        snprintf(err, errlen, "%s: schema version %d is newer than this karakuri's (%d)", r->path,
                 v, STORE_SQLITE_SCHEMA_VERSION);
        rc = -ENOTSUP;
    }
out:
    if (rc < 0)
        store_sqlite_reader_close(r);
    else
        *rctx = r;
    return rc;
}

static char *shape_sql(unsigned terms, int type)
{
    /* With after_id the other terms are +column: see the file comment. */
    static const char *const since_sql[2] = {" AND ts >= ?", " AND +ts >= ?"};
    static const char *const type_sql[TYPE_SHAPES][2] = {
        [TYPE_NONE] = {"", ""},
        [TYPE_EXACT] = {" AND type = ?", " AND +type = ?"},
        [TYPE_GROUP] = {" AND type >= ? AND type < ?", " AND +type >= ? AND +type < ?"},
    };
    static const char *const col_sql[3][2] = {
        {" AND session = ?", " AND +session = ?"},
        {" AND honeynet = ?", " AND +honeynet = ?"},
        {" AND src_ip = ?", " AND +src_ip = ?"},
    };
    bool after = terms & T_AFTER;
    return xasprintf(
        "SELECT id, data FROM events WHERE 1%s%s%s%s%s%s%s ORDER BY id%s",
        after ? " AND id > ?" : "", terms & T_SINCE ? since_sql[after] : "", type_sql[type][after],
        terms & T_SESSION ? col_sql[0][after] : "", terms & T_HONEYNET ? col_sql[1][after] : "",
        terms & T_SRC_IP ? col_sql[2][after] : "",
        terms & T_IN_SESSION ? " AND session IS NOT NULL" : "", terms & T_DESC ? " DESC" : "");
}

static unsigned terms_of(const struct store_event_filter *f)
{
    return (f->after_id > 0 ? T_AFTER : 0) | (f->since_us > 0 ? T_SINCE : 0) |
           (f->session ? T_SESSION : 0) | (f->honeynet ? T_HONEYNET : 0) |
           (f->src_ip ? T_SRC_IP : 0) | (f->in_session ? T_IN_SESSION : 0) |
           (f->newest_first ? T_DESC : 0);
}

/* Binds f's values in the order shape_sql wrote the terms. */
static void bind_filter(sqlite3_stmt *st, const struct store_event_filter *f, int type)
{
    int i = 1;
    if (f->after_id > 0)
        sqlite3_bind_int64(st, i++, f->after_id);
    if (f->since_us > 0) {
        char ts[UTIL_RFC3339_LEN];
        util_rfc3339(f->since_us, ts);
        sqlite3_bind_text(st, i++, ts, -1, SQLITE_TRANSIENT);
    }
    if (type == TYPE_EXACT) {
        sqlite3_bind_text(st, i++, f->type, -1, SQLITE_STATIC);
    } else if (type == TYPE_GROUP) {
        /* "login" → "login." ≤ type < "login/" ('/' follows '.'), which an
         * index can serve, unlike LIKE. */
        char *lo = xasprintf("%s.", f->type), *hi = xasprintf("%s/", f->type);
        sqlite3_bind_text(st, i++, lo, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, i++, hi, -1, SQLITE_TRANSIENT);
        free(lo);
        free(hi);
    }
    const char *const cols[] = {f->session, f->honeynet, f->src_ip};
    for (size_t c = 0; c < sizeof(cols) / sizeof(cols[0]); c++)
        if (cols[c])
            sqlite3_bind_text(st, i++, cols[c], -1, SQLITE_STATIC);
}

int store_sqlite_reader_query(void *rctx, const struct store_event_filter *f, store_event_cb cb,
                              void *ud, char *err, size_t errlen)
{
    struct sq_reader *r = rctx;
    int type = !f->type || !*f->type ? TYPE_NONE : strchr(f->type, '.') ? TYPE_EXACT : TYPE_GROUP;
    unsigned terms = terms_of(f);
    unsigned idx = terms * TYPE_SHAPES + (unsigned)type;
    int rc = 0, src;

    if (!r->shape[idx]) {
        char *sql = shape_sql(terms, type);
        src = sqlite3_prepare_v3(r->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &r->shape[idx], NULL);
        free(sql);
        if (src != SQLITE_OK)
            return store_sqlite_fail(r->path, r->db, src, "preparing a query", err, errlen);
    }
    sqlite3_stmt *st = r->shape[idx];
    bind_filter(st, f, type);
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
        const char *line = (const char *)sqlite3_column_text(st, 1);
        int crc = cb(sqlite3_column_int64(st, 0), line ? line : "", ud);
        if (crc != 0) {
            rc = crc < 0 ? crc : 0;
            src = SQLITE_DONE;
            break;
        }
    }
    if (src != SQLITE_DONE)
        rc = store_sqlite_fail(r->path, r->db, src, "reading events", err, errlen);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc;
}

/* Makes and removes a file in dir: the only sure test that it is writable. */
static int probe_writable(const char *dir, char *err, size_t errlen)
{
    char *tmp = xasprintf("%s/.karakuri-check-XXXXXX", dir);
    int rc = 0;
    int fd = mkstemp(tmp);
    if (fd < 0) {
        rc = store_err_errno(err, errlen, -errno, dir);
    } else {
        int wrc = store_write_all(fd, "ok\n", 3);
        if (wrc == 0 && fsync(fd) < 0)
            wrc = -errno;
        if (wrc < 0)
            rc = store_err_errno(err, errlen, wrc, dir);
        close(fd);
        unlink(tmp);
    }
    free(tmp);
    return rc;
}

static int check_db(const struct store_options *o, char *err, size_t errlen)
{
    void *r = NULL;
    int rc = store_sqlite_reader_open(o, &r, err, errlen);
    if (rc == -ENOENT) {
        err[0] = '\0';
        return 0; /* not made yet (or not initialised): run makes it */
    }
    if (rc < 0)
        return rc;
    struct sq_reader *sr = r;
    sqlite3_stmt *st = NULL;
    int src = sqlite3_prepare_v2(sr->db, "PRAGMA quick_check", -1, &st, NULL);
    if (src == SQLITE_OK && (src = sqlite3_step(st)) == SQLITE_ROW) {
        const char *res = (const char *)sqlite3_column_text(st, 0);
        if (!res || strcmp(res, "ok") != 0) {
            snprintf(err, errlen, "%s: quick_check: %s", sr->path, res ? res : "no answer");
            rc = -EIO;
        }
        src = SQLITE_OK;
    }
    if (src != SQLITE_OK)
        rc = store_sqlite_fail(sr->path, sr->db, src, "quick_check", err, errlen);
    sqlite3_finalize(st);
    store_sqlite_reader_close(r);
    return rc;
}

int store_sqlite_check(const struct store_options *o, char *err, size_t errlen)
{
    const char *dir = o->dir;
    int rc = store_mkdir_p(dir, 0750);
    if (rc < 0)
        return store_err_errno(err, errlen, rc, dir);
    rc = probe_writable(dir, err, errlen);
    if (rc < 0)
        return rc;
    return check_db(o, err, errlen);
}
