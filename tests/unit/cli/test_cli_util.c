/* Unit tests for src/cli/cli_util.c: an event printed for a person carries
 * no terminal control, in its values, its key names, its time or type. */
#include "cli/cli.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* What cli_print_event writes to stdout for line. */
static void printed(const char *line, char *got, size_t cap)
{
    int p[2], saved = dup(STDOUT_FILENO);
    assert_int_equal(pipe(p), 0);
    fflush(stdout);
    assert_int_equal(dup2(p[1], STDOUT_FILENO), STDOUT_FILENO);
    cli_print_event(line);
    fflush(stdout);
    dup2(saved, STDOUT_FILENO);
    close(saved);
    close(p[1]);
    ssize_t n = read(p[0], got, cap - 1);
    close(p[0]);
    assert_true(n > 0);
    got[n] = '\0';
}

static void test_keys_escaped(void **state)
{
    char got[4096];
    (void)state;
    printed("{\"ts\": \"2026-12-02T10:00:00.000000Z\", \"type\": \"session.env\", "
            "\"na\\u001b]52;c;eA==\\u0007me\": \"v\\u001b[2J\", "
            "\"\\u009b31m\": 1}",
            got, sizeof(got));
    assert_non_null(strstr(got, " na\\x1b]52;c;eA==\\x07me=v\\x1b[2J"));
    assert_non_null(strstr(got, " \\xc2\\x9b31m=1"));
    for (size_t i = 0; got[i]; i++)
        assert_true((got[i] >= 0x20 && got[i] < 0x7f) || (got[i] == '\n' && !got[i + 1]));
    /* a forged time or type is escaped too */
    printed("{\"ts\": \"\\u001b]0;t\\u0007\", \"type\": \"x\\u001b[6n\"}", got, sizeof(got));
    assert_null(strchr(got, 0x1b));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keys_escaped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
