#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "event/event.h"
#include "store/backend.h"
#include "store/store.h"
#include "tmpdir.h"

static const struct store_backend *be = &store_backend_sqlite;

struct fixture {
    char *dir;
    void *wctx; /* the writer's connection */
    void *rctx; /* a reader's */
};

/* One event at ts, with the columns the read filters look at (NULL: none). */
static void add_in(struct fixture *fx, enum event_type t, const char *ts, const char *session,
                   const char *hn, const char *src)
{
    json_t *ev = event_new(t);
    json_object_set_new(ev, "ts", json_string(ts));
    if (session)
        json_object_set_new(ev, "session", json_string(session));
    if (hn)
        json_object_set_new(ev, "honeynet", json_string(hn));
    if (src)
        json_object_set_new(ev, "src_ip", json_string(src));
    struct event_record *r = NULL;
    char err[256];
    long long id;
    assert_int_equal(event_encode(ev, "unit", 0, &r), 0);
    json_decref(ev);
    assert_int_equal(be->append_batch(fx->wctx, &r, 1, &id, err, sizeof(err)), 0);
    event_record_free(r);
}

static void add(struct fixture *fx, enum event_type t, const char *ts)
{
    add_in(fx, t, ts, NULL, NULL, NULL);
}

static int setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof(*fx));
    struct store_options o = {0};
    char err[256];
    fx->dir = tmpdir_new();
    o.dir = fx->dir;
    assert_int_equal(be->open(&o, &fx->wctx, err, sizeof(err)), 0);
    add(fx, EVENT_LOGIN_FAILED, "2026-01-01T00:00:00Z");
    add(fx, EVENT_LOGIN_SUCCESS, "2026-01-02T00:00:00Z");
    add(fx, EVENT_COMMAND_INPUT, "2026-01-03T00:00:00Z");
    add(fx, EVENT_LOGIN_FAILED, "2026-01-04T00:00:00Z");
    add(fx, EVENT_SESSION_CONNECT, "2026-01-05T00:00:00Z");
    add(fx, EVENT_LAN_ARP, "2026-01-06T00:00:00Z");
    assert_int_equal(
        be->reader_open(&(struct store_options){.dir = fx->dir}, &fx->rctx, err, sizeof(err)), 0);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *fx = *state;
    be->reader_close(fx->rctx);
    be->close(fx->wctx);
    tmpdir_free(fx->dir);
    free(fx);
    return 0;
}

struct got {
    char ids[128];
    int stop_after; /* return 1 after this many; 0: never */
    int fail_with;  /* return this at the first row, if set */
    int n;
};

static int collect(long long id, const char *line, void *ud)
{
    struct got *g = ud;
    size_t len = strlen(g->ids);
    json_error_t jerr;
    json_t *ev = json_loads(line, 0, &jerr);
    assert_true(json_is_object(ev));
    json_decref(ev);
    snprintf(g->ids + len, sizeof(g->ids) - len, "%s%lld", len ? "," : "", id);
    g->n++;
    if (g->fail_with)
        return g->fail_with;
    return g->stop_after && g->n >= g->stop_after ? 1 : 0;
}

static long long day(int d)
{
    char s[32];
    long long us = 0;
    snprintf(s, sizeof(s), "2026-01-%02dT00:00:00Z", d);
    assert_int_equal(util_rfc3339_parse(s, &us), 0);
    return us;
}

static const char *run(struct fixture *fx, long long since_us, const char *type, long long after)
{
    static struct got g;
    char err[256] = "";
    struct store_event_filter f = {.since_us = since_us, .type = type, .after_id = after};
    memset(&g, 0, sizeof(g));
    if (be->reader_query(fx->rctx, &f, collect, &g, err, sizeof(err)) < 0)
        fail_msg("query: %s", err);
    return g.ids;
}

static void test_filters(void **state)
{
    struct fixture *fx = *state;
    assert_string_equal(run(fx, 0, NULL, 0), "1,2,3,4,5,6");
    assert_string_equal(run(fx, 0, "", 0), "1,2,3,4,5,6");
    assert_string_equal(run(fx, 0, "login", 0), "1,2,4");
    assert_string_equal(run(fx, 0, "login.failed", 0), "1,4");
    assert_string_equal(run(fx, 0, "log", 0), ""); /* a group is a whole word */
    assert_string_equal(run(fx, 0, "login.nope", 0), "");
    assert_string_equal(run(fx, day(3), NULL, 0), "3,4,5,6");
    assert_string_equal(run(fx, day(3) + 1, NULL, 0), "4,5,6");
    assert_string_equal(run(fx, 0, NULL, 4), "5,6");
    assert_string_equal(run(fx, 0, "login", 1), "2,4");
    assert_string_equal(run(fx, day(2), "login.failed", 0), "4");
    assert_string_equal(run(fx, day(2), "login", 1), "2,4");
    assert_string_equal(run(fx, day(5), "login", 1), "");
    assert_string_equal(run(fx, day(1), "lan.arp", 5), "6");
    assert_string_equal(run(fx, 0, NULL, 6), "");
}

