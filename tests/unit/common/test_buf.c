#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"

static void test_append_and_cap(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 8);
    assert_int_equal(buf_append(&b, "abcd", 4), 0);
    assert_int_equal(buf_append(&b, "efgh", 4), 0);
    assert_string_equal(b.data, "abcdefgh");
    assert_int_equal(buf_append(&b, "i", 1), -ENOBUFS);
    assert_int_equal(b.len, 8);
    buf_free(&b);
}

static void test_appendf_long(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 4096);
    char big[600];
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    assert_int_equal(buf_appendf(&b, "<%s>%d", big, 42), 0);
    assert_int_equal(b.len, 599 + 4);
    assert_int_equal(buf_appendf(&b, "%4000s", "y"), -ENOBUFS);
    char *s = buf_steal(&b);
    assert_int_equal(strlen(s), 603);
    assert_null(b.data);
    free(s);
    buf_free(&b);
}

static void test_huge_length_no_overflow(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 16);
    assert_int_equal(buf_append(&b, "ab", 2), 0);
    assert_int_equal(buf_append(&b, "", SIZE_MAX), -ENOBUFS);
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_append_and_cap),
        cmocka_unit_test(test_appendf_long),
        cmocka_unit_test(test_huge_length_no_overflow),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
