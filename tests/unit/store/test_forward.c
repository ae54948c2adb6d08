/* forward.c without a server: a pipeline whose PostgreSQL is not there
 * writes its local store as ever, says the forwarder is failing, records
 * sensor.store_failed for the sink "postgresql", and stops within its stop
 * timeout; a url that does not parse is refused at start. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <string.h>
#include <time.h>

#include "common/util.h"
#include "event/event.h"
#include "store/store.h"
#include "tmpdir.h"

#define NOBODY "postgresql://karakuri@127.0.0.1:1/karakuri?connect_timeout=2"

static void test_bad_url_refused(void **state)
{
    char *dir = tmpdir_new();
    struct store_options o = {.dir = dir, .sensor = "unit", .url = "postgresql://x@h/d?bogus=1"};
    struct event_pipeline *p = NULL;
    char err[256];
    (void)state;
    assert_int_equal(event_pipeline_start(&o, &p, err, sizeof(err)), -EINVAL);
    assert_null(p);
    assert_non_null(strstr(err, "does not parse"));
    tmpdir_free(dir);
}

struct found {
    int failed_pg;
    int logins;
};

static int count_cb(long long id, const char *line, void *ud)
{
    struct found *f = ud;
    (void)id;
    if (strstr(line, "\"sensor.store_failed\"") && strstr(line, "\"sink\":\"postgresql\""))
        f->failed_pg++;
    if (strstr(line, "\"login.failed\""))
        f->logins++;
    return 0;
}

static void test_away_costs_nothing_locally(void **state)
{
    char *dir = tmpdir_new();
    struct store_options o = {.dir = dir, .sensor = "unit", .url = NOBODY, .stop_timeout_ms = 600};
    struct event_pipeline *p = NULL;
    struct event_pipeline_stats st;
    char err[256];
    (void)state;
    assert_int_equal(event_pipeline_start(&o, &p, err, sizeof(err)), 0);
    for (int i = 0; i < 100; i++)
        assert_int_equal(event_emit(p, event_new(EVENT_LOGIN_FAILED)), 0);
    assert_int_equal(event_pipeline_flush(p, 10000), 0);
    for (int i = 0; i < 100; i++) {
        event_pipeline_stats(p, &st);
        if (st.forward_failing)
            break;
        struct timespec ts = {0, 20000000L};
        nanosleep(&ts, NULL);
    }
    assert_true(st.forward_failing);
    assert_int_equal(st.forwarded, 0);
    assert_int_equal(event_pipeline_flush(p, 10000), 0);
    long long t0 = util_mono_us();
    assert_int_equal(event_pipeline_stop(p), 0); /* the spool has it all: no loss */
    assert_true(util_mono_us() - t0 < 3000000);

    struct store_options local = {.dir = dir};
    struct found f = {0};
    assert_int_equal(store_events_query(&local, NULL, count_cb, &f, err, sizeof(err)), 0);
    assert_int_equal(f.logins, 100);
    assert_int_equal(f.failed_pg, 1); /* once per outage, not per try */
    tmpdir_free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bad_url_refused),
        cmocka_unit_test(test_away_costs_nothing_locally),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
