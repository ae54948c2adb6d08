/* Unit tests for src/dns/answer.c: the made-up answers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "dns/answer.h"

#include <string.h>

/* The query for name (dotted, plain labels) of type and class. */
static void query(const char *name, uint16_t type, uint16_t qclass, struct dns_query *q)
{
    uint8_t m[DNS_MSG_MAX] = {0x12, 0x34, 1, 0, 0, 1};
    size_t at = DNS_HEADER_LEN;
    while (*name) {
        size_t l = strcspn(name, ".");
        m[at++] = (uint8_t)l;
        memcpy(m + at, name, l);
        at += l;
        name += l + (name[l] == '.');
    }
    m[at++] = 0;
    m[at++] = (uint8_t)(type >> 8);
    m[at++] = (uint8_t)type;
    m[at++] = (uint8_t)(qclass >> 8);
    m[at++] = (uint8_t)qclass;
    assert_int_equal(dns_query_parse(m, at, q), 0);
}

static void decide(const char *name, uint16_t type, struct dns_decision *d)
{
    struct dns_query q;
    query(name, type, DNS_CLASS_IN, &q);
    dns_decide(&q, d);
}

static void test_a(void **state)
{
    (void)state;
    struct dns_decision d, again, upper, other;
    decide("example.com", DNS_TYPE_A, &d);
    assert_int_equal(d.rcode, DNS_RCODE_NOERROR);
    assert_true(d.has_a);
    assert_int_equal(d.a >> 16, DNS_SYNTH_NET >> 16);
    assert_int_not_equal(d.a & 0xff, 0);
    assert_int_not_equal(d.a & 0xff, 255);
    decide("example.com", DNS_TYPE_A, &again);
    decide("EXAMPLE.Com", DNS_TYPE_A, &upper);
    decide("example.org", DNS_TYPE_A, &other);
    assert_int_equal(d.a, again.a);
    assert_int_equal(d.a, upper.a);
    assert_int_not_equal(d.a, other.a);
}

static void test_other_types(void **state)
{
    (void)state;
    struct dns_decision d;
    decide("example.com", DNS_TYPE_AAAA, &d);
    assert_int_equal(d.rcode, DNS_RCODE_NOERROR);
    assert_false(d.has_a);
    decide("example.com", 15, &d);
    assert_int_equal(d.rcode, DNS_RCODE_NOERROR);
    assert_false(d.has_a);
    decide("example.com", DNS_TYPE_AXFR, &d);
    assert_int_equal(d.rcode, DNS_RCODE_REFUSED);
    struct dns_query q;
    query("version.bind", 16, 3, &q); /* CHAOS */
    dns_decide(&q, &d);
    assert_int_equal(d.rcode, DNS_RCODE_REFUSED);
}

static void test_nxdomain(void **state)
{
    (void)state;
    static const char *const names[] = {
        "2.7.13.10.in-addr.arpa", "x.ip6.arpa", "router", "nas.local", "a.b.invalid", "db.internal",
        "printer.home.arpa"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        struct dns_decision d;
        decide(names[i], i == 0 ? DNS_TYPE_PTR : DNS_TYPE_A, &d);
        assert_int_equal(d.rcode, DNS_RCODE_NXDOMAIN);
        assert_false(d.has_a);
    }
}

static void test_localhost(void **state)
{
    (void)state;
    struct dns_decision d;
    decide("localhost", DNS_TYPE_A, &d);
    assert_true(d.has_a);
    assert_int_equal(d.a, 0x7f000001u);
    decide("x.localhost", DNS_TYPE_AAAA, &d);
    assert_int_equal(d.rcode, DNS_RCODE_NOERROR);
    assert_false(d.has_a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a),
        cmocka_unit_test(test_other_types),
        cmocka_unit_test(test_nxdomain),
        cmocka_unit_test(test_localhost),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
