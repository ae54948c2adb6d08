/* Unit tests for src/contain/watch.c: parsing NFLOG records. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "contain/watch.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

struct rec {
    uint8_t b[512];
    size_t len;
};

static void start(struct rec *r, uint8_t family)
{
    memset(r, 0, sizeof(*r));
    r->b[0] = family;
    r->b[2] = 0x0c; /* group 3113, big-endian */
    r->b[3] = 0x29;
    r->len = 4;
}

/* A TLV as libpcap gives it: length and type in host order, padded to 4. */
static void tlv(struct rec *r, uint16_t type, const void *v, size_t n)
{
    uint16_t len = (uint16_t)(4 + n);
    memcpy(r->b + r->len, &len, 2);
    memcpy(r->b + r->len + 2, &type, 2);
    memcpy(r->b + r->len + 4, v, n);
    r->len += (4 + n + 3) & ~(size_t)3;
}

/* 10.13.7.5 → dst, protocol proto, then l4 bytes. */
static size_t ipv4(uint8_t *p, uint8_t proto, const uint8_t dst[4], const uint8_t *l4, size_t n)
{
    memset(p, 0, 20);
    p[0] = 0x45;
    p[3] = (uint8_t)(20 + n);
    p[8] = 64;
    p[9] = proto;
    p[12] = 10, p[13] = 13, p[14] = 7, p[15] = 5;
    memcpy(p + 16, dst, 4);
    memcpy(p + 20, l4, n);
    return 20 + n;
}

static void test_tcp_syn(void **state)
{
    (void)state;
    struct rec r;
    uint8_t pkt[64], tcp[20] = {0x9c, 0x40, 0x08, 0xae}; /* 40000 → 2222 */
    const uint8_t dst[4] = {10, 13, 7, 1};
    uint8_t indev[4] = {0, 0, 0, 42};
    struct contain_logged l;
    start(&r, AF_INET);
    tlv(&r, 10, "karakuri host", 14);
    tlv(&r, 4, indev, 4);
    tlv(&r, 9, pkt, ipv4(pkt, IPPROTO_TCP, dst, tcp, sizeof(tcp)));
    assert_int_equal(contain_nflog_parse(r.b, r.len, &l), 0);
    assert_string_equal(l.prefix, "karakuri host");
    assert_int_equal(l.indev, 42);
    assert_int_equal(l.family, AF_INET);
    assert_string_equal(l.src, "10.13.7.5");
    assert_string_equal(l.dst, "10.13.7.1");
    assert_int_equal(l.src4, 0x0a0d0705u);
    assert_int_equal(l.proto, IPPROTO_TCP);
    assert_true(l.has_port);
    assert_int_equal(l.dst_port, 2222);
    assert_int_equal(l.icmp_type, -1);
}

static void test_icmp_and_fragment(void **state)
{
    (void)state;
    struct rec r;
    uint8_t pkt[64], icmp[8] = {8, 0};
    const uint8_t dst[4] = {203, 0, 113, 9};
    struct contain_logged l;
    start(&r, AF_INET);
    tlv(&r, 9, pkt, ipv4(pkt, IPPROTO_ICMP, dst, icmp, sizeof(icmp)));
    assert_int_equal(contain_nflog_parse(r.b, r.len, &l), 0);
    assert_int_equal(l.icmp_type, 8);
    assert_false(l.has_port);
    assert_string_equal(l.prefix, "");

    /* A later fragment of a UDP datagram has no header to read a port from. */
    uint8_t udp[8] = {0, 53, 0, 53};
    start(&r, AF_INET);
    size_t n = ipv4(pkt, IPPROTO_UDP, dst, udp, sizeof(udp));
    pkt[7] = 10;
    tlv(&r, 9, pkt, n);
    assert_int_equal(contain_nflog_parse(r.b, r.len, &l), 0);
    assert_false(l.has_port);
}

static void test_ipv6(void **state)
{
    (void)state;
    struct rec r;
    uint8_t pkt[60] = {0x60};
    struct contain_logged l;
    pkt[6] = IPPROTO_UDP;
    pkt[8] = 0xfe, pkt[9] = 0x80, pkt[23] = 1;
    pkt[24] = 0xfe, pkt[25] = 0x80, pkt[39] = 2;
    pkt[42] = 0x02, pkt[43] = 0x22; /* port 546 */
    start(&r, AF_INET6);
    tlv(&r, 9, pkt, sizeof(pkt));
    assert_int_equal(contain_nflog_parse(r.b, r.len, &l), 0);
    assert_int_equal(l.family, AF_INET6);
    assert_string_equal(l.src, "fe80::1");
    assert_string_equal(l.dst, "fe80::2");
    assert_int_equal(l.dst_port, 546);
}

static void test_malformed(void **state)
{
    (void)state;
    struct rec r;
    struct contain_logged l;
    uint8_t junk[4] = {0x45, 0, 0, 0};
    char long_prefix[100];
    start(&r, AF_INET);
    assert_int_equal(contain_nflog_parse(r.b, 3, &l), -EINVAL);
    start(&r, AF_INET);
    r.b[1] = 1; /* unknown version */
    assert_int_equal(contain_nflog_parse(r.b, r.len, &l), -EINVAL);
    start(&r, AF_INET);
    tlv(&r, 9, junk, sizeof(junk)); /* an IPv4 header cut short */
    assert_int_equal(contain_nflog_parse(r.b, r.len, &l), -EINVAL);
    start(&r, AF_INET);
    tlv(&r, 10, "x", 2);
    assert_int_equal(contain_nflog_parse(r.b, 9, &l), -EINVAL); /* TLV past the end */
    start(&r, AF_INET);
    uint16_t bad = 2;
    memcpy(r.b + 4, &bad, 2); /* shorter than its own header */
    assert_int_equal(contain_nflog_parse(r.b, 8, &l), -EINVAL);
    /* No payload: parsed, but not an IP packet. A prefix with no NUL, too
     * long for the field, is cut. */
    memset(long_prefix, 'a', sizeof(long_prefix));
    start(&r, AF_INET);
    tlv(&r, 10, long_prefix, sizeof(long_prefix));
    assert_int_equal(contain_nflog_parse(r.b, r.len, &l), 0);
    assert_int_equal(l.family, 0);
    assert_int_equal(strlen(l.prefix), sizeof(l.prefix) - 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tcp_syn),
        cmocka_unit_test(test_icmp_and_fragment),
        cmocka_unit_test(test_ipv6),
        cmocka_unit_test(test_malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
