#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "common/log.h"

static void test_escape(void **state)
{
    (void)state;
    char out[64];
    assert_string_equal(log_escape("a\x1b[2Jb\n", 7, out, sizeof(out)), "a\\x1b[2Jb\\x0a");
    assert_string_equal(log_escape("back\\slash", 10, out, sizeof(out)), "back\\x5cslash");
    char small[10];
    log_escape("0123456789abcdef", 16, small, sizeof(small));
    assert_string_equal(small, "012345...");
}

static void test_level_parse(void **state)
{
    (void)state;
    enum log_level l;
    assert_int_equal(log_level_parse("debug", &l), 0);
    assert_int_equal(l, LOG_LEVEL_DEBUG);
    assert_int_equal(log_level_parse("loud", &l), -EINVAL);
}

static void test_ratelimit(void **state)
{
    (void)state;
    struct log_ratelimit rl = {0};
    int ok = 0;
    for (int i = 0; i < 100; i++)
        ok += log_ratelimit_ok(&rl, 10);
    assert_int_equal(ok, 10);
    assert_int_equal(rl.suppressed, 90);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escape),
        cmocka_unit_test(test_level_parse),
        cmocka_unit_test(test_ratelimit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
