/* Unit tests for src/lan/packet.c: ARP and IPv4 frames parsed, replies built
 * that parse back, checksums right, malformed frames refused. */
#include "lan/packet.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <string.h>

static const uint8_t GW_MAC[6] = {0x02, 0x42, 0x0a, 0x0d, 0x00, 0x05};
static const uint8_t HOST_MAC[6] = {0x00, 0x14, 0x22, 0x01, 0x02, 0x03};

static size_t arp_request(uint8_t *f)
{
    static const uint8_t hdr[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0x42, 0x0a, 0x0d, 0x00,
                                  0x05, 0x08, 0x06, 0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01,
                                  0x02, 0x42, 0x0a, 0x0d, 0x00, 0x05, 10,   13,   0,    5,    0,
                                  0,    0,    0,    0,    0,    10,   13,   0,    23};
    memcpy(f, hdr, sizeof(hdr));
    return sizeof(hdr);
}

/* An IPv4 frame from 10.13.0.5 to dst with the given transport bytes. */
static size_t ipv4(uint8_t *f, uint8_t proto, uint32_t dst, const uint8_t *l4, size_t n)
{
    memcpy(f, HOST_MAC, 6);
    memcpy(f + 6, GW_MAC, 6);
    f[12] = 0x08;
    f[13] = 0x00;
    uint8_t *h = f + 14;
    memset(h, 0, 20);
    h[0] = 0x45;
    h[2] = (uint8_t)((20 + n) >> 8);
    h[3] = (uint8_t)(20 + n);
    h[8] = 64;
    h[9] = proto;
    h[12] = 10, h[13] = 13, h[14] = 0, h[15] = 5;
    h[16] = (uint8_t)(dst >> 24), h[17] = (uint8_t)(dst >> 16), h[18] = (uint8_t)(dst >> 8);
    h[19] = (uint8_t)dst;
    uint16_t c = lan_pkt_checksum(h, 20);
    h[10] = (uint8_t)(c >> 8), h[11] = (uint8_t)c;
    memcpy(h + 20, l4, n);
    return 34 + n;
}

static void test_arp(void **state)
{
    uint8_t f[64], out[LAN_PKT_ARP_LEN];
    struct lan_pkt p, r;
    (void)state;
    size_t n = arp_request(f);
    assert_int_equal(lan_pkt_parse(f, n, &p), 0);
    assert_int_equal(p.kind, LAN_PKT_ARP_REQUEST);
    assert_int_equal(p.src_ip, 0x0a0d0005u);
    assert_int_equal(p.dst_ip, 0x0a0d0017u);
    lan_pkt_arp_reply(&p, HOST_MAC, out);
    assert_int_equal(lan_pkt_parse(out, sizeof(out), &r), 0);
    assert_int_equal(r.kind, LAN_PKT_ARP_REPLY);
    assert_int_equal(r.src_ip, 0x0a0d0017u); /* sender: the host asked for */
    assert_memory_equal(r.src_mac, HOST_MAC, 6);
    assert_memory_equal(r.dst_mac, GW_MAC, 6);
    assert_int_equal(r.dst_ip, 0x0a0d0005u);
    assert_int_equal(lan_pkt_parse(f, 20, &p), -EINVAL);
}

static void test_tcp_udp(void **state)
{
    uint8_t f[128];
    uint8_t syn[20] = {0xa8, 0x72, 0x00, 0x16, [12] = 0x50, [13] = 0x02};
    uint8_t udp[12] = {0x14, 0xe9, 0x00, 0x35, 0x00, 0x0c};
    struct lan_pkt p;
    (void)state;
    size_t n = ipv4(f, 6, 0x0a0d0017u, syn, sizeof(syn));
    assert_int_equal(lan_pkt_parse(f, n, &p), 0);
    assert_int_equal(p.kind, LAN_PKT_TCP);
    assert_int_equal(p.src_port, 43122);
    assert_int_equal(p.dst_port, 22);
    assert_true(lan_pkt_is_syn(&p));
    assert_true(lan_pkt_is_contact(&p));
    f[34 + 13] = 0x12; /* SYN-ACK: not a first contact */
    assert_int_equal(lan_pkt_parse(f, n, &p), 0);
    assert_false(lan_pkt_is_contact(&p));
    n = ipv4(f, 17, 0x0a0d0017u, udp, sizeof(udp));
    assert_int_equal(lan_pkt_parse(f, n, &p), 0);
    assert_int_equal(p.kind, LAN_PKT_UDP);
    assert_int_equal(p.dst_port, 53);
    assert_true(lan_pkt_is_contact(&p));
    /* Total length beyond the frame. */
    assert_int_equal(lan_pkt_parse(f, n - 1, &p), -EINVAL);
}

