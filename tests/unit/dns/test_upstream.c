/* Unit tests for src/dns/upstream.c: real resolvers' responses read. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "dns/message.h"
#include "dns/upstream.h"

#include <errno.h>
#include <string.h>

/* id 0x4b4b, RD, example.com A IN. */
static const uint8_t QUERY[] = {0x4b, 0x4b, 0x01, 0x00, 0,   1, 0,   0,   0,   0, 0, 0, 7, 'e', 'x',
                                'a',  'm',  'p',  'l',  'e', 3, 'c', 'o', 'm', 0, 0, 1, 0, 1};

static void query(struct dns_query *q, uint16_t qtype)
{
    uint8_t m[sizeof(QUERY)];
    memcpy(m, QUERY, sizeof(m));
    m[sizeof(m) - 3] = (uint8_t)qtype;
    assert_int_equal(dns_query_parse(m, sizeof(m), q), 0);
}

/* A response being built. */
struct resp {
    uint8_t b[DNS_UPSTREAM_MAX];
    size_t n;
};

static void put(struct resp *r, const void *p, size_t n)
{
    assert_true(r->n + n <= sizeof(r->b));
    memcpy(r->b + r->n, p, n);
    r->n += n;
}

static void put16(struct resp *r, uint16_t v)
{
    uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};
    put(r, b, 2);
}

/* Header (id 0x1234, QR RD RA, rcode), the question of q. */
static void start(struct resp *r, const struct dns_query *q, unsigned rcode, uint16_t ancount)
{
    r->n = 0;
    put16(r, 0x1234);
    put16(r, (uint16_t)(0x8180 | rcode));
    put16(r, 1);
    put16(r, ancount);
    put16(r, 0);
    put16(r, 0);
    put(r, q->qwire, q->qwire_len);
}

/* A record: owner as given (wire bytes), type, class IN, ttl, rdata. */
static void rr(struct resp *r, const uint8_t *owner, size_t ol, uint16_t type, uint32_t ttl,
               const uint8_t *rd, size_t rdl)
{
    put(r, owner, ol);
    put16(r, type);
    put16(r, DNS_CLASS_IN);
    put16(r, (uint16_t)(ttl >> 16));
    put16(r, (uint16_t)ttl);
    put16(r, (uint16_t)rdl);
    put(r, rd, rdl);
}

static const uint8_t PTR_Q[] = {0xc0, 0x0c}; /* the question's name */
static const uint8_t IP1[] = {203, 0, 113, 7};
static const uint8_t IP2[] = {203, 0, 113, 8};

static void test_a(void **state)
{
    (void)state;
    struct dns_query q;
    struct dns_upstream u;
    struct resp r;
    query(&q, DNS_TYPE_A);
    start(&r, &q, 0, 2);
    rr(&r, PTR_Q, 2, DNS_TYPE_A, 60, IP1, 4);
    rr(&r, PTR_Q, 2, DNS_TYPE_A, 86400, IP2, 4);
    assert_int_equal(dns_upstream_parse(r.b, r.n, &q, &u), 0);
    assert_int_equal(u.rcode, DNS_RCODE_NOERROR);
    assert_int_equal(u.n, 2);
    assert_int_equal(u.naddrs, 2);
    assert_int_equal(u.rr[0].type, DNS_TYPE_A);
    assert_memory_equal(u.rr[0].data, IP1, 4);
    assert_int_equal(u.rr[0].ttl_s, 60);
    assert_memory_equal(u.rr[1].data, IP2, 4);
    assert_int_equal(u.rr[1].ttl_s, DNS_UPSTREAM_TTL_MAX_S); /* capped */
    assert_int_equal(u.rr[0].owner_len, q.qwire_len - 4);
}

static void test_aaaa(void **state)
{
    (void)state;
    struct dns_query q;
    struct dns_upstream u;
    struct resp r;
    static const uint8_t ip6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
    query(&q, DNS_TYPE_AAAA);
    start(&r, &q, 0, 3);
    rr(&r, PTR_Q, 2, DNS_TYPE_A, 60, IP1, 4);    /* not the type asked: left out */
    rr(&r, PTR_Q, 2, DNS_TYPE_AAAA, 60, IP1, 4); /* AAAA of 4 octets: left out */
    rr(&r, PTR_Q, 2, DNS_TYPE_AAAA, 60, ip6, 16);
    assert_int_equal(dns_upstream_parse(r.b, r.n, &q, &u), 0);
    assert_int_equal(u.n, 1);
    assert_int_equal(u.rr[0].type, DNS_TYPE_AAAA);
    assert_memory_equal(u.rr[0].data, ip6, 16);
}

/* example.com CNAME www.example.net (its "example" compressed to the
 * question's), www.example.net A; a record of another name is left out. */
