/* Unit tests for src/contain/hostnet.c against this host's own rtnetlink
 * (dumps need no privilege): the host's networks come back normalised and
 * each once; an address no honeynet bridge holds has no port; a bridge that
 * does not exist cannot be hardened. The ports themselves and the
 * hardening are exercised in tests/e2e/test_contain_egress.sh and
 * test_contain_net.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "contain/hostnet.h"

#include <errno.h>

static void test_networks(void **state)
{
    (void)state;
    struct contain_prefix p[64];
    size_t n = 99;
    assert_int_equal(contain_hostnet_networks(p, 64, &n), 0);
    assert_true(n <= 64);
    for (size_t i = 0; i < n; i++) {
        uint32_t mask = p[i].len ? ~0u << (32 - p[i].len) : 0;
        assert_true(p[i].len <= 32);
        assert_int_equal(p[i].net & mask, p[i].net);
        for (size_t j = 0; j < i; j++)
            assert_false(p[j].net == p[i].net && p[j].len == p[i].len);
    }
    /* A short array is filled, not overrun. */
    struct contain_prefix one[1];
    assert_int_equal(contain_hostnet_networks(one, 1, &n), 0);
    assert_true(n <= 1);
}

static void test_no_port(void **state)
{
    (void)state;
    char port[IF_NAMESIZE] = "unchanged";
    /* 10.254.253.0/24: no kk-10-254-253 bridge here. */
    assert_int_equal(contain_hostnet_port(0x0afefd05u, port), -ENOENT);
    assert_string_equal(port, "unchanged");
}

static void test_harden_missing(void **state)
{
    (void)state;
    assert_int_equal(contain_hostnet_harden("kk-no-such-br"), -ENODEV);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_networks),
        cmocka_unit_test(test_no_port),
        cmocka_unit_test(test_harden_missing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
