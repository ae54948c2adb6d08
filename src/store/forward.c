/* forward: ships the local spool to PostgreSQL (see forward.h).
 *
 * Why a forwarder and not PostgreSQL as the writer's back end: the writer's
 * sinks are local files that fail rarely and briefly; a database over the
 * network is away for minutes. Writing it from the spool means an outage
 * costs nothing but lateness, the queue never fills because of it, and the
 * progress is in PostgreSQL itself: on (re)connecting, the forwarder asks for
 * max(seq) of its sensor and sends what follows. A kill -9 mid-batch at worst
 * sends a batch again, which ON CONFLICT (sensor, seq) DO NOTHING makes
 * harmless.
 *
 * The thread sleeps on a condition variable, woken by the writer after each
 * local commit (kick), by its backoff timer while PostgreSQL is failing, and
 * once a second anyway. It reads the spool on a read-only connection of its
 * own (WAL: the writer never waits for it). */
#include "common/log.h"
#include "common/util.h"
#include "common/xalloc.h"
#include "store/forward.h"
#include "store/fsutil.h"
#include "store/pg_int.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#define POLL_US 1000000LL
#define BACKOFF_MIN_US 100000LL
#define BACKOFF_MAX_US 2000000LL
#define BACKOFF_STOPPING_MAX_US 250000LL
#define READ_SQL                                                                                   \
    "SELECT id, sensor, ts, type, session, honeynet, src_ip, data FROM events WHERE id > ?"        \
    " ORDER BY id LIMIT ?"

struct store_forward {
    char *dir, *db_path, *url, *sensor;
    char instance[33]; /* <dir>/sensor.id, read or made at the first connect */
    struct event_pipeline *p;
    pthread_t thread;

    /* The thread's own. */
    PGconn *pg;
    sqlite3 *sq;
    sqlite3_stmt *read;
    long long shipped; /* highest seq of ours in PostgreSQL, valid while pg is */
    long long backoff_us, failing_since_us;
    unsigned long long failed_writes;

    /* Shared, under mu. */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool kicked, draining;
    long long drain_deadline_us; /* monotonic */
    bool failing;
    unsigned long long forwarded;
};

static void pg_drop(struct store_forward *f)
{
    PQfinish(f->pg);
    f->pg = NULL;
}

static void sq_drop(struct store_forward *f)
{
    sqlite3_finalize(f->read);
    sqlite3_close_v2(f->sq);
    f->read = NULL;
    f->sq = NULL;
}

static bool is_instance_id(const char *s, size_t n)
{
    if (n != 32)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!strchr("0123456789abcdef", s[i]))
            return false;
    return true;
}

/* Reads <dir>/sensor.id, or makes it: a new file linked into place, so two
 * starts at once agree on one. */
static int instance_up(struct store_forward *f, char *err, size_t errlen)
{
    char *path = xasprintf("%s/%s", f->dir, STORE_SENSOR_ID_NAME);
    char *tmp = xasprintf("%s.XXXXXX", path);
    char buf[64];
    int rc = 0;

    for (int tries = 0; tries < 2 && !f->instance[0]; tries++) {
        int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd >= 0) {
            ssize_t n = read(fd, buf, sizeof(buf));
            close(fd);
            while (n > 0 && buf[n - 1] == '\n')
                n--;
            if (n < 0 || !is_instance_id(buf, (size_t)n)) {
                snprintf(err, errlen, "%s: not an instance id (remove it to make a new one)", path);
                rc = -EINVAL;
                break;
            }
            memcpy(f->instance, buf, 32);
            f->instance[32] = '\0';
            break;
        }
        unsigned char raw[16];
        if (errno != ENOENT || getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw)) {
            rc = store_err_errno(err, errlen, -errno, path);
            break;
        }
        for (size_t i = 0; i < sizeof(raw); i++)
            snprintf(buf + 2 * i, 3, "%02x", raw[i]);
        buf[32] = '\n';
        fd = mkstemp(tmp);
        if (fd < 0 || store_write_all(fd, buf, 33) < 0 || fsync(fd) < 0 ||
            (link(tmp, path) < 0 && errno != EEXIST)) {
            rc = store_err_errno(err, errlen, -errno, path);
        }
        if (fd >= 0) {
            close(fd);
            unlink(tmp);
        }
        if (rc < 0)
            break;
        /* Read back: ours, or the one a start beside us linked first. */
    }
    free(tmp);
    free(path);
    return rc;
}

static int pg_up(struct store_forward *f, char *err, size_t errlen)
{
    int rc = instance_up(f, err, errlen);
    if (rc < 0)
        return rc;
    rc = store_pg_connect(f->url, &f->pg, err, errlen);
    if (rc == 0)
        rc = store_pg_migrate(f->pg, NULL, err, errlen);
    if (rc == 0)
        rc = store_pg_claim(f->pg, f->sensor, f->instance, err, errlen);
    if (rc == 0)
        rc = store_pg_shipped(f->pg, f->sensor, &f->shipped, err, errlen);
    if (rc < 0)
        pg_drop(f);
    return rc;
}

