/* Unit tests for src/dns/message.c: queries parsed, answers built. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "dns/message.h"

#include <errno.h>
#include <string.h>

/* What `getent hosts example.com` sends: id 0x4b4b, RD, A IN. */
static const uint8_t QUERY[] = {0x4b, 0x4b, 0x01, 0x00, 0,   1, 0,   0,   0,   0, 0, 0, 7, 'e', 'x',
                                'a',  'm',  'p',  'l',  'e', 3, 'c', 'o', 'm', 0, 0, 1, 0, 1};

static void test_parse(void **state)
{
    (void)state;
    struct dns_query q;
    assert_int_equal(dns_query_parse(QUERY, sizeof(QUERY), &q), 0);
    assert_int_equal(q.id, 0x4b4b);
    assert_true(q.rd);
    assert_true(q.has_question);
    assert_int_equal(q.qtype, DNS_TYPE_A);
    assert_int_equal(q.qclass, DNS_CLASS_IN);
    assert_int_equal(q.labels, 2);
    assert_string_equal(q.qname, "example.com");
    assert_int_equal(q.qwire_len, sizeof(QUERY) - DNS_HEADER_LEN);
}

/* An EDNS OPT record after the question is left unread. */
static void test_parse_edns(void **state)
{
    (void)state;
    uint8_t m[sizeof(QUERY) + 11];
    memcpy(m, QUERY, sizeof(QUERY));
    m[11] = 1;
    static const uint8_t opt[] = {0, 0, 41, 0x10, 0, 0, 0, 0, 0, 0, 0};
    memcpy(m + sizeof(QUERY), opt, sizeof(opt));
    struct dns_query q;
    assert_int_equal(dns_query_parse(m, sizeof(m), &q), 0);
    assert_string_equal(q.qname, "example.com");
}

static void test_parse_refused(void **state)
{
    (void)state;
    struct dns_query q;
    uint8_t m[sizeof(QUERY)];
    assert_int_equal(dns_query_parse(QUERY, 11, &q), -EINVAL);
    memcpy(m, QUERY, sizeof(m));
    m[2] |= 0x80; /* a response */
    assert_int_equal(dns_query_parse(m, sizeof(m), &q), -EINVAL);
    memcpy(m, QUERY, sizeof(m));
    m[2] |= 0x28; /* opcode 5, UPDATE */
    assert_int_equal(dns_query_parse(m, sizeof(m), &q), -ENOTSUP);
    assert_int_equal(q.id, 0x4b4b);
    memcpy(m, QUERY, sizeof(m));
    m[5] = 2; /* two questions */
    assert_int_equal(dns_query_parse(m, sizeof(m), &q), -EBADMSG);
    memcpy(m, QUERY, sizeof(m));
    m[12] = 0xc0; /* a compression pointer */
    assert_int_equal(dns_query_parse(m, sizeof(m), &q), -EBADMSG);
    assert_false(q.has_question);
    m[12] = 0x40; /* an extended label type */
    assert_int_equal(dns_query_parse(m, sizeof(m), &q), -EBADMSG);
    m[12] = 20; /* past the end */
    assert_int_equal(dns_query_parse(m, sizeof(m), &q), -EBADMSG);
    /* No room for the type and class. */
    assert_int_equal(dns_query_parse(QUERY, sizeof(QUERY) - 1, &q), -EBADMSG);
    /* More than a UDP message. */
    uint8_t big[DNS_MSG_MAX + 1] = {0};
    memcpy(big, QUERY, sizeof(QUERY));
    assert_int_equal(dns_query_parse(big, sizeof(big), &q), -EINVAL);
}

/* 255 octets of name at most: four labels of 63 (253 with the lengths and
 * the root) pass; one more octet does not. */
