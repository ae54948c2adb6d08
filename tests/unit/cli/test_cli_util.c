/* Unit tests for src/cli/cli_util.c: an event printed for a person carries
 * no terminal control, in its values, its key names, its time or type. */
#include "cli/cli.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* What print writes to stdout for line. */
static void printed_by(void (*print)(const char *), const char *line, char *got, size_t cap)
{
    int p[2], saved = dup(STDOUT_FILENO);
    assert_int_equal(pipe(p), 0);
    fflush(stdout);
    assert_int_equal(dup2(p[1], STDOUT_FILENO), STDOUT_FILENO);
    print(line);
    fflush(stdout);
    dup2(saved, STDOUT_FILENO);
    close(saved);
    close(p[1]);
    ssize_t n = read(p[0], got, cap - 1);
    close(p[0]);
    assert_true(n > 0);
    got[n] = '\0';
}

static void printed(const char *line, char *got, size_t cap)
{
    printed_by(cli_print_event, line, got, cap);
}

/* --json: the same JSON, with the C1 controls and DEL JSON leaves raw
 * written as \u escapes. */
static void test_json_inert(void **state)
{
    char got[4096];
    (void)state;
    const char line[] = "{\"input\":\"a\xc2\x9d"
                        "52;c;eA==\\u0007\xc2\x9b"
                        "2J\x7f\xc3\xa9\"}";
    printed_by(cli_print_json, line, got, sizeof(got));
    assert_string_equal(got, "{\"input\":\"a\\u009d52;c;eA==\\u0007\\u009b2J\\u007f\xc3\xa9\"}\n");
    json_t *a = json_loads(line, 0, NULL), *b = json_loads(got, 0, NULL);
    assert_non_null(a);
    assert_non_null(b);
    assert_true(json_equal(a, b));
    json_decref(a);
    json_decref(b);
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
        cmocka_unit_test(test_json_inert),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