/* The transport checksum checks out: the sum over the pseudo-header and
 * the segment is 0 (as a receiver computes it). */
static bool l4_valid(const uint8_t *f, size_t len)
{
    uint8_t buf[12 + 128];
    size_t n = len - 34;
    memcpy(buf, f + 26, 8);
    buf[8] = 0;
    buf[9] = f[23];
    buf[10] = (uint8_t)(n >> 8), buf[11] = (uint8_t)n;
    memcpy(buf + 12, f + 34, n);
    return lan_pkt_checksum(buf, 12 + n) == 0;
}

static void test_fix_checksum(void **state)
{
    uint8_t f[128], a[64];
    /* a SYN as captured on its sender: offload left a partial sum */
    uint8_t syn[20] = {0xa8, 0x72, 0x00, 0x16, [12] = 0x50, [13] = 0x02, [16] = 0x2b, [17] = 0x4e};
    uint8_t udp[12] = {0x14, 0xe9, 0x00, 0x35, 0x00, 0x0c, 0x12, 0x34, 'a', 'b', 'c', 'd'};
    (void)state;
    size_t n = ipv4(f, 6, 0x0a0d0017u, syn, sizeof(syn));
    assert_false(l4_valid(f, n));
    assert_int_equal(lan_pkt_fix_checksum(f, n), 0);
    assert_true(l4_valid(f, n));
    n = ipv4(f, 17, 0x0a0d0017u, udp, sizeof(udp));
    assert_int_equal(lan_pkt_fix_checksum(f, n), 0);
    assert_true(l4_valid(f, n));
    /* fragments, ARP and cut frames are left alone */
    f[20] = 0x20; /* more fragments */
    assert_int_equal(lan_pkt_fix_checksum(f, n), -EINVAL);
    size_t an = arp_request(a);
    assert_int_equal(lan_pkt_fix_checksum(a, an), -EINVAL);
    assert_int_equal(lan_pkt_fix_checksum(f, 30), -EINVAL);
}

static void test_echo(void **state)
{
    uint8_t f[128], out[LAN_PKT_MAX_ECHO];
    uint8_t icmp[16] = {8, 0, 0, 0, 0x12, 0x34, 0x00, 0x01, 'k', 'a', 'r', 'a', 'k', 'u', 'r', 'i'};
    struct lan_pkt p, r;
    (void)state;
    uint16_t c = lan_pkt_checksum(icmp, sizeof(icmp));
    icmp[2] = (uint8_t)(c >> 8), icmp[3] = (uint8_t)c;
    size_t n = ipv4(f, 1, 0x0a0d00ffu, icmp, sizeof(icmp));
    assert_int_equal(lan_pkt_parse(f, n, &p), 0);
    assert_int_equal(p.kind, LAN_PKT_ICMP);
    assert_true(lan_pkt_is_contact(&p));
    size_t m = lan_pkt_echo_reply(&p, HOST_MAC, 0x0a0d0017u, 99, out);
    assert_int_equal(m, n);
    assert_int_equal(lan_pkt_parse(out, m, &r), 0);
    assert_int_equal(r.icmp_type, 0);
    assert_int_equal(r.src_ip, 0x0a0d0017u);
    assert_int_equal(r.dst_ip, 0x0a0d0005u);
    assert_memory_equal(r.dst_mac, GW_MAC, 6);
    assert_int_equal(lan_pkt_checksum(out + 14, 20), 0);
    assert_int_equal(lan_pkt_checksum(out + 34, m - 34), 0);
    assert_memory_equal(out + 38, icmp + 4, sizeof(icmp) - 4); /* id, seq, data */
    /* Only echo requests get a reply. */
    assert_int_equal(lan_pkt_echo_reply(&r, HOST_MAC, 0x0a0d0017u, 1, out), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_arp),
        cmocka_unit_test(test_tcp_udp),
        cmocka_unit_test(test_fix_checksum),
        cmocka_unit_test(test_echo),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
