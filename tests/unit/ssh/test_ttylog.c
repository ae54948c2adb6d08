#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "ssh/ttylog.h"

#define MB (1LL << 20)
#define GB (1LL << 30)

static void test_budgets(void **state)
{
    (void)state;
    struct kssh_tty_usage u = {.fs_free = 50 * GB, .fs_size = 100 * GB};
    assert_null(kssh_tty_over(&u, 100));
    u.channel = KSSH_TTY_CHANNEL_MAX_BYTES - 10;
    assert_string_equal(kssh_tty_over(&u, 11), "channel");
    assert_null(kssh_tty_over(&u, 10));
    /* Ten channels of a session: each under its own cap, all over the
     * session's. */
    u = (struct kssh_tty_usage){.channel = 10 * MB, .session = KSSH_TTY_SESSION_MAX_BYTES};
    assert_string_equal(kssh_tty_over(&u, 1), "session");
    u = (struct kssh_tty_usage){.channel = MB, .session = MB, .source = KSSH_TTY_SOURCE_MAX_BYTES};
    assert_string_equal(kssh_tty_over(&u, 1), "source");
}

static void test_disk(void **state)
{
    (void)state;
    /* 2 % of a large disk, at least 256 MiB of a small one. */
    struct kssh_tty_usage u = {.fs_free = 2 * GB + 100, .fs_size = 100 * GB};
    assert_null(kssh_tty_over(&u, 10));
    u.fs_free = 2 * GB - 100 * MB;
    assert_string_equal(kssh_tty_over(&u, 10), "disk");
    u = (struct kssh_tty_usage){.fs_free = 300 * MB, .fs_size = GB};
    assert_null(kssh_tty_over(&u, MB));
    u.fs_free = 200 * MB;
    assert_string_equal(kssh_tty_over(&u, MB), "disk");
    u.fs_size = 0; /* not looked at this time */
    assert_null(kssh_tty_over(&u, MB));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_budgets),
        cmocka_unit_test(test_disk),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
