#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <sys/stat.h>
#include <time.h>

#include "common/util.h"
#include "event/event.h"
#include "store/backend.h"
#include "store/store.h"
#include "tmpdir.h"

/* A back end that fails or blocks on demand, through the back-end table. */
static struct fake {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int fail_next; /* fail this many appends */
    bool fail_always;
    bool block; /* appends wait while set */
    long long next_id;
    size_t appended; /* events */
    size_t failed_calls;
    unsigned store_failed_seen, store_recovered_seen;
    unsigned blocked_seen, logins_seen;
    long long budget_counted, lost;
    long long last_seq[4]; /* per producer, to check order */
    bool out_of_order;
} fk = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

static int fake_open(const struct store_options *o, void **ctx, char *err, size_t errlen)
{
    (void)o;
    (void)err;
    (void)errlen;
    *ctx = &fk;
    return 0;
}

static void fake_note(const struct event_record *r)
{
    if (r->type == EVENT_SENSOR_STORE_FAILED)
        fk.store_failed_seen++;
    if (r->type == EVENT_SENSOR_STORE_RECOVERED)
        fk.store_recovered_seen++;
    fk.blocked_seen += r->type == EVENT_CONTAIN_BLOCKED;
    fk.logins_seen += r->type == EVENT_LOGIN_SUCCESS;
    if (r->type == EVENT_CONTAIN_BUDGET || r->type == EVENT_SENSOR_EVENTS_LOST) {
        json_t *ev = json_loadb(r->line, r->len, 0, NULL);
        fk.budget_counted += json_integer_value(json_object_get(ev, "count"));
        fk.lost += json_integer_value(json_object_get(ev, "lost"));
        json_decref(ev);
    }
    if (r->type == EVENT_COMMAND_INPUT && r->session && r->honeynet) {
        int prod = (int)strtol(r->session, NULL, 10);
        long long seq = strtoll(r->honeynet, NULL, 10);
        if (seq <= fk.last_seq[prod & 3])
            fk.out_of_order = true;
        fk.last_seq[prod & 3] = seq;
    }
}

static int fake_append(void *ctx, struct event_record *const *recs, size_t n, long long *last_id,
                       char *err, size_t errlen)
{
    (void)ctx;
    pthread_mutex_lock(&fk.mu);
    while (fk.block)
        pthread_cond_wait(&fk.cv, &fk.mu);
    if (fk.fail_always || fk.fail_next > 0) {
        if (fk.fail_next > 0)
            fk.fail_next--;
        fk.failed_calls++;
        pthread_mutex_unlock(&fk.mu);
        snprintf(err, errlen, "fake: disk on fire");
        return -EIO;
    }
    for (size_t i = 0; i < n; i++)
        fake_note(recs[i]);
    fk.appended += n;
    fk.next_id += (long long)n;
    *last_id = fk.next_id;
    pthread_mutex_unlock(&fk.mu);
    return 0;
}

static void fake_close(void *ctx)
{
    (void)ctx;
}

static const struct store_backend fake_backend = {
    .name = "fake",
    .open = fake_open,
    .append_batch = fake_append,
    .close = fake_close,
};

static void fake_set(int fail_next, bool fail_always, bool block)
{
    pthread_mutex_lock(&fk.mu);
    fk.fail_next = fail_next;
    fk.fail_always = fail_always;
    fk.block = block;
    pthread_cond_broadcast(&fk.cv);
    pthread_mutex_unlock(&fk.mu);
}

static int setup(void **state)
{
    pthread_mutex_lock(&fk.mu);
    fk.fail_next = 0;
    fk.fail_always = fk.block = fk.out_of_order = false;
    fk.next_id = 0;
    fk.appended = fk.failed_calls = 0;
    fk.store_failed_seen = fk.store_recovered_seen = 0;
    fk.blocked_seen = fk.logins_seen = 0;
    fk.budget_counted = fk.lost = 0;
    memset(fk.last_seq, 0, sizeof(fk.last_seq));
    pthread_mutex_unlock(&fk.mu);
    *state = tmpdir_new();
    return 0;
}

static int teardown(void **state)
{
    tmpdir_free(*state);
    return 0;
}

static struct event_pipeline *start(const char *dir, struct store_options *o)
{
    struct event_pipeline *p = NULL;
    char err[256] = "";
    o->dir = dir;
    o->sensor = "unit";
    int rc = event_pipeline_start_backend(o, &fake_backend, &p, err, sizeof(err));
    if (rc < 0)
        fail_msg("start: %s", err);
    return p;
}

