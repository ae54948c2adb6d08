#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "common/util.h"

static void test_rfc3339_roundtrip(void **state)
{
    (void)state;
    char s[UTIL_RFC3339_LEN];
    long long us = 1795999323123456LL;
    util_rfc3339(us, s);
    assert_int_equal(strlen(s), UTIL_RFC3339_LEN - 1);
    assert_int_equal(s[UTIL_RFC3339_LEN - 2], 'Z');
    long long back = 0;
    assert_int_equal(util_rfc3339_parse(s, &back), 0);
    assert_true(back == us);
}

static void test_rfc3339_parse_forms(void **state)
{
    (void)state;
    long long us;
    assert_int_equal(util_rfc3339_parse("1970-01-01", &us), 0);
    assert_true(us == 0);
    assert_int_equal(util_rfc3339_parse("1970-01-01T01:00:00+01:00", &us), 0);
    assert_true(us == 0);
    assert_int_equal(util_rfc3339_parse("1970-01-01T00:00:01.5Z", &us), 0);
    assert_true(us == 1500000);
    assert_int_equal(util_rfc3339_parse("1970-13-01", &us), -EINVAL);
    assert_int_equal(util_rfc3339_parse("1970-01-01T00:00:00", &us), -EINVAL);
    assert_int_equal(util_rfc3339_parse("yesterday", &us), -EINVAL);
    assert_int_equal(util_rfc3339_parse("", &us), -EINVAL);
}

static void test_parse_ll(void **state)
{
    (void)state;
    long long v;
    assert_int_equal(util_parse_ll("42", 0, 100, &v), 0);
    assert_true(v == 42);
    assert_int_equal(util_parse_ll("101", 0, 100, &v), -ERANGE);
    assert_int_equal(util_parse_ll("4x", 0, 100, &v), -EINVAL);
    assert_int_equal(util_parse_ll("", 0, 100, &v), -EINVAL);
    assert_int_equal(util_parse_ll("99999999999999999999999", 0, 100, &v), -ERANGE);
}

static void test_hex(void **state)
{
    (void)state;
    const uint8_t in[] = {0x00, 0xab, 0xff};
    char out[7];
    util_hex(in, sizeof(in), out);
    assert_string_equal(out, "00abff");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc3339_roundtrip),
        cmocka_unit_test(test_rfc3339_parse_forms),
        cmocka_unit_test(test_parse_ll),
        cmocka_unit_test(test_hex),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
