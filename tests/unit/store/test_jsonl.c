#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "event/event.h"
#include "store/jsonl.h"
#include "store/store.h"
#include "tmpdir.h"

static struct event_record *rec(const char *input)
{
    json_t *ev = event_new(EVENT_COMMAND_INPUT);
    json_object_set_new(ev, "input", json_string(input));
    struct event_record *r = NULL;
    assert_int_equal(event_encode(ev, "t", 1, &r), 0);
    json_decref(ev);
    return r;
}

/* The file's content, NUL-terminated, newly allocated. */
static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    char *buf = calloc(1, 1 << 16);
    size_t n = fread(buf, 1, (1 << 16) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static void test_append_exact_lines(void **state)
{
    (void)state;
    char *dir = tmpdir_new();
    struct store_jsonl *j = NULL;
    char err[256];
    struct event_record *r[3] = {rec("a"), rec("b\nc"), rec("d")};

    assert_int_equal(store_jsonl_open(dir, &j, err, sizeof(err)), 0);
    assert_int_equal(store_jsonl_append(j, r, 2, err, sizeof(err)), 0);
    assert_int_equal(store_jsonl_append(j, r + 2, 1, err, sizeof(err)), 0);
    char *got = slurp(tmpdir_path(dir, STORE_JSONL_NAME));
    char want[4096];
    snprintf(want, sizeof(want), "%s%s%s", r[0]->line, r[1]->line, r[2]->line);
    assert_string_equal(got, want);
    free(got);
    store_jsonl_close(j);
    for (int i = 0; i < 3; i++)
        event_record_free(r[i]);
    tmpdir_free(dir);
}

static void test_cuts_off_broken_tail(void **state)
{
    (void)state;
    char *dir = tmpdir_new();
    struct store_jsonl *j = NULL;
    char err[256];
    struct event_record *r[2] = {rec("first"), rec("second")};
    const char *path = tmpdir_path(dir, STORE_JSONL_NAME);

    assert_int_equal(store_jsonl_open(dir, &j, err, sizeof(err)), 0);
    assert_int_equal(store_jsonl_append(j, r, 1, err, sizeof(err)), 0);
    /* What a write cut short by a full disk leaves: half a line. */
    int fd = open(path, O_WRONLY | O_APPEND);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "{\"ts\":\"20", 9), 9);
    close(fd);
    assert_int_equal(store_jsonl_append(j, r + 1, 1, err, sizeof(err)), 0);
    char *got = slurp(path);
    char want[1024];
    snprintf(want, sizeof(want), "%s%s", r[0]->line, r[1]->line);
    assert_string_equal(got, want);
    free(got);
    store_jsonl_close(j);
    event_record_free(r[0]);
    event_record_free(r[1]);
    tmpdir_free(dir);
}

static void test_partial_line_from_a_crash(void **state)
{
    (void)state;
    char *dir = tmpdir_new();
    struct store_jsonl *j = NULL;
    char err[256], path[512];
    struct event_record *r = rec("after");

    snprintf(path, sizeof(path), "%s/%s", dir, STORE_JSONL_NAME);
    FILE *f = fopen(path, "w");
    fputs("{\"complete\":1}\n{\"cut\":", f);
    fclose(f);
    assert_int_equal(store_jsonl_open(dir, &j, err, sizeof(err)), 0);
    assert_int_equal(store_jsonl_append(j, &r, 1, err, sizeof(err)), 0);
    char *got = slurp(path), want[1024];
    snprintf(want, sizeof(want), "{\"complete\":1}\n%s", r->line);
    assert_string_equal(got, want);
    free(got);
    store_jsonl_close(j);
    /* Nothing but a partial line: the file is emptied. */
    f = fopen(path, "w");
    for (int i = 0; i < 3000; i++) /* longer than one read back */
        fputs("xyz", f);
    fclose(f);
    assert_int_equal(store_jsonl_open(dir, &j, err, sizeof(err)), 0);
    assert_int_equal(store_jsonl_append(j, &r, 1, err, sizeof(err)), 0);
    got = slurp(path);
    assert_string_equal(got, r->line);
    free(got);
    store_jsonl_close(j);
    event_record_free(r);
    tmpdir_free(dir);
}

static void test_rotation_and_deletion(void **state)
{
    (void)state;
    char *dir = tmpdir_new();
    struct store_jsonl *j = NULL;
    char err[256], path[512], rotated[520];
    struct event_record *r = rec("x");

    snprintf(path, sizeof(path), "%s/%s", dir, STORE_JSONL_NAME);
    snprintf(rotated, sizeof(rotated), "%s.1", path);
    assert_int_equal(store_jsonl_open(dir, &j, err, sizeof(err)), 0);
    assert_int_equal(store_jsonl_append(j, &r, 1, err, sizeof(err)), 0);
    assert_int_equal(rename(path, rotated), 0); /* logrotate */
    assert_int_equal(store_jsonl_append(j, &r, 1, err, sizeof(err)), 0);
    char *a = slurp(rotated), *b = slurp(path);
    assert_string_equal(a, r->line);
    assert_string_equal(b, r->line);
    free(a);
    free(b);
    assert_int_equal(unlink(path), 0); /* deleted */
    assert_int_equal(store_jsonl_append(j, &r, 1, err, sizeof(err)), 0);
    b = slurp(path);
    assert_string_equal(b, r->line);
    free(b);
    /* Truncated by someone: go on from there. */
    assert_int_equal(truncate(path, 0), 0);
    assert_int_equal(store_jsonl_append(j, &r, 1, err, sizeof(err)), 0);
    b = slurp(path);
    assert_string_equal(b, r->line);
    free(b);
    store_jsonl_close(j);
    event_record_free(r);
    tmpdir_free(dir);
}

static void test_failures(void **state)
{
    (void)state;
    char *dir = tmpdir_new();
    struct store_jsonl *j = NULL;
    char err[256] = "", path[512];
    struct event_record *r = rec("x");

    snprintf(path, sizeof(path), "%s/%s", dir, STORE_JSONL_NAME);
    assert_int_equal(store_jsonl_open(tmpdir_path(dir, "missing"), &j, err, sizeof(err)), -ENOENT);
    assert_non_null(strstr(err, "No such file"));
    assert_int_equal(store_jsonl_open(dir, &j, err, sizeof(err)), 0);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(mkdir(path, 0700), 0);
    assert_int_equal(store_jsonl_append(j, &r, 1, err, sizeof(err)), -EISDIR);
    assert_int_equal(store_jsonl_append(j, &r, 1, err, sizeof(err)), -EISDIR); /* still */
    assert_int_equal(rmdir(path), 0);
    assert_int_equal(store_jsonl_append(j, &r, 1, err, sizeof(err)), 0); /* recovers */
    char *b = slurp(path);
    assert_string_equal(b, r->line);
    free(b);
    store_jsonl_close(j);
    event_record_free(r);
    tmpdir_free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_append_exact_lines),
        cmocka_unit_test(test_cuts_off_broken_tail),
        cmocka_unit_test(test_partial_line_from_a_crash),
        cmocka_unit_test(test_rotation_and_deletion),
        cmocka_unit_test(test_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