static int emit_cmd(struct event_pipeline *p, int producer, long long seq)
{
    json_t *ev = event_new(EVENT_COMMAND_INPUT);
    json_object_set_new(ev, "session", json_integer(producer));
    json_object_set_new(ev, "honeynet", json_integer(seq));
    json_object_set_new(ev, "input", json_string("uname -a"));
    return event_emit(p, ev);
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static struct event_pipeline_stats stats_of(struct event_pipeline *p)
{
    struct event_pipeline_stats st;
    event_pipeline_stats(p, &st);
    return st;
}

/* Polls until cond(stats) holds or 5 s pass. */
#define WAIT_STATS(p, st, cond)                                                                    \
    do {                                                                                           \
        for (int i_ = 0; i_ < 500; i_++) {                                                         \
            (st) = stats_of(p);                                                                    \
            if (cond)                                                                              \
                break;                                                                             \
            sleep_ms(10);                                                                          \
        }                                                                                          \
        assert_true(cond);                                                                         \
    } while (0)

struct producer {
    struct event_pipeline *p;
    int id;
    int n;
};

static void *produce(void *arg)
{
    struct producer *pr = arg;
    for (int i = 1; i <= pr->n; i++)
        if (emit_cmd(pr->p, pr->id, i) != 0)
            abort();
    return NULL;
}

static long long commit_hook_last;
static size_t commit_hook_calls;
static bool commit_hook_backwards;

static void on_commit(long long last_id, size_t n, void *ud)
{
    (void)ud;
    if (last_id < commit_hook_last + (long long)n)
        commit_hook_backwards = true;
    commit_hook_last = last_id;
    commit_hook_calls++;
}

static size_t count_lines(const char *path)
{
    FILE *f = fopen(path, "r");
    size_t n = 0;
    int c;
    if (!f)
        return 0;
    while ((c = fgetc(f)) != EOF)
        n += c == '\n';
    fclose(f);
    return n;
}

static void test_commits_all_from_two_producers(void **state)
{
    const char *dir = *state;
    struct store_options o = {
        .jsonl = true, .queue_events = 1024, .batch_events = 128, .on_commit = on_commit};
    commit_hook_last = 0;
    commit_hook_calls = 0;
    commit_hook_backwards = false;
    struct event_pipeline *p = start(dir, &o);
    struct producer pr[2] = {{p, 1, 20000}, {p, 2, 20000}};
    pthread_t th[2];
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&th[i], NULL, produce, &pr[i]), 0);
    for (int i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    assert_int_equal(event_pipeline_flush(p, 10000), 0);
    struct event_pipeline_stats st = stats_of(p);
    assert_int_equal(st.emitted, 40000);
    assert_int_equal(st.committed, 40000);
    assert_int_equal(st.jsonl_written, 40000);
    assert_int_equal(st.dropped, 0);
    assert_int_equal(st.failed_writes, 0);
    assert_int_equal(st.queued, 0);
    assert_int_equal(st.last_id, 40000);
    assert_false(st.failing);
    assert_string_equal(st.last_error, "");
    assert_int_equal(event_pipeline_stop(p), 0);
    assert_int_equal(fk.appended, 40000);
    assert_false(fk.out_of_order);
    assert_int_equal(fk.last_seq[1], 20000);
    assert_int_equal(fk.last_seq[2], 20000);
    assert_true(commit_hook_calls > 0);
    assert_false(commit_hook_backwards);
    assert_int_equal(commit_hook_last, 40000);
    assert_int_equal(count_lines(tmpdir_path(dir, STORE_JSONL_NAME)), 40000);
}

static void test_failing_backend_is_retried(void **state)
{
    struct store_options o = {0};
    struct event_pipeline *p = start(*state, &o);
    struct event_pipeline_stats st;

    fake_set(3, false, false);
    for (int i = 1; i <= 10; i++)
        assert_int_equal(emit_cmd(p, 1, i), 0);
    /* 10 events + sensor.store_failed + sensor.store_recovered. */
    WAIT_STATS(p, st, st.committed == 12 && st.queued == 0);
    assert_int_equal(st.failed_writes, 3);
    assert_int_equal(st.dropped, 0);
    assert_false(st.failing);
    assert_non_null(strstr(st.last_error, "fake: disk on fire"));
    assert_int_equal(fk.failed_calls, 3);
    assert_int_equal(fk.store_failed_seen, 1);
    assert_int_equal(fk.store_recovered_seen, 1);
    assert_int_equal(fk.last_seq[1], 10);
    assert_false(fk.out_of_order);
    assert_int_equal(event_pipeline_stop(p), 0);
}

