/* Unit tests for src/fetch/tftp.c: TFTP errors, conntrack lines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "fetch/tftp.h"

#include <errno.h>
#include <string.h>

static void test_error(void **state)
{
    (void)state;
    uint8_t p[64];
    static const uint8_t want[] = {0,   5,   0,   1,   'F', 'i', 'l', 'e', ' ', 'n',
                                   'o', 't', ' ', 'f', 'o', 'u', 'n', 'd', 0};
    assert_int_equal(fetch_tftp_error(p, sizeof(p), 1, "File not found"), sizeof(want));
    assert_memory_equal(p, want, sizeof(want));
    assert_int_equal(fetch_tftp_error(p, 10, 1, "File not found"), 0);
}

/* As /proc/net/nf_conntrack prints them: a redirected TFTP request among
 * others. */
static const char CT[] =
    "ipv4     2 tcp      6 431999 ESTABLISHED src=10.13.7.2 dst=203.0.113.10 sport=40000 "
    "dport=80 src=10.13.7.1 dst=10.13.7.2 sport=10869 dport=40000 [ASSURED] mark=0 zone=0 use=2\n"
    "ipv4     2 udp      17 29 src=10.13.7.2 dst=198.51.100.9 sport=41000 dport=69 [UNREPLIED] "
    "src=198.51.100.9 dst=10.13.7.2 sport=69 dport=41000 mark=0 zone=0 use=2\n"
    "ipv4     2 udp      17 29 src=10.13.7.2 dst=203.0.113.10 sport=41000 dport=69 [UNREPLIED] "
    "src=10.13.7.1 dst=10.13.7.2 sport=10869 dport=41000 mark=0 zone=0 use=2\n";

static void test_conntrack(void **state)
{
    (void)state;
    uint32_t dst = 0;
    uint16_t dport = 0;
    assert_int_equal(
        fetch_conntrack_origdst(CT, strlen(CT), 0x0a0d0702u, 41000, 10869, &dst, &dport), 0);
    assert_int_equal(dst, 0xcb00710au);
    assert_int_equal(dport, 69);
    /* The TCP entry does not count, nor another source port. */
    assert_int_equal(
        fetch_conntrack_origdst(CT, strlen(CT), 0x0a0d0702u, 40000, 10869, &dst, &dport), -ENOENT);
    assert_int_equal(
        fetch_conntrack_origdst(CT, strlen(CT), 0x0a0d0703u, 41000, 10869, &dst, &dport), -ENOENT);
    /* Cut short: the reply half is missing. */
    assert_int_equal(
        fetch_conntrack_origdst(CT, strlen(CT) - 80, 0x0a0d0702u, 41000, 10869, &dst, &dport),
        -ENOENT);
    assert_int_equal(fetch_conntrack_origdst("", 0, 1, 1, 1, &dst, &dport), -ENOENT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_error),
        cmocka_unit_test(test_conntrack),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
