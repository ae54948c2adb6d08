/* Unit tests for src/lan/plan.c: deterministic, a handful of distinct hosts
 * on the subnet away from the reserved addresses, real vendor MACs. */
#include "lan/plan.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#define NET 0x0a0d0700u /* 10.13.7.0 */
#define GW (NET | 14)

static void test_shape(void **state)
{
    struct lan_plan p;
    (void)state;
    lan_plan_make("src-192.0.2.2", NET, 6, GW, &p);
    assert_int_equal(p.count, 6);
    for (size_t i = 0; i < p.count; i++) {
        const struct lan_host *h = &p.hosts[i];
        uint32_t last = h->ip & 255;
        assert_int_equal(h->ip & 0xffffff00u, NET);
        assert_true(last >= 2 && last <= 253);
        assert_true(h->ip != GW);
        for (size_t j = 0; j < i; j++) {
            assert_true(p.hosts[j].ip != h->ip);
            assert_string_not_equal(p.hosts[j].hostname, h->hostname);
        }
        assert_int_equal(h->mac[0] & 0x03, 0); /* unicast, globally administered */
        assert_non_null(h->role);
        assert_int_equal(h->role->ports[0], 22);
        assert_ptr_equal(lan_plan_find(&p, h->ip), h);
    }
    assert_string_equal(p.hosts[0].role->name, "file server");
    assert_null(lan_plan_find(&p, NET | 1));
    char mac[18];
    lan_mac_format(p.hosts[0].mac, mac);
    assert_int_equal(strlen(mac), 17);
}

static void test_deterministic(void **state)
{
    struct lan_plan a, b, c;
    (void)state;
    lan_plan_make("src-192.0.2.2", NET, 8, GW, &a);
    lan_plan_make("src-192.0.2.2", NET, 8, GW, &b);
    assert_memory_equal(&a, &b, sizeof(a));
    lan_plan_make("src-192.0.2.3", NET, 8, GW, &c);
    assert_true(memcmp(a.hosts, c.hosts, sizeof(a.hosts)) != 0);
}

/* What a pool decoy listens on: every role port but SSH, once, ascending,
 * and each planned host's ports are among them. */
static void test_services(void **state)
{
    uint16_t s[64];
    struct lan_plan p;
    (void)state;
    size_t n = lan_role_services(s, 64);
    assert_true(n >= 5);
    for (size_t i = 0; i < n; i++) {
        assert_int_not_equal(s[i], 22);
        if (i)
            assert_true(s[i] > s[i - 1]);
    }
    lan_plan_make("src-198.51.100.7", 0x0a0d0700u, 32, 0x0a0d0702u, &p);
    for (size_t h = 0; h < p.count; h++)
        for (const uint16_t *port = p.hosts[h].role->ports; *port; port++) {
            bool found = *port == 22;
            for (size_t i = 0; i < n && !found; i++)
                found = s[i] == *port;
            assert_true(found);
        }
    assert_int_equal(lan_role_services(s, 2), 2);
}

static void test_limits(void **state)
{
    struct lan_plan p;
    (void)state;
    lan_plan_make("x", NET, 1000, GW, &p);
    assert_int_equal(p.count, LAN_PLAN_MAX);
    lan_plan_make("x", NET, 0, GW, &p);
    assert_int_equal(p.count, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shape),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_services),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