static void test_cname_chain(void **state)
{
    (void)state;
    struct dns_query q;
    struct dns_upstream u;
    struct resp r;
    query(&q, DNS_TYPE_A);
    start(&r, &q, 0, 3);
    size_t target_at = r.n + 2 + 10;
    static const uint8_t target[] = {3,   'w', 'w', 'w', 7,   'e', 'x', 'a', 'm',
                                     'p', 'l', 'e', 3,   'n', 'e', 't', 0};
    rr(&r, PTR_Q, 2, DNS_TYPE_CNAME, 30, target, sizeof(target));
    uint8_t to_target[2] = {(uint8_t)(0xc0 | target_at >> 8), (uint8_t)target_at};
    static const uint8_t other[] = {5, 'o', 't', 'h', 'e', 'r', 0};
    rr(&r, other, sizeof(other), DNS_TYPE_A, 30, IP2, 4);
    rr(&r, to_target, 2, DNS_TYPE_A, 30, IP1, 4);
    assert_int_equal(dns_upstream_parse(r.b, r.n, &q, &u), 0);
    assert_int_equal(u.n, 2);
    assert_int_equal(u.naddrs, 1);
    assert_int_equal(u.rr[0].type, DNS_TYPE_CNAME);
    assert_int_equal(u.rr[0].data_len, sizeof(target));
    assert_memory_equal(u.rr[0].data, target, sizeof(target));
    assert_int_equal(u.rr[1].type, DNS_TYPE_A);
    assert_memory_equal(u.rr[1].owner, target, sizeof(target));
    assert_memory_equal(u.rr[1].data, IP1, 4);
}

static void test_nxdomain(void **state)
{
    (void)state;
    struct dns_query q;
    struct dns_upstream u;
    struct resp r;
    query(&q, DNS_TYPE_A);
    start(&r, &q, DNS_RCODE_NXDOMAIN, 0);
    assert_int_equal(dns_upstream_parse(r.b, r.n, &q, &u), 0);
    assert_int_equal(u.rcode, DNS_RCODE_NXDOMAIN);
    assert_int_equal(u.n, 0);
    start(&r, &q, DNS_RCODE_SERVFAIL, 0);
    assert_int_equal(dns_upstream_parse(r.b, r.n, &q, &u), -EPROTO);
    start(&r, &q, DNS_RCODE_REFUSED, 0);
    assert_int_equal(dns_upstream_parse(r.b, r.n, &q, &u), -EPROTO);
}

/* Cut anywhere: never read past the end; cut in the answers, the records
 * before the cut are kept. */
static void test_truncated(void **state)
{
    (void)state;
    struct dns_query q;
    struct dns_upstream u;
    struct resp r;
    query(&q, DNS_TYPE_A);
    start(&r, &q, 0, 2);
    size_t qend = r.n;
    rr(&r, PTR_Q, 2, DNS_TYPE_A, 60, IP1, 4);
    size_t first = r.n;
    rr(&r, PTR_Q, 2, DNS_TYPE_A, 60, IP2, 4);
    for (size_t len = 0; len < r.n; len++) {
        uint8_t *copy = test_malloc(len ? len : 1);
        memcpy(copy, r.b, len);
        int rc = dns_upstream_parse(copy, len, &q, &u);
        if (len < qend) {
            assert_int_equal(rc, -EBADMSG);
        } else {
            assert_int_equal(rc, 0);
            assert_int_equal(u.n, len < first ? 0 : 1);
        }
        test_free(copy);
    }
}