/* 0 with f->sq open, 1 when there is no spool (yet), or an error. */
static int sq_up(struct store_forward *f, char *err, size_t errlen)
{
    int src = sqlite3_open_v2(f->db_path, &f->sq, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);
    if (src == SQLITE_OK) {
        sqlite3_busy_timeout(f->sq, 5000);
        src = sqlite3_prepare_v2(f->sq, READ_SQL, -1, &f->read, NULL);
    }
    if (src != SQLITE_OK) {
        snprintf(err, errlen, "%s: %s", f->db_path, f->sq ? sqlite3_errmsg(f->sq) : "cannot open");
        sq_drop(f);
        return src == SQLITE_CANTOPEN || (src & 0xff) == SQLITE_ERROR ? 1 : -EIO;
    }
    return 0;
}

static char *col(sqlite3_stmt *st, int i)
{
    const char *v = (const char *)sqlite3_column_text(st, i);
    return v ? xstrdup(v) : NULL;
}

/* Reads up to max rows after f->shipped into rows (their strings are the
 * caller's: rows_free). Returns how many, or a negative errno. */
static int read_rows(struct store_forward *f, struct store_pg_row *rows, int max, char *err,
                     size_t errlen)
{
    int n = 0, src;
    sqlite3_bind_int64(f->read, 1, f->shipped);
    sqlite3_bind_int(f->read, 2, max);
    while (n < max && (src = sqlite3_step(f->read)) == SQLITE_ROW) {
        struct store_pg_row *r = &rows[n++];
        r->seq = sqlite3_column_int64(f->read, 0);
        r->sensor = col(f->read, 1);
        r->ts = col(f->read, 2);
        r->type = col(f->read, 3);
        r->session = col(f->read, 4);
        r->honeynet = col(f->read, 5);
        r->src_ip = col(f->read, 6);
        r->data = col(f->read, 7);
    }
    if (n < max && src != SQLITE_DONE) {
        snprintf(err, errlen, "%s: reading the spool: %s", f->db_path, sqlite3_errmsg(f->sq));
        n = -EIO;
    }
    sqlite3_reset(f->read);
    return n;
}

static void rows_free(struct store_pg_row *rows, int n)
{
    for (int i = 0; i < n; i++) {
        free((char *)rows[i].sensor);
        free((char *)rows[i].ts);
        free((char *)rows[i].type);
        free((char *)rows[i].session);
        free((char *)rows[i].honeynet);
        free((char *)rows[i].src_ip);
        free((char *)rows[i].data);
    }
}

static void failed(struct store_forward *f, const char *err)
{
    f->failed_writes++;
    LOG_RATELIMITED(LOG_LEVEL_WARN, "store: forwarding to postgresql failed: %s (will retry)", err);
    pthread_mutex_lock(&f->mu);
    bool was = f->failing;
    f->failing = true;
    pthread_mutex_unlock(&f->mu);
    if (!was) {
        f->failing_since_us = util_mono_us();
        f->backoff_us = BACKOFF_MIN_US;
        json_t *ev = event_new(EVENT_SENSOR_STORE_FAILED);
        json_object_set_new(ev, "sink", json_string("postgresql"));
        json_object_set_new(ev, "error", event_str(err, strlen(err)));
        (void)event_emit(f->p, ev); /* a closed or full queue: only the log says it */
    } else if ((f->backoff_us *= 2) > BACKOFF_MAX_US) {
        f->backoff_us = BACKOFF_MAX_US;
    }
}

static void recovered(struct store_forward *f)
{
    long long outage_ms = (util_mono_us() - f->failing_since_us) / 1000;
    pthread_mutex_lock(&f->mu);
    f->failing = false;
    pthread_mutex_unlock(&f->mu);
    LOG_WARN("store: forwarding to postgresql again after %lld ms (%llu failed tries)", outage_ms,
             f->failed_writes);
    json_t *ev = event_new(EVENT_SENSOR_STORE_RECOVERED);
    json_object_set_new(ev, "sink", json_string("postgresql"));
    json_object_set_new(ev, "outage_ms", json_integer(outage_ms));
    json_object_set_new(ev, "failed_writes", json_integer((json_int_t)f->failed_writes));
    json_object_set_new(ev, "dropped", json_integer(0));
    (void)event_emit(f->p, ev);
    f->failed_writes = 0;
}

/* One batch: > 0 rows shipped, 0 nothing to ship, < 0 failed (err). */
static int step(struct store_forward *f, struct store_pg_row *rows, char *err, size_t errlen)
{
    int rc = 0;
    if (!f->pg && (rc = pg_up(f, err, errlen)) < 0)
        return rc;
    if (!f->sq && (rc = sq_up(f, err, errlen)) != 0)
        return rc > 0 ? 0 : rc;
    int n = read_rows(f, rows, STORE_PG_SHIP_MAX, err, errlen);
    if (n < 0) {
        sq_drop(f);
        return n;
    }
    rc = store_pg_ship(f->pg, f->sensor, rows, (size_t)n, err, errlen);
    if (rc == 0 && n > 0) {
        f->shipped = rows[n - 1].seq;
        pthread_mutex_lock(&f->mu);
        f->forwarded += (unsigned long long)n;
        pthread_mutex_unlock(&f->mu);
    } else if (rc < 0) {
        pg_drop(f); /* the next try reconnects and asks what is there */
    }
    rows_free(rows, n);
    return rc < 0 ? rc : n;
}

