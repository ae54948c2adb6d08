#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "event/event.h"
#include "store/store.h"
#include "tmpdir.h"

static int count_cb(long long id, const char *line, void *ud)
{
    long long *last = ud;
    assert_true(id > *last); /* id order */
    assert_non_null(strstr(line, "\"type\":"));
    *last = id;
    return 0;
}

static struct event_pipeline *start(const char *dir)
{
    struct store_options o = {.dir = dir, .sensor = "unit"};
    struct event_pipeline *p = NULL;
    char err[256];
    assert_int_equal(event_pipeline_start(&o, &p, err, sizeof(err)), 0);
    return p;
}

static void emit_n(struct event_pipeline *p, int n, enum event_type t)
{
    for (int i = 0; i < n; i++)
        assert_int_equal(event_emit(p, event_new(t)), 0);
    assert_int_equal(event_pipeline_flush(p, 10000), 0);
}

static void test_query_missing(void **state)
{
    (void)state;
    char *dir = tmpdir_new();
    long long last = 0;
    char err[256] = "";
    assert_int_equal(store_events_query(&(struct store_options){.dir = dir}, NULL, count_cb, &last,
                                        err, sizeof(err)),
                     -ENOENT);
    assert_non_null(strstr(err, "karakuri.db"));
    assert_int_equal(store_events_query(&(struct store_options){.dir = tmpdir_path(dir, "nope")},
                                        NULL, count_cb, &last, err, sizeof(err)),
                     -ENOENT);
    tmpdir_free(dir);
}

static void test_query_while_writing_and_follow(void **state)
{
    (void)state;
    char *dir = tmpdir_new();
    struct event_pipeline *p = start(dir);
    struct store_reader *r = NULL;
    long long last = 0;
    char err[256] = "";

    emit_n(p, 100, EVENT_LOGIN_FAILED);
    assert_int_equal(store_events_query(&(struct store_options){.dir = dir}, NULL, count_cb, &last,
                                        err, sizeof(err)),
                     0);
    assert_int_equal(last, 100);
    /* A follower: one reader, polling for id > last. */
    assert_int_equal(store_reader_open(&(struct store_options){.dir = dir}, &r, err, sizeof(err)),
                     0);
    struct store_event_filter f = {.after_id = last};
    assert_int_equal(store_reader_query(r, &f, count_cb, &last, err, sizeof(err)), 0);
    assert_int_equal(last, 100);
    emit_n(p, 50, EVENT_COMMAND_INPUT);
    assert_int_equal(store_reader_query(r, &f, count_cb, &last, err, sizeof(err)), 0);
    assert_int_equal(last, 150);
    f.after_id = last;
    f.type = "login";
    emit_n(p, 5, EVENT_LOGIN_SUCCESS);
    emit_n(p, 5, EVENT_LAN_ARP);
    assert_int_equal(store_reader_query(r, &f, count_cb, &last, err, sizeof(err)), 0);
    assert_int_equal(last, 155);
    assert_int_equal(store_reader_query(NULL, &f, count_cb, &last, err, sizeof(err)), -EINVAL);
    store_reader_close(r);
    store_reader_close(NULL);
    assert_int_equal(event_pipeline_stop(p), 0);
    tmpdir_free(dir);
}

static void test_open_check(void **state)
{
    (void)state;
    char *dir = tmpdir_new();
    char err[256] = "", sub[512];
    struct stat sb;

    /* Missing: made. */
    snprintf(sub, sizeof(sub), "%s/var", dir);
    assert_int_equal(store_open_check(&(struct store_options){.dir = sub}, err, sizeof(err)), 0);
    assert_int_equal(stat(sub, &sb), 0);
    /* With a database the daemon wrote. */
    struct event_pipeline *p = start(sub);
    emit_n(p, 10, EVENT_SENSOR_START);
    assert_int_equal(store_open_check(&(struct store_options){.dir = sub}, err, sizeof(err)),
                     0); /* while it runs */
    assert_int_equal(event_pipeline_stop(p), 0);
    assert_int_equal(store_open_check(&(struct store_options){.dir = sub}, err, sizeof(err)), 0);
    /* Not a database. */
    FILE *f = fopen(tmpdir_path(dir, "var/" STORE_DB_NAME), "w");
    for (int i = 0; i < 200; i++)
        fputs("garbage garbage garbage ", f);
    fclose(f);
    unlink(tmpdir_path(dir, "var/" STORE_DB_NAME "-wal"));
    unlink(tmpdir_path(dir, "var/" STORE_DB_NAME "-shm"));
    assert_true(store_open_check(&(struct store_options){.dir = sub}, err, sizeof(err)) < 0);
    assert_non_null(strstr(err, "not a database"));
    /* A file where the directory should be. */
    snprintf(sub, sizeof(sub), "%s/var/" STORE_DB_NAME "/x", dir);
    assert_true(store_open_check(&(struct store_options){.dir = sub}, err, sizeof(err)) < 0);
    assert_int_equal(store_open_check(&(struct store_options){.dir = ""}, err, sizeof(err)),
                     -EINVAL);
    tmpdir_free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_query_missing),
        cmocka_unit_test(test_query_while_writing_and_follow),
        cmocka_unit_test(test_open_check),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