static void test_queue_full_drops_after_bounded_wait(void **state)
{
    struct store_options o = {.queue_events = 8, .batch_events = 4, .emit_wait_ms = 40};
    struct event_pipeline *p = start(*state, &o);
    struct event_pipeline_stats st;

    fake_set(0, false, true); /* the writer blocks in its first append */
    int ok = 0, dropped = 0;
    long long slowest = 0, fastest = -1;
    for (int i = 1; i <= 12; i++) {
        long long t0 = util_mono_us();
        int rc = emit_cmd(p, 1, i);
        long long took = util_mono_us() - t0;
        if (rc == 0) {
            ok++;
            continue;
        }
        assert_int_equal(rc, -ENOBUFS);
        dropped++;
        slowest = took > slowest ? took : slowest;
        fastest = fastest < 0 || took < fastest ? took : fastest;
    }
    assert_int_equal(ok, 8);
    assert_int_equal(dropped, 4);
    assert_true(fastest >= 35000);  /* waited for room ... */
    assert_true(slowest < 1000000); /* ... a bounded time */
    st = stats_of(p);
    assert_int_equal(st.dropped, 4);
    assert_int_equal(st.emitted, 8);
    assert_int_equal(st.queued, 8);
    fake_set(0, false, false);
    assert_int_equal(event_pipeline_flush(p, 5000), 0);
    st = stats_of(p);
    assert_int_equal(st.committed, 8);
    assert_int_equal(event_pipeline_stop(p), 0);
}

static void test_failing_store_drops_without_waiting(void **state)
{
    struct store_options o = {
        .queue_events = 4, .batch_events = 2, .emit_wait_ms = 2000, .stop_timeout_ms = 200};
    struct event_pipeline *p = start(*state, &o);
    struct event_pipeline_stats st;

    fake_set(0, true, false);
    assert_int_equal(emit_cmd(p, 1, 1), 0);
    WAIT_STATS(p, st, st.failing);
    int dropped = 0;
    for (int i = 2; i <= 20; i++) {
        long long t0 = util_mono_us();
        if (emit_cmd(p, 1, i) == -ENOBUFS) {
            dropped++;
            assert_true(util_mono_us() - t0 < 500000); /* not the 2 s emit_wait_ms */
        }
    }
    assert_true(dropped > 0);
    st = stats_of(p);
    assert_true(st.failed_writes >= 1);
    assert_true(st.dropped >= (unsigned long long)dropped);
    assert_int_equal(st.queued, 4);
    assert_int_equal(st.committed, 0);
    /* Stop gives up after stop_timeout_ms and says so. */
    long long t0 = util_mono_us();
    assert_int_equal(event_pipeline_stop(p), -EIO);
    assert_true(util_mono_us() - t0 < 3000000);
}

static void test_jsonl_failure_does_not_stop_backend(void **state)
{
    const char *dir = *state;
    struct store_options o = {.jsonl = true};
    struct event_pipeline *p = start(dir, &o);
    struct event_pipeline_stats st;
    char path[512], aside[512];

    snprintf(path, sizeof(path), "%s/%s", dir, STORE_JSONL_NAME);
    snprintf(aside, sizeof(aside), "%s/old.json", dir);
    assert_int_equal(emit_cmd(p, 1, 1), 0);
    assert_int_equal(event_pipeline_flush(p, 5000), 0);
    /* karakuri.json becomes a directory: the sink cannot open it. */
    assert_int_equal(rename(path, aside), 0);
    assert_int_equal(mkdir(path, 0700), 0);
    for (int i = 2; i <= 101; i++)
        assert_int_equal(emit_cmd(p, 1, i), 0);
    WAIT_STATS(p, st, st.committed >= 102 && st.failing);
    assert_int_equal(st.jsonl_written, 1);
    assert_true(st.failed_writes >= 1);
    assert_non_null(strstr(st.last_error, "jsonl"));
    assert_int_equal(fk.last_seq[1], 101); /* the back end has them all */
    /* The file can be made again: the sink catches up. */
    assert_int_equal(rmdir(path), 0);
    WAIT_STATS(p, st, !st.failing && st.queued == 0);
    assert_int_equal(st.jsonl_written, st.committed);
    assert_int_equal(st.abandoned, 0);
    assert_int_equal(event_pipeline_stop(p), 0);
    assert_int_equal(count_lines(aside), 1);
    /* 100 events, sensor.store_failed, sensor.store_recovered (maybe not yet
     * written when stop began, but stop flushes). */
    assert_true(count_lines(path) >= 101);
}

