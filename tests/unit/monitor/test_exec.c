/* Unit tests for monitor_exec_event: the proc.exec event from a kernel
 * record (argv split, cwd put in order, cut and lying lengths). */
#include "monitor/exec.h"
#include "monitor/exec_record.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

static struct exec_record rec;

static void fill(const char *argv, size_t argv_len, const char *cwd, size_t cwd_len)
{
    memset(&rec, 0, sizeof(rec));
    rec.pidns = 4026532000u;
    rec.pid = 42;
    rec.ppid = 7;
    rec.host_pid = 31337;
    rec.uid = 1000;
    memcpy(rec.argv, argv, argv_len);
    rec.argv_len = (__u32)argv_len;
    memcpy(rec.cwd, cwd, cwd_len);
    rec.cwd_len = (__u32)cwd_len;
}

static const char *arg(json_t *ev, size_t i)
{
    return json_string_value(json_array_get(json_object_get(ev, "argv"), i));
}

static void test_plain(void **state)
{
    (void)state;
    fill("wget\0-q\0http://x/a b\0", 21, "tmp\0var\0", 8);
    json_t *ev = monitor_exec_event(&rec, sizeof(rec));
    assert_non_null(ev);
    assert_string_equal(json_string_value(json_object_get(ev, "type")), "proc.exec");
    assert_int_equal(json_array_size(json_object_get(ev, "argv")), 3);
    assert_string_equal(arg(ev, 0), "wget");
    assert_string_equal(arg(ev, 2), "http://x/a b");
    assert_string_equal(json_string_value(json_object_get(ev, "cwd")), "/var/tmp");
    assert_int_equal(json_integer_value(json_object_get(ev, "pid")), 42);
    assert_int_equal(json_integer_value(json_object_get(ev, "ppid")), 7);
    assert_int_equal(json_integer_value(json_object_get(ev, "host_pid")), 31337);
    assert_int_equal(json_integer_value(json_object_get(ev, "uid")), 1000);
    assert_int_equal(json_integer_value(json_object_get(ev, "pidns")), 4026532000u);
    assert_null(json_object_get(ev, "argv_truncated"));
    json_decref(ev);
}

static void test_edges(void **state)
{
    (void)state;
    /* root cwd, an empty argument, a last one cut without its NUL, flags */
    fill("sh\0\0-c\0echo hi", 14, "", 0);
    rec.flags = EXEC_ARGV_TRUNCATED | EXEC_CWD_TRUNCATED;
    json_t *ev = monitor_exec_event(&rec, sizeof(rec));
    assert_int_equal(json_array_size(json_object_get(ev, "argv")), 4);
    assert_string_equal(arg(ev, 1), "");
    assert_string_equal(arg(ev, 3), "echo hi");
    assert_string_equal(json_string_value(json_object_get(ev, "cwd")), "/");
    assert_true(json_is_true(json_object_get(ev, "argv_truncated")));
    assert_true(json_is_true(json_object_get(ev, "cwd_truncated")));
    json_decref(ev);
    /* lengths past the buffers are clamped; invalid UTF-8 stays readable */
    fill("\xff\xfe", 2, "x", 1);
    rec.argv_len = 0xffffffffu;
    rec.cwd_len = 0xffffffffu;
    memset(rec.argv + 2, 'A', sizeof(rec.argv) - 2);
    ev = monitor_exec_event(&rec, sizeof(rec));
    assert_non_null(ev);
    assert_int_equal(json_array_size(json_object_get(ev, "argv")), 1);
    assert_true(strncmp(arg(ev, 0), "\xef\xbf\xbd", 3) == 0);
    json_decref(ev);
    /* not a record */
    assert_null(monitor_exec_event(&rec, sizeof(rec) - 1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain),
        cmocka_unit_test(test_edges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