#define FEB "2026-02-01T00:00:00Z"

static const char *run_f(struct fixture *fx, const struct store_event_filter *f)
{
    static struct got g;
    char err[256] = "";
    memset(&g, 0, sizeof(g));
    if (be->reader_query(fx->rctx, f, collect, &g, err, sizeof(err)) < 0)
        fail_msg("query: %s", err);
    return g.ids;
}

/* The column filters the read models use: by session, honeynet and source,
 * alone, together and with the others. */
static void test_column_filters(void **state)
{
    struct fixture *fx = *state;
    add_in(fx, EVENT_LOGIN_SUCCESS, FEB, "s1", "hn1", "198.51.100.1"); /* 7 */
    add_in(fx, EVENT_LAN_ARP, FEB, NULL, "hn1", NULL);                 /* 8 */
    add_in(fx, EVENT_LOGIN_FAILED, FEB, "s2", "hn2", "198.51.100.2");  /* 9 */
    add_in(fx, EVENT_COMMAND_INPUT, FEB, "s1", "hn1", "198.51.100.1"); /* 10 */
    assert_string_equal(run_f(fx, &(struct store_event_filter){.session = "s1"}), "7,10");
    assert_string_equal(run_f(fx, &(struct store_event_filter){.session = "s9"}), "");
    assert_string_equal(run_f(fx, &(struct store_event_filter){.honeynet = "hn1"}), "7,8,10");
    assert_string_equal(run_f(fx, &(struct store_event_filter){.src_ip = "198.51.100.2"}), "9");
    assert_string_equal(run_f(fx, &(struct store_event_filter){.in_session = true}), "7,9,10");
    assert_string_equal(run_f(fx, &(struct store_event_filter){.honeynet = "hn1", .type = "lan"}),
                        "8");
    assert_string_equal(
        run_f(fx, &(struct store_event_filter){.session = "s1", .type = "command.input"}), "10");
    assert_string_equal(
        run_f(fx, &(struct store_event_filter){.session = "s1", .honeynet = "hn1", .after_id = 7}),
        "10");
    assert_string_equal(run_f(fx, &(struct store_event_filter){.in_session = true,
                                                               .src_ip = "198.51.100.1",
                                                               .since_us = day(31)}),
                        "7,10");
    /* The old shapes are untouched by the new ones. */
    assert_string_equal(run(fx, 0, "login", 0), "1,2,4,7,9");
}

static void test_statements_reused_and_follow(void **state)
{
    struct fixture *fx = *state;
    /* The same shape twice, then new rows seen through the same reader. */
    assert_string_equal(run(fx, 0, NULL, 2), "3,4,5,6");
    assert_string_equal(run(fx, 0, NULL, 5), "6");
    add(fx, EVENT_LAN_ICMP, "2026-01-07T00:00:00Z");
    add(fx, EVENT_LOGIN_FAILED, "2026-01-08T00:00:00Z");
    assert_string_equal(run(fx, 0, NULL, 6), "7,8");
    assert_string_equal(run(fx, 0, "login", 6), "8");
}

static void test_callback_stops(void **state)
{
    struct fixture *fx = *state;
    struct store_event_filter f = {0};
    struct got g = {.stop_after = 2};
    char err[256];
    assert_int_equal(be->reader_query(fx->rctx, &f, collect, &g, err, sizeof(err)), 0);
    assert_string_equal(g.ids, "1,2");
    struct got h = {.fail_with = -42};
    assert_int_equal(be->reader_query(fx->rctx, &f, collect, &h, err, sizeof(err)), -42);
    assert_string_equal(h.ids, "1");
    /* The statement was reset: a new query starts over. */
    assert_string_equal(run(fx, 0, NULL, 0), "1,2,3,4,5,6");
}

static void test_missing_or_empty(void **state)
{
    (void)state;
    char *dir = tmpdir_new();
    void *r = NULL;
    char err[256] = "";
    assert_int_equal(be->reader_open(&(struct store_options){.dir = dir}, &r, err, sizeof(err)),
                     -ENOENT);
    assert_non_null(strstr(err, STORE_DB_NAME));
    /* A database file without our schema yet, as while the daemon starts. */
    sqlite3 *db;
    assert_int_equal(sqlite3_open(tmpdir_path(dir, STORE_DB_NAME), &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "CREATE TABLE x(y)", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(be->reader_open(&(struct store_options){.dir = dir}, &r, err, sizeof(err)),
                     -ENOENT);
    assert_null(r);
    tmpdir_free(dir);
}

static void test_check(void **state)
{
    struct fixture *fx = *state;
    char err[256] = "";
    assert_int_equal(be->check(&(struct store_options){.dir = fx->dir}, err, sizeof(err)), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_filters, setup, teardown),
        cmocka_unit_test_setup_teardown(test_column_filters, setup, teardown),
        cmocka_unit_test_setup_teardown(test_statements_reused_and_follow, setup, teardown),
        cmocka_unit_test_setup_teardown(test_callback_stops, setup, teardown),
        cmocka_unit_test(test_missing_or_empty),
        cmocka_unit_test_setup_teardown(test_check, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
