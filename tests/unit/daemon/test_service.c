#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "daemon/service.h"

/* Each service writes its letter at start (upper case) and stop (lower). */
struct trace {
    char log[64];
    int fail_at; /* index of the service whose start fails; -1: none */
};

static struct trace *cur;

static int start_i(int i)
{
    size_t n = strlen(cur->log);
    if (i == cur->fail_at)
        return -EIO;
    cur->log[n] = (char)('A' + i);
    return 0;
}

static void stop_i(int i)
{
    size_t n = strlen(cur->log);
    cur->log[n] = (char)('a' + i);
}

#define SVC(i)                                                                                     \
    static int start##i(void *ctx)                                                                 \
    {                                                                                              \
        cur = ctx;                                                                                 \
        return start_i(i);                                                                         \
    }                                                                                              \
    __attribute__((unused)) static void stop##i(void *ctx)                                         \
    {                                                                                              \
        cur = ctx;                                                                                 \
        stop_i(i);                                                                                 \
    }
SVC(0)
SVC(1)
SVC(2)
SVC(3)

static const struct service table[] = {
    {"a", start0, stop0, true},
    {"b", start1, NULL, false}, /* nothing to stop */
    {"c", start2, stop2, false},
    {"d", start3, stop3, true},
};

static void run_with(int fail_at, int want_rc, const char *want)
{
    struct trace t = {.fail_at = fail_at};
    struct service_run run = {0};
    int rc = service_start_all(&run, table, 4, &t);
    assert_int_equal(rc, want_rc);
    if (rc == 0)
        service_stop_all(&run, &t);
    service_stop_all(&run, &t); /* a second stop does nothing */
    assert_string_equal(t.log, want);
}

static void test_order_and_reverse(void **state)
{
    (void)state;
    run_with(-1, 0, "ABCDdca");
}

static void test_optional_failure_goes_on(void **state)
{
    (void)state;
    run_with(2, 0, "ABDda"); /* c not started, so not stopped */
}

static void test_required_failure_unwinds(void **state)
{
    (void)state;
    run_with(3, -EIO, "ABCca");
    run_with(0, -EIO, "");
}

static void test_too_many(void **state)
{
    (void)state;
    struct service_run run = {0};
    assert_int_equal(service_start_all(&run, table, SERVICE_MAX + 1, NULL), -EINVAL);
    service_stop_all(&run, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_order_and_reverse),
        cmocka_unit_test(test_optional_failure_goes_on),
        cmocka_unit_test(test_required_failure_unwinds),
        cmocka_unit_test(test_too_many),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
