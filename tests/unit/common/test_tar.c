/* Unit tests for src/common/tar.c: header fields, padding, limits. */
#include "common/tar.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static void test_archive(void **state)
{
    struct buf b;
    (void)state;
    buf_init(&b, 1 << 20);
    assert_int_equal(tar_append(&b, "etc/ssh/key", "abc", 3, 0600), 0);
    assert_int_equal(b.len, 1024);
    assert_string_equal(b.data, "etc/ssh/key");
    assert_memory_equal(b.data + 100, "0000600", 7);
    assert_memory_equal(b.data + 124, "00000000003", 11);
    assert_memory_equal(b.data + 257, "ustar", 6);
    assert_memory_equal(b.data + 512, "abc", 3);
    unsigned sum = 0;
    for (size_t i = 0; i < 512; i++)
        sum += (i >= 148 && i < 156) ? ' ' : (unsigned char)b.data[i];
    assert_int_equal(strtoul(b.data + 148, NULL, 8), sum);
    assert_int_equal(tar_append(&b, "empty", "", 0, 0644), 0);
    assert_int_equal(b.len, 1536);
    assert_int_equal(tar_finish(&b), 0);
    assert_int_equal(b.len, 2560);
    char longname[120];
    memset(longname, 'a', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';
    assert_int_equal(tar_append(&b, longname, "", 0, 0644), -EINVAL);
    assert_int_equal(tar_append(&b, "", "", 0, 0644), -EINVAL);
    buf_free(&b);
    buf_init(&b, 600);
    assert_int_equal(tar_append(&b, "x", "abc", 3, 0644), -ENOBUFS);
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_archive)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