/* A pointer to itself, a loop of two, a pointer forwards or past the end. */
static void test_bad_pointers(void **state)
{
    (void)state;
    struct dns_query q;
    struct dns_upstream u;
    struct resp r;
    query(&q, DNS_TYPE_A);
    start(&r, &q, 0, 2);
    size_t at = r.n;
    uint8_t self[2] = {(uint8_t)(0xc0 | at >> 8), (uint8_t)at};
    rr(&r, self, 2, DNS_TYPE_A, 60, IP1, 4);
    rr(&r, PTR_Q, 2, DNS_TYPE_A, 60, IP2, 4);
    assert_int_equal(dns_upstream_parse(r.b, r.n, &q, &u), 0);
    assert_int_equal(u.n, 0); /* the section ends at the bad record */

    /* Two labels pointing at each other: a label then a pointer back to it
     * is fine, a pointer forwards is not (0xc0 0x0e, then at 0x0e 0xc0 0x0c
     * ... is the question; so build the loop in a CNAME target). */
    start(&r, &q, 0, 1);
    size_t rd = r.n + 2 + 10;
    uint8_t loop[4] = {(uint8_t)(0xc0 | (rd + 2) >> 8), (uint8_t)(rd + 2),
                       (uint8_t)(0xc0 | rd >> 8), (uint8_t)rd};
    rr(&r, PTR_Q, 2, DNS_TYPE_CNAME, 60, loop, sizeof(loop));
    assert_int_equal(dns_upstream_parse(r.b, r.n, &q, &u), 0);
    assert_int_equal(u.n, 0);

    start(&r, &q, 0, 1);
    static const uint8_t past[2] = {0xcf, 0xff};
    rr(&r, past, 2, DNS_TYPE_A, 60, IP1, 4);
    assert_int_equal(dns_upstream_parse(r.b, r.n, &q, &u), 0);
    assert_int_equal(u.n, 0);

    /* The question's name a pointer (to itself): not a response to q. */
    r.n = 0;
    put16(&r, 0x1234);
    put16(&r, 0x8180);
    put16(&r, 1);
    put16(&r, 0);
    put16(&r, 0);
    put16(&r, 0);
    put(&r, PTR_Q, 2);
    put16(&r, DNS_TYPE_A);
    put16(&r, DNS_CLASS_IN);
    assert_int_equal(dns_upstream_parse(r.b, r.n, &q, &u), -EBADMSG);
}

/* Many answers: DNS_ADDRS_MAX addresses kept, DNS_ANSWER_RR_SCAN looked at,
 * and an ancount larger than what is there is harmless. */
static void test_too_many(void **state)
{
    (void)state;
    struct dns_query q;
    struct dns_upstream u;
    struct resp r;
    query(&q, DNS_TYPE_A);
    start(&r, &q, 0, 0xffff);
    for (int i = 0; i < 100; i++) {
        uint8_t ip[4] = {203, 0, 113, (uint8_t)i};
        rr(&r, PTR_Q, 2, DNS_TYPE_A, 60, ip, 4);
    }
    assert_int_equal(dns_upstream_parse(r.b, r.n, &q, &u), 0);
    assert_int_equal(u.n, DNS_ADDRS_MAX);
    assert_int_equal(u.naddrs, DNS_ADDRS_MAX);
    assert_int_equal(u.rr[DNS_ADDRS_MAX - 1].data[3], DNS_ADDRS_MAX - 1);

    /* CNAMEs past DNS_CNAMES_MAX are not followed. */
    start(&r, &q, 0, 20);
    for (int i = 0; i < 20; i++) {
        uint8_t self_alias[2] = {0xc0, 0x0c};
        rr(&r, PTR_Q, 2, DNS_TYPE_CNAME, 60, self_alias, 2);
    }
    assert_int_equal(dns_upstream_parse(r.b, r.n, &q, &u), 0);
    assert_int_equal(u.n, DNS_CNAMES_MAX);
}

/* Not a response to q: a query, another question, another type, two
 * questions. The id is not read here: libresolv's res_nsend matches it to
 * the query it made (whose id is its own, not the honeynet host's). */
static void test_wrong_question(void **state)
{
    (void)state;
    struct dns_query q, q6;
    struct dns_upstream u;
    struct resp r;
    query(&q, DNS_TYPE_A);
    query(&q6, DNS_TYPE_AAAA);
    start(&r, &q, 0, 1);
    rr(&r, PTR_Q, 2, DNS_TYPE_A, 60, IP1, 4);
    assert_int_equal(dns_upstream_parse(r.b, r.n, &q6, &u), -EBADMSG); /* type */
    r.b[0] ^= 0xff;                                                    /* another id: read */
    assert_int_equal(dns_upstream_parse(r.b, r.n, &q, &u), 0);
    r.b[2] &= 0x7f; /* not a response */
    assert_int_equal(dns_upstream_parse(r.b, r.n, &q, &u), -EBADMSG);
    r.b[2] |= 0x80;
    r.b[5] = 2; /* two questions */
    assert_int_equal(dns_upstream_parse(r.b, r.n, &q, &u), -EBADMSG);
    r.b[5] = 1;
    r.b[13] = 'E'; /* letter case aside, the same name */
    assert_int_equal(dns_upstream_parse(r.b, r.n, &q, &u), 0);
    r.b[13] = 'z'; /* another name */
    assert_int_equal(dns_upstream_parse(r.b, r.n, &q, &u), -EBADMSG);
    assert_int_equal(dns_upstream_parse(r.b, 5, &q, &u), -EBADMSG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a),           cmocka_unit_test(test_aaaa),
        cmocka_unit_test(test_cname_chain), cmocka_unit_test(test_nxdomain),
        cmocka_unit_test(test_truncated),   cmocka_unit_test(test_bad_pointers),
        cmocka_unit_test(test_too_many),    cmocka_unit_test(test_wrong_question),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
