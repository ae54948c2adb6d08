/* Unit tests for lan_decide (src/lan/decide.c), pinning what the responder
 * did before its decisions moved there: ARP who-has for a planned host gets
 * its MAC, an unplanned address only a connection's retry (not a sweep) and
 * never the gateway or the bridge; a broadcast echo is answered by every
 * planned host within the room; a SYN (or UDP, or a unicast echo) to a
 * planned host asks for a claim and holds the frame; the caps on decoys
 * (per honeynet, in all, chain depth) turn that into one contain.cap_hit;
 * new flows become lan.flow once. */
#include "lan/decide.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BASE 0x0a0d0700u /* 10.13.7.0/24 */
#define GW (BASE | 2)
#define DC (BASE | 23) /* a planned host */
#define NOBODY (BASE | 99)

static const uint8_t SRC_MAC[6] = {0x02, 0x42, 0x0a, 0x0d, 0x07, 0x02};
static const uint8_t BCAST_MAC[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

struct fixture {
    struct lan_decide_net n;
    struct lan_decide_shared s;
    struct lan_decide_out out;
    uint8_t f[256];
    long long now;
};

static int setup(void **state)
{
    struct fixture *x = calloc(1, sizeof(*x));
    struct lan_plan plan;
    snprintf(x->n.name, sizeof(x->n.name), "hn-test");
    snprintf(x->n.gw_name, sizeof(x->n.gw_name), "web01");
    x->n.base = BASE;
    x->n.gw_ip = GW;
    lan_plan_make(x->n.name, BASE, 4, GW, &plan);
    plan.hosts[0].ip = DC;
    for (size_t i = 0; i < plan.count; i++) {
        x->n.hosts[i].h = plan.hosts[i];
        x->n.hosts[i].planned = true;
    }
    x->n.nhosts = plan.count;
    x->s = (struct lan_decide_shared){
        .chain_depth = 3, .decoys_max = 8, .decoys_total = 16, .seed = 1};
    x->now = 10000000;
    *state = x;
    return 0;
}

static int teardown(void **state)
{
    free(*state);
    return 0;
}

static size_t arp(uint8_t *f, uint32_t src, uint32_t target)
{
    memset(f, 0, 42);
    memcpy(f, BCAST_MAC, 6);
    memcpy(f + 6, SRC_MAC, 6);
    f[12] = 0x08, f[13] = 0x06;
    f[14] = 0x00, f[15] = 0x01, f[16] = 0x08, f[17] = 0x00, f[18] = 6, f[19] = 4;
    f[20] = 0x00, f[21] = 0x01;
    memcpy(f + 22, SRC_MAC, 6);
    for (int i = 0; i < 4; i++) {
        f[28 + i] = (uint8_t)(src >> (24 - 8 * i));
        f[38 + i] = (uint8_t)(target >> (24 - 8 * i));
    }
    return 42;
}

/* An IPv4 frame src > dst carrying l4 (n bytes) of protocol proto. */
static size_t ipv4(uint8_t *f, uint32_t src, uint32_t dst, uint8_t proto, const uint8_t *l4,
                   size_t n)
{
    memcpy(f, (dst & 0xff) == 0xff ? BCAST_MAC : (const uint8_t[6]){0x00, 0x14, 0x22, 1, 2, 3}, 6);
    memcpy(f + 6, SRC_MAC, 6);
    f[12] = 0x08, f[13] = 0x00;
    uint8_t *h = f + 14;
    memset(h, 0, 20);
    h[0] = 0x45;
    h[2] = (uint8_t)((20 + n) >> 8), h[3] = (uint8_t)(20 + n);
    h[8] = 64;
    h[9] = proto;
    for (int i = 0; i < 4; i++) {
        h[12 + i] = (uint8_t)(src >> (24 - 8 * i));
        h[16 + i] = (uint8_t)(dst >> (24 - 8 * i));
    }
    uint16_t c = lan_pkt_checksum(h, 20);
    h[10] = (uint8_t)(c >> 8), h[11] = (uint8_t)c;
    memcpy(h + 20, l4, n);
    return 34 + n;
}

static size_t syn(uint8_t *f, uint32_t src, uint32_t dst, uint16_t port)
{
    uint8_t t[20] = {0xa8, 0x72, (uint8_t)(port >> 8), (uint8_t)port, [12] = 0x50, [13] = 0x02};
    return ipv4(f, src, dst, 6, t, sizeof(t));
}

static size_t echo(uint8_t *f, uint32_t src, uint32_t dst)
{
    uint8_t m[16] = {8, 0, 0, 0, 0x12, 0x34, 0, 1, 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'};
    uint16_t c = lan_pkt_checksum(m, sizeof(m));
    m[2] = (uint8_t)(c >> 8), m[3] = (uint8_t)c;
    return ipv4(f, src, dst, 1, m, sizeof(m));
}

static void decide(struct fixture *x, size_t len, long long dt_us, size_t room)
{
    x->now += dt_us;
    lan_decide_frame(&x->n, &x->s, x->f, len, x->now, room, &x->out);
}

static size_t count(const struct fixture *x, enum lan_action_kind k)
{
    size_t c = 0;
    for (size_t i = 0; i < x->out.n; i++)
        c += x->out.a[i].kind == k;
    return c;
}

static const struct lan_action *find(const struct fixture *x, enum lan_action_kind k)
{
    for (size_t i = 0; i < x->out.n; i++)
        if (x->out.a[i].kind == k)
            return &x->out.a[i];
    return NULL;
}

static void test_arp_planned(void **state)
{
    struct fixture *x = *state;
    struct lan_pkt r;
    decide(x, arp(x->f, GW, DC), 0, 512);
    const struct lan_action *a = find(x, LAN_ACT_ARP_REPLY);
    assert_non_null(a);
    assert_int_equal(a->src_ip, GW);
    assert_int_equal(a->dst_ip, DC);
    assert_int_equal(lan_pkt_parse(a->frame, a->len, &r), 0);
    assert_int_equal(r.kind, LAN_PKT_ARP_REPLY);
    assert_int_equal(r.src_ip, DC);
    assert_memory_equal(r.src_mac, x->n.hosts[0].h.mac, 6);
    assert_memory_equal(r.dst_mac, SRC_MAC, 6);
    /* A planned host asked for: the pool is told once per burst. */
    assert_int_equal(count(x, LAN_ACT_POOL_DEMAND), 1);
    assert_int_equal(x->n.hot_us, x->now);
    decide(x, arp(x->f, GW, x->n.hosts[1].h.ip), 1000, 512);
    assert_int_equal(count(x, LAN_ACT_ARP_REPLY), 1);
    assert_int_equal(count(x, LAN_ACT_POOL_DEMAND), 0);
    decide(x, arp(x->f, GW, DC), 100000, 512);
    assert_int_equal(count(x, LAN_ACT_POOL_DEMAND), 1);
    /* Nothing is decided for a host that answers for itself. */
    x->n.hosts[0].st = LAN_DECIDE_LIVE;
    decide(x, arp(x->f, GW, DC), 1000, 512);
    assert_int_equal(x->out.n, 0);
}

static void test_arp_never(void **state)
{
    struct fixture *x = *state;
    const uint32_t never[] = {GW, BASE | 1, BASE | 0, BASE | 255, 0x0a0d0817u};
    for (size_t i = 0; i < sizeof(never) / sizeof(never[0]); i++) {
        decide(x, arp(x->f, BASE | 50, never[i]), 0, 512);
        assert_int_equal(x->out.n, 0);
        decide(x, arp(x->f, BASE | 50, never[i]), 1000000, 512);
        assert_int_equal(x->out.n, 0);
    }
    /* Asking for oneself (gratuitous ARP). */
    decide(x, arp(x->f, DC, DC), 0, 512);
    assert_int_equal(x->out.n, 0);
}

static void test_arp_unplanned(void **state)
{
    struct fixture *x = *state;
    size_t planned = x->n.nhosts;
    decide(x, arp(x->f, GW, NOBODY), 0, 512);
    assert_int_equal(x->out.n, 0);
    /* The kernel's retry within half a second is still not a connection. */
    decide(x, arp(x->f, GW, NOBODY), 400000, 512);
    assert_int_equal(x->out.n, 0);
    /* A second later: answered, and the address adopted as a host. */
    decide(x, arp(x->f, GW, NOBODY), 600000, 512);
    assert_int_equal(count(x, LAN_ACT_ARP_REPLY), 1);
    assert_int_equal(count(x, LAN_ACT_POOL_DEMAND), 0); /* not planned: no growth */
    assert_int_equal(x->n.nhosts, planned + 1);
    struct lan_decide_host *h = lan_decide_host_find(&x->n, NOBODY);
    assert_non_null(h);
    assert_false(h->planned);
    assert_int_equal(h->st, LAN_DECIDE_EMPTY);
    struct lan_pkt r;
    assert_int_equal(lan_pkt_parse(x->out.a[0].frame, x->out.a[0].len, &r), 0);
    assert_memory_equal(r.src_mac, h->h.mac, 6);
}

static void test_arp_sweep(void **state)
{
    struct fixture *x = *state;
    /* A sweep of unplanned addresses, retried: never answered. */
    for (int round = 0; round < 2; round++)
        for (uint32_t t = 100; t < 110; t++) {
            decide(x, arp(x->f, GW, BASE | t), round ? 60000 : 1000, 512);
            assert_int_equal(x->out.n, 0);
        }
    assert_null(lan_decide_host_find(&x->n, BASE | 100));
}

static void test_broadcast_echo(void **state)
{
    struct fixture *x = *state;
    decide(x, echo(x->f, GW, BASE | 255), 0, 512);
    assert_int_equal(count(x, LAN_ACT_ECHO), x->n.nhosts);
    const struct lan_action *ev = find(x, LAN_ACT_ICMP);
    assert_non_null(ev);
    assert_int_equal(ev->count, x->n.nhosts);
    assert_int_equal(ev->src_ip, GW);
    assert_int_equal(ev->dst_ip, BASE | 255);
    assert_int_equal(count(x, LAN_ACT_POOL_DEMAND), 1);
    for (size_t i = 0; i < x->n.nhosts; i++) {
        const struct lan_action *a = &x->out.a[i];
        struct lan_pkt r;
        assert_int_equal(a->kind, LAN_ACT_ECHO);
        assert_int_equal(lan_pkt_parse(a->frame, a->len, &r), 0);
        assert_int_equal(r.src_ip, x->n.hosts[i].h.ip);
        assert_int_equal(r.dst_ip, GW);
        assert_memory_equal(r.src_mac, x->n.hosts[i].h.mac, 6);
        assert_int_equal(r.icmp_type, 0); /* echo reply */
        assert_in_range(a->due_us, x->now + 200, x->now + 1999);
    }
    /* Within the room left for echo replies. */
    decide(x, echo(x->f, GW, BASE | 255), 1000000, 2);
    assert_int_equal(count(x, LAN_ACT_ECHO), 2);
    assert_int_equal(find(x, LAN_ACT_ICMP)->count, 2);
    decide(x, echo(x->f, GW, BASE | 255), 1000000, 0);
    assert_int_equal(find(x, LAN_ACT_ICMP)->count, 0);
    assert_int_equal(count(x, LAN_ACT_POOL_DEMAND), 0);
    /* Not from the LAN: nothing. */
    decide(x, echo(x->f, 0x0a0d0802u, BASE | 255), 1000000, 512);
    assert_int_equal(x->out.n, 0);
}

static void test_syn_claims(void **state)
{
    struct fixture *x = *state;
    decide(x, syn(x->f, GW, DC, 22), 0, 512);
    /* In order: the flow, the pool, the frame held, the claimer woken. */
    assert_int_equal(x->out.n, 4);
    const struct lan_action *a = &x->out.a[0];
    assert_int_equal(a->kind, LAN_ACT_FLOW);
    assert_int_equal(a->src_ip, GW);
    assert_int_equal(a->dst_ip, DC);
    assert_int_equal(a->dst_port, 22);
    assert_int_equal(a->src_port, 0xa872);
    assert_int_equal(a->proto, 6);
    assert_string_equal(a->src_host, "web01");
    assert_string_equal(a->dst_host, x->n.hosts[0].h.hostname);
    assert_int_equal(x->out.a[1].kind, LAN_ACT_POOL_DEMAND);
    assert_int_equal(x->out.a[2].kind, LAN_ACT_HOLD);
    assert_int_equal(x->out.a[2].host, 0);
    assert_int_equal(x->out.a[3].kind, LAN_ACT_CLAIM);
    struct lan_decide_host *h = &x->n.hosts[0];
    assert_int_equal(h->st, LAN_DECIDE_PENDING);
    assert_int_equal(h->depth, 1);
    assert_int_equal(h->trigger_src, GW);
    assert_int_equal(h->contact_us, x->now);
    assert_string_equal(h->trigger, "tcp syn 10.13.7.2:43122 > 10.13.7.23:22");
    assert_int_equal(x->n.live, 1);
    assert_int_equal(x->s.live_total, 1);
    /* The retry: the same flow, held again, no second decoy. */
    h->nheld = 1; /* what the responder kept */
    decide(x, syn(x->f, GW, DC, 22), 1000000, 512);
    assert_int_equal(x->out.n, 2);
    assert_int_equal(x->out.a[0].kind, LAN_ACT_HOLD);
    assert_int_equal(x->out.a[1].kind, LAN_ACT_CLAIM);
    assert_int_equal(x->n.live, 1);
    /* At most LAN_DECIDE_MAX_HELD frames are held. */
    h->nheld = LAN_DECIDE_MAX_HELD;
    decide(x, syn(x->f, GW, DC, 22), 1000000, 512);
    assert_int_equal(x->out.n, 1);
    assert_int_equal(x->out.a[0].kind, LAN_ACT_CLAIM);
    /* Live: its own kernel answers; frames only mark it used. */
    h->st = LAN_DECIDE_LIVE;
    decide(x, syn(x->f, GW, DC, 445), 1000000, 512);
    assert_int_equal(x->out.n, 1);
    assert_int_equal(x->out.a[0].kind, LAN_ACT_FLOW);
    assert_int_equal(h->last_us, x->now);
    /* Its reply (SYN-ACK) is no contact, but it counts as use. */
    uint8_t sa[20] = {0x00, 0x16, 0xa8, 0x72, [12] = 0x50, [13] = 0x12};
    decide(x, ipv4(x->f, DC, GW, 6, sa, sizeof(sa)), 1000000, 512);
    assert_int_equal(x->out.n, 0);
    assert_int_equal(h->last_us, x->now);
}

static void test_other_contacts(void **state)
{
    struct fixture *x = *state;
    /* A unicast echo to a planned host claims it (the decoy answers it on
     * replay); UDP does too. */
    decide(x, echo(x->f, GW, DC), 0, 512);
    assert_int_equal(count(x, LAN_ACT_CLAIM), 1);
    assert_int_equal(find(x, LAN_ACT_FLOW)->proto, 1);
    assert_int_equal(find(x, LAN_ACT_FLOW)->dst_port, 0);
    assert_int_equal(find(x, LAN_ACT_HOLD)->proto, 1);
    assert_string_equal(x->n.hosts[0].trigger, "icmp echo 10.13.7.2 > 10.13.7.23");
    uint8_t u[12] = {0x14, 0xe9, 0x00, 0x35, 0x00, 0x0c};
    uint32_t other = x->n.hosts[1].h.ip;
    decide(x, ipv4(x->f, GW, other, 17, u, sizeof(u)), 1000, 512);
    assert_int_equal(count(x, LAN_ACT_CLAIM), 1);
    assert_int_equal(find(x, LAN_ACT_FLOW)->proto, 17);
    assert_int_equal(x->n.live, 2);
    /* An unplanned address is never claimed by a SYN alone. */
    decide(x, syn(x->f, GW, NOBODY, 22), 1000, 512);
    assert_int_equal(x->out.n, 1);
    assert_int_equal(x->out.a[0].kind, LAN_ACT_FLOW);
    assert_null(x->out.a[0].dst_host);
    /* Off the LAN: nothing. */
    decide(x, syn(x->f, GW, 0xcb007101u, 80), 1000, 512);
    assert_int_equal(x->out.n, 0);
    decide(x, syn(x->f, 0xc6336405u, DC, 22), 1000, 512);
    assert_int_equal(x->out.n, 0);
}

static void test_cap_decoys_max(void **state)
{
    struct fixture *x = *state;
    x->s.decoys_max = 1;
    decide(x, syn(x->f, GW, DC, 22), 0, 512);
    assert_int_equal(count(x, LAN_ACT_CLAIM), 1);
    uint32_t other = x->n.hosts[1].h.ip;
    decide(x, syn(x->f, GW, other, 22), 1000, 512);
    assert_int_equal(count(x, LAN_ACT_CLAIM), 0);
    assert_int_equal(count(x, LAN_ACT_HOLD), 0);
    const struct lan_action *a = find(x, LAN_ACT_CAP_HIT);
    assert_non_null(a);
    assert_string_equal(a->cap, "decoys_max");
    assert_int_equal(a->value, 1);
    assert_int_equal(a->dst_ip, other);
    assert_int_equal(a->src_ip, GW);
    assert_int_equal(x->n.hosts[1].st, LAN_DECIDE_EMPTY);
    /* Told once per host. */
    decide(x, syn(x->f, GW, other, 22), 1000000, 512);
    assert_int_equal(x->out.n, 0);
    /* A capped host behaves like an empty address: no ARP reply, no echo. */
    decide(x, arp(x->f, GW, other), 1000, 512);
    assert_int_equal(count(x, LAN_ACT_ARP_REPLY), 0);
    decide(x, echo(x->f, GW, BASE | 255), 1000, 512);
    assert_int_equal(find(x, LAN_ACT_ICMP)->count, 1); /* the one pending */
}

static void test_cap_total_and_depth(void **state)
{
    struct fixture *x = *state;
    x->s.decoys_total = 3;
    x->s.live_total = 3; /* other honeynets' */
    decide(x, syn(x->f, GW, DC, 22), 0, 512);
    assert_string_equal(find(x, LAN_ACT_CAP_HIT)->cap, "decoys_total");
    assert_int_equal(find(x, LAN_ACT_CAP_HIT)->value, 3);
    x->s.live_total = 0;
    x->n.hosts[0].cap_reported = false;
    x->s.chain_depth = 1;
    decide(x, syn(x->f, GW, DC, 22), 1000, 512);
    assert_int_equal(count(x, LAN_ACT_CLAIM), 1);
    x->n.hosts[0].st = LAN_DECIDE_LIVE;
    /* From the decoy (depth 1) one hop further: past chain_depth 1. */
    uint32_t other = x->n.hosts[1].h.ip;
    decide(x, syn(x->f, DC, other, 22), 1000, 512);
    const struct lan_action *a = find(x, LAN_ACT_CAP_HIT);
    assert_non_null(a);
    assert_string_equal(a->cap, "chain_depth");
    assert_int_equal(a->value, 1);
    assert_int_equal(a->src_ip, DC);
    /* With room for two hops, the second decoy is at depth 2. */
    x->s.chain_depth = 2;
    uint32_t third = x->n.hosts[2].h.ip;
    decide(x, syn(x->f, DC, third, 22), 1000, 512);
    assert_int_equal(count(x, LAN_ACT_CLAIM), 1);
    assert_int_equal(x->n.hosts[2].depth, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_arp_planned, setup, teardown),
        cmocka_unit_test_setup_teardown(test_arp_never, setup, teardown),
        cmocka_unit_test_setup_teardown(test_arp_unplanned, setup, teardown),
        cmocka_unit_test_setup_teardown(test_arp_sweep, setup, teardown),
        cmocka_unit_test_setup_teardown(test_broadcast_echo, setup, teardown),
        cmocka_unit_test_setup_teardown(test_syn_claims, setup, teardown),
        cmocka_unit_test_setup_teardown(test_other_contacts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cap_decoys_max, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cap_total_and_depth, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