/* Under mu. A kick ends the wait unless backing off: a failing database is
 * tried at its backoff's pace, not at the event rate. */
static void wait_until(struct store_forward *f, long long mono_us, bool backoff)
{
    /* The condition variable runs on CLOCK_MONOTONIC (set in start). */
    struct timespec ts = {.tv_sec = (time_t)(mono_us / 1000000),
                          .tv_nsec = (long)(mono_us % 1000000) * 1000};
    while (!(f->kicked && !backoff) && !f->draining && util_mono_us() < mono_us)
        if (pthread_cond_timedwait(&f->cv, &f->mu, &ts) == ETIMEDOUT)
            break;
}

static void *forward_main(void *arg)
{
    struct store_forward *f = arg;
    struct store_pg_row *rows = xcalloc(STORE_PG_SHIP_MAX, sizeof(*rows));
    char err[256];

    for (;;) {
        pthread_mutex_lock(&f->mu);
        f->kicked = false;
        pthread_mutex_unlock(&f->mu);
        err[0] = '\0';
        int n = step(f, rows, err, sizeof(err));
        if (n < 0)
            failed(f, err[0] ? err : "unknown error");
        else if (f->failing)
            recovered(f);
        long long now = util_mono_us();
        pthread_mutex_lock(&f->mu);
        bool past = f->draining && now >= f->drain_deadline_us;
        pthread_mutex_unlock(&f->mu);
        if (n > 0 && !past)
            continue;
        pthread_mutex_lock(&f->mu);
        bool done = f->draining && (n == 0 || past);
        if (!done) {
            long long wake = n < 0 ? now + f->backoff_us : now + POLL_US;
            if (f->draining) {
                if (n < 0 && f->backoff_us > BACKOFF_STOPPING_MAX_US)
                    wake = now + BACKOFF_STOPPING_MAX_US;
                if (wake > f->drain_deadline_us)
                    wake = f->drain_deadline_us;
                struct timespec ts = {.tv_sec = (time_t)(wake / 1000000),
                                      .tv_nsec = (long)(wake % 1000000) * 1000};
                pthread_cond_timedwait(&f->cv, &f->mu, &ts);
            } else {
                wait_until(f, wake, n < 0);
            }
        }
        pthread_mutex_unlock(&f->mu);
        if (done)
            break;
    }
    free(rows);
    return NULL;
}

static void forward_free(struct store_forward *f)
{
    pg_drop(f);
    sq_drop(f);
    pthread_cond_destroy(&f->cv);
    pthread_mutex_destroy(&f->mu);
    free(f->dir);
    free(f->db_path);
    free(f->url);
    free(f->sensor);
    free(f);
}

int store_forward_start(const char *dir, const char *url, const char *sensor,
                        struct event_pipeline *p, struct store_forward **out, char *err,
                        size_t errlen)
{
    int rc = store_pg_url_check(url, err, errlen);
    if (rc < 0)
        return rc;
    struct store_forward *f = xcalloc(1, sizeof(*f));
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&f->cv, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&f->mu, NULL);
    f->dir = xstrdup(dir);
    f->db_path = xasprintf("%s/%s", dir, STORE_DB_NAME);
    f->url = xstrdup(url);
    f->sensor = xstrdup(sensor);
    f->p = p;
    f->backoff_us = BACKOFF_MIN_US;

    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    rc = -pthread_create(&f->thread, NULL, forward_main, f);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc < 0) {
        snprintf(err, errlen, "starting the forwarder thread failed");
        forward_free(f);
        return rc;
    }
    pthread_setname_np(f->thread, "kk-forward");
    *out = f;
    return 0;
}

void store_forward_kick(struct store_forward *f)
{
    pthread_mutex_lock(&f->mu);
    f->kicked = true;
    pthread_cond_signal(&f->cv);
    pthread_mutex_unlock(&f->mu);
}

void store_forward_stats(struct store_forward *f, unsigned long long *forwarded, bool *failing)
{
    pthread_mutex_lock(&f->mu);
    *forwarded = f->forwarded;
    *failing = f->failing;
    pthread_mutex_unlock(&f->mu);
}

void store_forward_stop(struct store_forward *f, unsigned timeout_ms)
{
    if (!f)
        return;
    pthread_mutex_lock(&f->mu);
    f->draining = true;
    f->drain_deadline_us = util_mono_us() + (long long)timeout_ms * 1000;
    pthread_cond_signal(&f->cv);
    pthread_mutex_unlock(&f->mu);
    pthread_join(f->thread, NULL);
    if (f->failing)
        LOG_WARN("store: postgresql still failing at stop; the rest goes from the spool at the "
                 "next start");
    forward_free(f);
}
