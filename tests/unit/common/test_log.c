#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <string.h>
#include <unistd.h>

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

/* What useradd says about an attacker's user name reaches the log with its
 * escape sequences defused (OSC 52 writes the clipboard, CSI 2J clears). */
static void test_msg_escapes(void **state)
{
    (void)state;
    int p[2], saved = dup(STDERR_FILENO);
    assert_int_equal(pipe(p), 0);
    assert_int_equal(dup2(p[1], STDERR_FILENO), STDERR_FILENO);
    const char why[] = "useradd: invalid user name 'x\x1b]52;c;ZWNobyBwd25lZA==\x07\x1b[2J"
                       "\xc2\x9b"
                       "31m\n\rok'";
    log_msg(LOG_LEVEL_ERROR, "ssh: login refused: user not created: %s", why);
    dup2(saved, STDERR_FILENO);
    close(saved);
    close(p[1]);
    char got[4096];
    ssize_t n = read(p[0], got, sizeof(got) - 1);
    close(p[0]);
    assert_true(n > 0);
    got[n] = '\0';
    assert_non_null(strstr(got, "invalid user name 'x\\x1b]52;c;ZWNobyBwd25lZA==\\x07\\x1b[2J"
                                "\\xc2\\x9b31m\\x0a\\x0dok'\n"));
    for (ssize_t i = 0; i < n - 1; i++)
        assert_true(got[i] >= 0x20 && got[i] < 0x7f);
    assert_int_equal(got[n - 1], '\n');
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
        cmocka_unit_test(test_msg_escapes),
        cmocka_unit_test(test_level_parse),
        cmocka_unit_test(test_ratelimit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
