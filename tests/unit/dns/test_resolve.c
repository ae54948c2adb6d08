/* Unit tests for src/dns/resolve.c: which questions go upstream, and the
 * upstream's answer read, through a fake send function. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "dns/answer.h"
#include "dns/message.h"
#include "dns/resolve.h"

#include <errno.h>
#include <string.h>

static uint8_t query_msg[DNS_MSG_MAX];
static size_t query_len;

/* name as a wire query (A or AAAA, IN) parsed into *q. */
static void query(struct dns_query *q, const char *name, uint16_t qtype)
{
    size_t n = DNS_HEADER_LEN;
    memset(query_msg, 0, sizeof(query_msg));
    query_msg[0] = 0x4b;
    query_msg[1] = 0x4b;
    query_msg[2] = 0x01;
    query_msg[5] = 1;
    const char *p = name;
    while (*p) {
        const char *dot = strchr(p, '.');
        size_t l = dot ? (size_t)(dot - p) : strlen(p);
        query_msg[n++] = (uint8_t)l;
        memcpy(query_msg + n, p, l);
        n += l;
        p += l + (dot ? 1 : 0);
    }
    query_msg[n++] = 0;
    query_msg[n++] = 0;
    query_msg[n++] = (uint8_t)qtype;
    query_msg[n++] = 0;
    query_msg[n++] = 1;
    query_len = n;
    assert_int_equal(dns_query_parse(query_msg, query_len, q), 0);
}

/* What the fake upstream does: a reply of len bytes, or rc < 0. */
struct fake {
    int rc;
    uint8_t reply[DNS_UPSTREAM_MAX];
    size_t len;
    unsigned calls;
    size_t cap_seen;
};

static int fake_send(const struct dns_resolver *r, const struct dns_query *q, uint8_t *ans,
                     size_t cap)
{
    (void)q;
    struct fake *f = r->ud;
    f->calls++;
    f->cap_seen = cap;
    if (f->rc < 0)
        return f->rc;
    size_t n = f->len < cap ? f->len : cap;
    memcpy(ans, f->reply, n);
    return (int)n;
}

/* The response to the query made last: rcode and, for NOERROR, one A
 * record ip for the question's name. */
static void reply(struct fake *f, unsigned rcode, const uint8_t ip[4])
{
    memcpy(f->reply, query_msg, query_len);
    f->reply[0] = 0x99; /* libresolv's own id */
    f->reply[2] = 0x81;
    f->reply[3] = (uint8_t)(0x80 | rcode);
    size_t n = query_len;
    if (ip) {
        f->reply[7] = 1;
        static const uint8_t rr[] = {0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4};
        memcpy(f->reply + n, rr, sizeof(rr));
        n += sizeof(rr);
        memcpy(f->reply + n, ip, 4);
        n += 4;
    }
    f->len = n;
    f->rc = 0;
}

static struct dns_resolver resolver(struct fake *f)
{
    struct dns_resolver r = {.send = fake_send, .ud = f, .ip = 0xcb007101, .port = 53};
    return r;
}

static void test_success(void **state)
{
    (void)state;
    static struct fake f;
    struct dns_resolver r = resolver(&f);
    struct dns_query q;
    struct dns_upstream u;
    static const uint8_t ip[4] = {203, 0, 113, 10};
    query(&q, "files.example.com", DNS_TYPE_A);
    reply(&f, 0, ip);
    assert_int_equal(dns_resolve(&r, &q, &u), 0);
    assert_int_equal(f.calls, 1);
    assert_int_equal(f.cap_seen, DNS_UPSTREAM_MAX);
    assert_int_equal(u.rcode, DNS_RCODE_NOERROR);
    assert_int_equal(u.naddrs, 1);
    assert_memory_equal(u.rr[0].data, ip, 4);
}

static void test_timeout(void **state)
{
    (void)state;
    static struct fake f;
    struct dns_resolver r = resolver(&f);
    struct dns_query q;
    struct dns_upstream u;
    query(&q, "slow.example.com", DNS_TYPE_A);
    f.rc = -ETIMEDOUT;
    assert_int_equal(dns_resolve(&r, &q, &u), -ETIMEDOUT);
    f.rc = -EPERM; /* the nameserver is a honeynet's */
    assert_int_equal(dns_resolve(&r, &q, &u), -EPERM);
}

static void test_rcodes(void **state)
{
    (void)state;
    static struct fake f;
    struct dns_resolver r = resolver(&f);
    struct dns_query q;
    struct dns_upstream u;
    query(&q, "gone.example.com", DNS_TYPE_A);
    reply(&f, DNS_RCODE_NXDOMAIN, NULL);
    assert_int_equal(dns_resolve(&r, &q, &u), 0);
    assert_int_equal(u.rcode, DNS_RCODE_NXDOMAIN);
    assert_int_equal(u.n, 0);
    reply(&f, DNS_RCODE_SERVFAIL, NULL);
    assert_int_equal(dns_resolve(&r, &q, &u), -EPROTO);
    reply(&f, DNS_RCODE_REFUSED, NULL);
    assert_int_equal(dns_resolve(&r, &q, &u), -EPROTO);
}

static void test_garbage(void **state)
{
    (void)state;
    static struct fake f;
    struct dns_resolver r = resolver(&f);
    struct dns_query q;
    struct dns_upstream u;
    query(&q, "junk.example.com", DNS_TYPE_A);
    f.rc = 0;
    f.len = 0;
    assert_int_equal(dns_resolve(&r, &q, &u), -EBADMSG);
    for (size_t i = 0; i < sizeof(f.reply); i++)
        f.reply[i] = (uint8_t)(i * 131 + 7);
    f.len = sizeof(f.reply);
    assert_int_equal(dns_resolve(&r, &q, &u), -EBADMSG);
    /* The answer to another question. */
    struct dns_query other;
    query(&other, "other.example.com", DNS_TYPE_A);
    static const uint8_t ip[4] = {203, 0, 113, 10};
    reply(&f, 0, ip);
    assert_int_equal(dns_resolve(&r, &q, &u), -EBADMSG);
}

static void test_wanted(void **state)
{
    (void)state;
    struct dns_query q;
    struct dns_decision d;
    query(&q, "files.example.com", DNS_TYPE_A);
    dns_decide(&q, &d);
    assert_true(dns_resolve_wanted(&q, &d));
    query(&q, "files.example.com", DNS_TYPE_AAAA);
    dns_decide(&q, &d);
    assert_true(dns_resolve_wanted(&q, &d));
    query(&q, "files.example.com", DNS_TYPE_PTR);
    dns_decide(&q, &d);
    assert_false(dns_resolve_wanted(&q, &d));
    query(&q, "gateway", DNS_TYPE_A); /* one label */
    dns_decide(&q, &d);
    assert_false(dns_resolve_wanted(&q, &d));
    query(&q, "db.localhost", DNS_TYPE_A);
    dns_decide(&q, &d);
    assert_false(dns_resolve_wanted(&q, &d));
    query(&q, "files.example.com", DNS_TYPE_A);
    d.rcode = DNS_RCODE_NXDOMAIN; /* made up NXDOMAIN: kept */
    assert_false(dns_resolve_wanted(&q, &d));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_success), cmocka_unit_test(test_timeout),
        cmocka_unit_test(test_rcodes),  cmocka_unit_test(test_garbage),
        cmocka_unit_test(test_wanted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