static void test_lagging_sink_gives_up_not_the_other(void **state)
{
    const char *dir = *state;
    struct store_options o = {
        .jsonl = true, .queue_events = 16, .batch_events = 4, .stop_timeout_ms = 100};
    struct event_pipeline *p = start(dir, &o);
    struct event_pipeline_stats st;

    assert_int_equal(unlink(tmpdir_path(dir, STORE_JSONL_NAME)), 0);
    assert_int_equal(mkdir(tmpdir_path(dir, STORE_JSONL_NAME), 0700), 0);
    for (int i = 1; i <= 200; i++) {
        assert_int_equal(emit_cmd(p, 1, i), 0);
        sleep_ms(1);
    }
    WAIT_STATS(p, st, fk.last_seq[1] == 200);
    assert_int_equal(st.dropped, 0);
    assert_true(st.abandoned > 0);
    assert_int_equal(st.jsonl_written, 0);
    assert_false(fk.out_of_order);
    assert_int_equal(event_pipeline_stop(p), -EIO); /* jsonl still failing at stop */
}

static void test_emit_edge_cases(void **state)
{
    struct store_options o = {0};
    struct event_pipeline *p = start(*state, &o);

    assert_int_equal(event_emit(NULL, event_new(EVENT_SENSOR_START)), 0);
    assert_int_equal(event_emit(p, json_array()), -EINVAL);
    json_t *ev = event_new(EVENT_SENSOR_START);
    json_object_set_new(ev, "type", json_string("not.a_type"));
    assert_int_equal(event_emit(p, ev), -EINVAL);
    assert_int_equal(event_pipeline_flush(p, 1000), 0);
    struct event_pipeline_stats st = stats_of(p);
    assert_int_equal(st.emitted, 0);
    assert_int_equal(event_pipeline_stop(p), 0);
    assert_int_equal(event_pipeline_stop(NULL), 0);
}

static void test_start_errors(void **state)
{
    const char *dir = *state;
    struct event_pipeline *p = NULL;
    char err[256] = "";
    struct store_options o = {.dir = dir, .sensor = "bad\xff"};

    assert_int_equal(event_pipeline_start_backend(&o, &fake_backend, &p, err, sizeof(err)),
                     -EINVAL);
    assert_non_null(strstr(err, "sensor"));
    assert_null(p);
    o.sensor = "ok";
    o.queue_events = 1u << 30;
    assert_int_equal(event_pipeline_start_backend(&o, &fake_backend, &p, err, sizeof(err)),
                     -EINVAL);
    /* The state directory is a file: the real back end cannot start. */
    FILE *f = fopen(tmpdir_path(dir, "file"), "w");
    fclose(f);
    char path[512];
    snprintf(path, sizeof(path), "%s/file/var", dir);
    o.dir = path;
    o.queue_events = 0;
    err[0] = '\0';
    assert_true(event_pipeline_start(&o, &p, err, sizeof(err)) < 0);
    assert_non_null(strstr(err, path));
    assert_null(p);
}

static void test_default_sensor_and_real_sqlite(void **state)
{
    const char *dir = *state;
    struct event_pipeline *p = NULL;
    char err[256] = "";
    struct store_options o = {.dir = dir, .jsonl = true};

    assert_int_equal(event_pipeline_start(&o, &p, err, sizeof(err)), 0);
    for (int i = 1; i <= 500; i++)
        assert_int_equal(emit_cmd(p, 1, i), 0);
    assert_int_equal(event_pipeline_flush(p, 10000), 0);
    struct event_pipeline_stats st = stats_of(p);
    assert_int_equal(st.committed, 500);
    assert_int_equal(st.last_id, 500);
    assert_int_equal(event_pipeline_stop(p), 0);
    assert_int_equal(count_lines(tmpdir_path(dir, STORE_JSONL_NAME)), 500);
}

