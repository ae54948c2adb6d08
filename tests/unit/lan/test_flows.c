/* Unit tests for lan_flows: a full port scan of one host neither fills the
 * table nor hides a later contact between other hosts, or a later new port
 * once its minute is over; what is not recorded is counted; new pairs are
 * always recorded, however many there were. */
#include "lan/flows.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdlib.h>

#define GW 0x0a0d0702u /* 10.13.7.2 */
#define DC1 0x0a0d0764u
#define DC2 0x0a0d07c8u

static enum lan_flow_verdict see(struct lan_flows *t, uint32_t src, uint32_t dst, uint16_t port,
                                 long long now)
{
    struct lan_flow_key k = {src, dst, port, 6};
    return lan_flows_see(t, &k, now);
}

struct tally {
    unsigned long long n;
    size_t calls;
};

static void count(uint32_t src, uint32_t dst, unsigned long long n, void *ud)
{
    struct tally *x = ud;
    (void)src;
    (void)dst;
    x->n += n;
    x->calls++;
}

static void test_scan(void **state)
{
    (void)state;
    struct lan_flows *t = calloc(1, sizeof(*t));
    long long now = 1000000;
    unsigned recorded = 0;
    /* nmap -p- from the gateway against one decoy. */
    for (unsigned port = 1; port <= 65535; port++)
        recorded += see(t, GW, DC1, (uint16_t)port, now + port) == LAN_FLOW_NEW;
    assert_int_equal(recorded, LAN_FLOW_PORTS_PER_MIN);
    /* Seen ones stay seen. */
    assert_int_equal(see(t, GW, DC1, 1, now + 70000), LAN_FLOW_SEEN);
    /* Later movement to another host: recorded. */
    assert_int_equal(see(t, GW, DC2, 22, now + 80000), LAN_FLOW_NEW);
    assert_int_equal(see(t, DC1, DC2, 445, now + 80001), LAN_FLOW_NEW);
    /* What was not recorded is counted, and told once. */
    struct tally x = {0};
    assert_int_equal(lan_flows_take_dropped(t, count, &x), 1);
    assert_int_equal(x.n, 65535 - LAN_FLOW_PORTS_PER_MIN);
    x = (struct tally){0};
    assert_int_equal(lan_flows_take_dropped(t, count, &x), 0);
    /* A minute on, a new port between the scanned pair is recorded again. */
    assert_int_equal(see(t, GW, DC1, 65000, now + 61000000), LAN_FLOW_NEW);
    free(t);
}

static void test_many_pairs(void **state)
{
    (void)state;
    struct lan_flows *t = calloc(1, sizeof(*t));
    long long now = 1;
    /* Far more pairs and flows than the table keeps: each new pair is still
     * recorded (the least recently seen give way). */
    for (uint32_t src = 1; src <= 200; src++)
        for (uint32_t dst = 1; dst <= 100; dst++)
            assert_int_equal(see(t, 0x0a000000u | src, 0x0a000100u | dst, 80, now++), LAN_FLOW_NEW);
    /* The latest are known. */
    assert_int_equal(see(t, 0x0a000000u | 200, 0x0a000100u | 100, 80, now++), LAN_FLOW_SEEN);
    struct tally x = {0};
    assert_int_equal(lan_flows_take_dropped(t, count, &x), 0);
    free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_scan),
                                       cmocka_unit_test(test_many_pairs)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
