#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/store.h"
#include "tmpdir.h"

static int setup(void **state)
{
    *state = tmpdir_new();
    return 0;
}

static int teardown(void **state)
{
    tmpdir_free(*state);
    return 0;
}

static int collect(long long id, const char *line, void *ud)
{
    (void)id;
    json_t *all = ud;
    json_array_append_new(all, json_loads(line, 0, NULL));
    return 0;
}

static void test_open_done(void **state)
{
    const char *dir = *state;
    int fd = -1;
    assert_int_equal(store_tty_spool_open(dir, "../x", 1, &fd), -EINVAL);
    assert_int_equal(store_tty_spool_open(dir, "a/b", 1, &fd), -EINVAL);
    assert_int_equal(fd, -1);
    assert_int_equal(store_tty_spool_open(dir, "s1", 3, &fd), 0);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "x\n", 2), 2);
    close(fd);
    struct stat st;
    assert_int_equal(stat(tmpdir_path(dir, STORE_TTY_SPOOL_DIR "/s1-3.cast"), &st), 0);
    store_tty_spool_done(dir, "s1", 3);
    assert_int_equal(stat(tmpdir_path(dir, STORE_TTY_SPOOL_DIR "/s1-3.cast"), &st), -1);
}

/* What a killed run left is stored and recorded at the next start, once. */
static void test_recover(void **state)
{
    const char *dir = *state;
    const char *cast = "{\"version\":2}\n[0.1,\"o\",\"hi\"]\n";
    int fd = -1;
    assert_int_equal(store_tty_spool_open(dir, "abc-def", 0, &fd), 0);
    assert_int_equal(write(fd, cast, strlen(cast)), (ssize_t)strlen(cast));
    close(fd);
    assert_int_equal(store_tty_spool_open(dir, "empty", 1, &fd), 0);
    close(fd);
    FILE *f = fopen(tmpdir_path(dir, STORE_TTY_SPOOL_DIR "/not-a-cast.txt"), "w");
    fclose(f);

    struct event_pipeline *p = NULL;
    char err[256];
    struct store_options o = {.dir = dir, .sensor = "unit"};
    assert_int_equal(event_pipeline_start(&o, &p, err, sizeof(err)), 0);
    assert_int_equal(store_tty_recover(dir, p), 1);
    assert_int_equal(store_tty_recover(dir, p), 0);
    assert_int_equal(event_pipeline_stop(p), 0);

    json_t *all = json_array();
    struct store_event_filter flt = {.type = "tty.log"};
    assert_int_equal(store_events_query(&(struct store_options){.dir = dir}, &flt, collect, all,
                                        err, sizeof(err)),
                     0);
    assert_int_equal(json_array_size(all), 1);
    json_t *ev = json_array_get(all, 0);
    assert_string_equal(json_string_value(json_object_get(ev, "session")), "abc-def");
    assert_int_equal(json_integer_value(json_object_get(ev, "channel")), 0);
    assert_int_equal(json_integer_value(json_object_get(ev, "size")), strlen(cast));
    assert_true(json_is_true(json_object_get(ev, "recovered")));
    const char *sha = json_string_value(json_object_get(ev, "artifact"));
    char path[256];
    snprintf(path, sizeof(path), "%s/%s", STORE_ARTIFACTS_DIR, sha);
    struct stat st;
    assert_int_equal(stat(tmpdir_path(dir, path), &st), 0);
    assert_int_equal(stat(tmpdir_path(dir, STORE_TTY_SPOOL_DIR "/abc-def-0.cast"), &st), -1);
    assert_int_equal(stat(tmpdir_path(dir, STORE_TTY_SPOOL_DIR "/empty-1.cast"), &st), -1);
    json_decref(all);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_open_done, setup, teardown),
        cmocka_unit_test_setup_teardown(test_recover, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