static int emit_blocked(struct event_pipeline *p, int src, int port)
{
    char ip[32];
    snprintf(ip, sizeof(ip), "10.1.%d.%d", src >> 8 & 255, src & 255);
    json_t *ev = event_new(EVENT_CONTAIN_BLOCKED);
    json_object_set_new(ev, "honeynet", json_string("hn1"));
    json_object_set_new(ev, "src_ip", json_string(ip));
    json_object_set_new(ev, "rule", json_string("outside"));
    json_object_set_new(ev, "proto", json_string("udp"));
    json_object_set_new(ev, "dst_port", json_integer(port));
    return event_emit(p, ev);
}

static int emit_login(struct event_pipeline *p)
{
    json_t *ev = event_new(EVENT_LOGIN_SUCCESS);
    json_object_set_new(ev, "src_ip", json_string("198.51.100.9"));
    return event_emit(p, ev);
}

/* A flood of budgeted events, each within its source's budget, fills the
 * queue only to three quarters: logins still get in. */
static void test_flood_leaves_room_for_logins(void **state)
{
    struct store_options o = {.queue_events = 8, .batch_events = 8, .emit_wait_ms = 1};
    struct event_pipeline *p = start(*state, &o);

    fake_set(0, false, true);
    int queued = 0;
    for (int i = 0; i < 20; i++)
        queued += emit_blocked(p, i, 1) == 0;
    assert_int_equal(queued, 6);
    assert_int_equal(emit_login(p), 0);
    assert_int_equal(emit_login(p), 0);
    assert_int_equal(emit_login(p), -ENOBUFS);
    fake_set(0, false, false);
    assert_int_equal(event_pipeline_flush(p, 5000), 0);
    assert_int_equal(event_pipeline_stop(p), 0);
    assert_int_equal(fk.logins_seen, 2);
}

/* One source's flood: a bounded number stored, the rest counted in
 * contain.budget events that add up exactly. */
static void test_flood_is_summarised(void **state)
{
    struct store_options o = {0};
    struct event_pipeline *p = start(*state, &o);
    for (int i = 0; i < 20000; i++)
        assert_int_equal(emit_blocked(p, 1, i), 0);
    for (int i = 0; i < 100; i++)
        assert_int_equal(emit_login(p), 0);
    struct event_pipeline_stats st = stats_of(p);
    assert_true(st.suppressed >= 20000 - 2 * EVENT_BUDGET_SRC_BURST);
    assert_int_equal(event_pipeline_stop(p), 0);
    assert_int_equal(fk.logins_seen, 100);
    assert_true(fk.blocked_seen <= 2 * EVENT_BUDGET_SRC_BURST);
    assert_int_equal(fk.blocked_seen + fk.budget_counted, 20000);
}

/* A run that ends without stopping (a kill) leaves its count of events
 * accepted and not written; the next start records it, once. */
static void test_crash_loss_counted(void **state)
{
    const char *dir = *state;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct store_options o = {.dir = dir, .sensor = "unit"};
        struct event_pipeline *p = NULL;
        char err[256];
        fake_set(0, false, true); /* nothing is ever written */
        if (event_pipeline_start_backend(&o, &fake_backend, &p, err, sizeof(err)) < 0)
            _exit(2);
        for (int i = 1; i <= 37; i++)
            if (emit_cmd(p, 1, i) != 0)
                _exit(3);
        _exit(0); /* as if killed: no stop */
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);

    struct store_options o = {0};
    struct event_pipeline *p = start(dir, &o);
    assert_int_equal(emit_cmd(p, 1, 1), 0);
    assert_int_equal(event_pipeline_stop(p), 0);
    assert_int_equal(fk.lost, 37);
    p = start(dir, &o); /* a clean stop loses nothing */
    assert_int_equal(event_pipeline_stop(p), 0);
    assert_int_equal(fk.lost, 37);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_commits_all_from_two_producers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failing_backend_is_retried, setup, teardown),
        cmocka_unit_test_setup_teardown(test_queue_full_drops_after_bounded_wait, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failing_store_drops_without_waiting, setup, teardown),
        cmocka_unit_test_setup_teardown(test_jsonl_failure_does_not_stop_backend, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lagging_sink_gives_up_not_the_other, setup, teardown),
        cmocka_unit_test_setup_teardown(test_emit_edge_cases, setup, teardown),
        cmocka_unit_test_setup_teardown(test_start_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_default_sensor_and_real_sqlite, setup, teardown),
        cmocka_unit_test_setup_teardown(test_flood_leaves_room_for_logins, setup, teardown),
        cmocka_unit_test_setup_teardown(test_flood_is_summarised, setup, teardown),
        cmocka_unit_test_setup_teardown(test_crash_loss_counted, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
