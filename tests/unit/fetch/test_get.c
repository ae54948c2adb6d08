/* Unit tests for src/fetch/get.c's address check: where the fetcher may
 * connect (fetch = yes). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "fetch/get.h"

#include <arpa/inet.h>

static uint32_t ip(const char *s)
{
    struct in_addr a;
    assert_int_equal(inet_pton(AF_INET, s, &a), 1);
    return ntohl(a.s_addr);
}

static bool ok(const char *s, const struct fetch_local *l)
{
    return fetch_addr_allowed(ip(s), ip("10.13.0.0"), 0xffff0000u, l);
}

static void test_ranges(void **state)
{
    (void)state;
    static const char *const refused[] = {
        "0.0.0.0",       "0.1.2.3",     "10.0.0.1",        "100.64.0.1",   "100.127.255.255",
        "127.0.0.1",     "127.9.9.9",   "169.254.169.254", "172.16.0.1",   "172.31.255.254",
        "192.0.0.8",     "192.168.1.1", "198.18.0.1",      "198.19.255.1", "224.0.0.1",
        "239.255.255.1", "240.0.0.1",   "255.255.255.255",
    };
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
        assert_false(ok(refused[i], NULL));
    static const char *const allowed[] = {"1.1.1.1",     "8.8.8.8",        "100.63.255.255",
                                          "172.32.0.1",  "203.0.113.250",  "198.51.100.7",
                                          "192.0.1.255", "223.255.255.254"};
    for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
        assert_true(ok(allowed[i], NULL));
}

static void test_pool_and_local(void **state)
{
    (void)state;
    /* the honeynet pool, even where it is not private */
    assert_false(fetch_addr_allowed(ip("44.1.2.3"), ip("44.1.0.0"), 0xffff0000u, NULL));
    assert_true(fetch_addr_allowed(ip("44.2.2.3"), ip("44.1.0.0"), 0xffff0000u, NULL));
    /* the host's own addresses and the networks it is on */
    struct fetch_local l = {.n = 2};
    l.net[0] = ip("192.0.2.2");
    l.mask[0] = 0xffffff00u;
    l.net[1] = ip("203.0.113.1");
    l.mask[1] = 0xfffffffcu;
    assert_false(ok("192.0.2.1", &l));
    assert_false(ok("192.0.2.200", &l));
    assert_false(ok("203.0.113.2", &l));
    assert_true(ok("203.0.113.250", &l));
    assert_true(ok("192.0.3.1", &l));
}

static void test_local_read(void **state)
{
    (void)state;
    struct fetch_local l;
    fetch_get_local(&l);
    assert_true(l.n >= 1); /* loopback at least */
    assert_false(ok("127.0.0.1", &l));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ranges),
        cmocka_unit_test(test_pool_and_local),
        cmocka_unit_test(test_local_read),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