static void test_name_caps(void **state)
{
    (void)state;
    uint8_t m[DNS_MSG_MAX] = {0, 1, 1, 0, 0, 1};
    size_t at = DNS_HEADER_LEN;
    for (int i = 0; i < 3; i++) {
        m[at++] = 63;
        memset(m + at, 'a', 63);
        at += 63;
    }
    m[at++] = 61;
    memset(m + at, 'b', 61);
    at += 61;
    m[at++] = 0;
    m[at + 1] = 1;
    m[at + 3] = 1;
    struct dns_query q;
    assert_int_equal(dns_query_parse(m, at + 4, &q), 0);
    assert_int_equal(q.qwire_len, 255 + 4);
    /* A label of 62: 256 octets. */
    m[DNS_HEADER_LEN + 3 * 64] = 62;
    memmove(m + at + 1, m + at, 4);
    m[at - 1] = 'b';
    m[at] = 0;
    assert_int_equal(dns_query_parse(m, at + 5, &q), -EBADMSG);
}

static void test_text(void **state)
{
    (void)state;
    static const uint8_t m[] = {0, 1, 0,   0,   0,    1,    0, 0, 0, 0, 0,
                                0, 4, 'a', '.', 0x01, '\\', 0, 0, 1, 0, 1};
    struct dns_query q;
    assert_int_equal(dns_query_parse(m, sizeof(m), &q), 0);
    assert_string_equal(q.qname, "a\\.\\001\\\\");
    static const uint8_t root[] = {0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 1};
    assert_int_equal(dns_query_parse(root, sizeof(root), &q), 0);
    assert_string_equal(q.qname, ".");
    assert_int_equal(q.labels, 0);
}

static void test_build(void **state)
{
    (void)state;
    struct dns_query q;
    uint8_t out[DNS_MSG_MAX];
    assert_int_equal(dns_query_parse(QUERY, sizeof(QUERY), &q), 0);
    uint32_t a = 0x2d210102u;
    size_t n = dns_answer_build(out, sizeof(out), &q, DNS_RCODE_NOERROR, &a, 300);
    assert_int_equal(n, sizeof(QUERY) + 16);
    static const uint8_t head[] = {0x4b, 0x4b, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0};
    assert_memory_equal(out, head, sizeof(head));
    assert_memory_equal(out + 12, QUERY + 12, sizeof(QUERY) - 12);
    static const uint8_t rr[] = {0xc0, 12, 0, 1, 0, 1, 0, 0, 1, 44, 0, 4, 45, 33, 1, 2};
    assert_memory_equal(out + sizeof(QUERY), rr, sizeof(rr));
    /* NXDOMAIN, no record. */
    n = dns_answer_build(out, sizeof(out), &q, DNS_RCODE_NXDOMAIN, NULL, 0);
    assert_int_equal(n, sizeof(QUERY));
    assert_int_equal(out[3], 0x83);
    assert_int_equal(out[7], 0);
    /* Too small. */
    assert_int_equal(dns_answer_build(out, sizeof(QUERY) + 15, &q, DNS_RCODE_NOERROR, &a, 300), 0);
    /* FORMERR: the header alone. */
    uint8_t bad[sizeof(QUERY)];
    memcpy(bad, QUERY, sizeof(bad));
    bad[5] = 0;
    assert_int_equal(dns_query_parse(bad, sizeof(bad), &q), -EBADMSG);
    n = dns_answer_build(out, sizeof(out), &q, DNS_RCODE_FORMERR, &a, 300);
    assert_int_equal(n, DNS_HEADER_LEN);
    assert_int_equal(out[3], 0x81);
    assert_int_equal(out[5], 0);
}

static void test_names(void **state)
{
    (void)state;
    char b[12];
    assert_string_equal(dns_type_name(28, b, sizeof(b)), "AAAA");
    assert_string_equal(dns_type_name(4242, b, sizeof(b)), "TYPE4242");
    assert_string_equal(dns_rcode_name(DNS_RCODE_NXDOMAIN), "NXDOMAIN");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),         cmocka_unit_test(test_parse_edns),
        cmocka_unit_test(test_parse_refused), cmocka_unit_test(test_name_caps),
        cmocka_unit_test(test_text),          cmocka_unit_test(test_build),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
