/* Unit tests for src/sensor/packet.c: IPv4 / IPv6 TCP and UDP headers as
 * NFQUEUE hands them, and what must be refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "sensor/packet.h"

#include <errno.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>

static size_t v4(uint8_t *b, uint8_t proto, const uint8_t *l4, size_t l4len)
{
    memset(b, 0, 20);
    b[0] = 0x45;
    b[2] = (uint8_t)((20 + l4len) >> 8);
    b[3] = (uint8_t)(20 + l4len);
    b[8] = 64;
    b[9] = proto;
    const uint8_t src[4] = {198, 51, 100, 20}, dst[4] = {198, 51, 100, 10};
    memcpy(b + 12, src, 4);
    memcpy(b + 16, dst, 4);
    memcpy(b + 20, l4, l4len);
    return 20 + l4len;
}

static size_t v6(uint8_t *b, uint8_t nh, const uint8_t *rest, size_t len)
{
    memset(b, 0, 40);
    b[0] = 0x60;
    b[4] = (uint8_t)(len >> 8);
    b[5] = (uint8_t)len;
    b[6] = nh;
    b[7] = 64;
    b[23] = 1;
    b[39] = 2;
    memcpy(b + 40, rest, len);
    return 40 + len;
}

static const uint8_t SYN[20] = {0x9c, 0x40, 0x11, 0x5c, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, TH_SYN};
static const uint8_t UDP[13] = {0x9c, 0x40, 0x15, 0xb3, 0, 13, 0, 0, 'h', 'e', 'l', 'l', 'o'};

static void test_v4_syn(void **state)
{
    (void)state;
    uint8_t b[128];
    struct sensor_pkt p;
    char a[46];
    size_t n = v4(b, 6, SYN, sizeof(SYN));
    assert_int_equal(sensor_packet_parse(b, n, &p), 0);
    assert_int_equal(p.family, AF_INET);
    assert_int_equal(p.proto, SENSOR_PROTO_TCP);
    assert_int_equal(p.src_port, 40000);
    assert_int_equal(p.dst_port, 4444);
    assert_true(sensor_packet_is_syn(&p));
    sensor_packet_addr(&p, false, a);
    assert_string_equal(a, "198.51.100.20");
    sensor_packet_addr(&p, true, a);
    assert_string_equal(a, "198.51.100.10");
    assert_string_equal(sensor_proto_name(p.proto), "tcp");
    /* SYN-ACK is no probe. */
    b[20 + 13] = TH_SYN | TH_ACK;
    assert_int_equal(sensor_packet_parse(b, n, &p), 0);
    assert_false(sensor_packet_is_syn(&p));
}

static void test_v4_udp(void **state)
{
    (void)state;
    uint8_t b[128];
    struct sensor_pkt p;
    size_t n = v4(b, 17, UDP, sizeof(UDP));
    assert_int_equal(sensor_packet_parse(b, n, &p), 0);
    assert_int_equal(p.proto, SENSOR_PROTO_UDP);
    assert_int_equal(p.dst_port, 5555);
    assert_int_equal(p.payload_len, 5);
    assert_false(sensor_packet_is_syn(&p));
    /* Bytes past the IP total length are not the packet's. */
    b[n] = 'x';
    assert_int_equal(sensor_packet_parse(b, n + 1, &p), 0);
    assert_int_equal(p.payload_len, 5);
}

static void test_v4_bad(void **state)
{
    (void)state;
    uint8_t b[128];
    struct sensor_pkt p = {.dst_port = 7};
    size_t n = v4(b, 6, SYN, sizeof(SYN));
    for (size_t cut = 0; cut < n; cut++)
        assert_int_equal(sensor_packet_parse(b, cut, &p), -EINVAL);
    assert_int_equal(p.dst_port, 7);
    b[0] = 0x44; /* IHL 16 bytes */
    assert_int_equal(sensor_packet_parse(b, n, &p), -EINVAL);
    b[0] = 0x4f; /* IHL 60 > len */
    assert_int_equal(sensor_packet_parse(b, n, &p), -EINVAL);
    b[0] = 0x45;
    b[2] = 0;
    b[3] = 10; /* total length under the header */
    assert_int_equal(sensor_packet_parse(b, n, &p), -EINVAL);
    n = v4(b, 6, SYN, sizeof(SYN));
    b[20 + 12] = 0xf0; /* data offset 60 past the end */
    assert_int_equal(sensor_packet_parse(b, n, &p), -EINVAL);
    n = v4(b, 6, SYN, sizeof(SYN));
    b[7] = 5; /* a later fragment */
    assert_int_equal(sensor_packet_parse(b, n, &p), -ENOTSUP);
    n = v4(b, 1, SYN, 8);
    assert_int_equal(sensor_packet_parse(b, n, &p), -ENOTSUP);
    b[0] = 0x55;
    assert_int_equal(sensor_packet_parse(b, n, &p), -EINVAL);
    assert_int_equal(sensor_packet_parse(NULL, 0, &p), -EINVAL);
    n = v4(b, 17, UDP, sizeof(UDP));
    b[20 + 5] = 4; /* UDP length under its header */
    assert_int_equal(sensor_packet_parse(b, n, &p), -EINVAL);
}

static void test_v6(void **state)
{
    (void)state;
    uint8_t b[256], rest[128];
    struct sensor_pkt p;
    char a[46];
    size_t n = v6(b, 6, SYN, sizeof(SYN));
    assert_int_equal(sensor_packet_parse(b, n, &p), 0);
    assert_int_equal(p.family, AF_INET6);
    assert_int_equal(p.dst_port, 4444);
    sensor_packet_addr(&p, true, a);
    assert_string_equal(a, "::2");
    /* hop-by-hop, then a first fragment, then UDP */
    const uint8_t hbh[8] = {44, 0, 1, 4, 0, 0, 0, 0}, frag[8] = {17, 0, 0, 0, 0, 0, 0, 1};
    memcpy(rest, hbh, 8);
    memcpy(rest + 8, frag, 8);
    memcpy(rest + 16, UDP, sizeof(UDP));
    n = v6(b, 0, rest, 16 + sizeof(UDP));
    assert_int_equal(sensor_packet_parse(b, n, &p), 0);
    assert_int_equal(p.proto, SENSOR_PROTO_UDP);
    assert_int_equal(p.payload_len, 5);
    /* a later fragment */
    b[40 + 8 + 3] = 8;
    assert_int_equal(sensor_packet_parse(b, n, &p), -ENOTSUP);
    /* an extension header longer than the packet */
    b[40 + 1] = 200;
    assert_int_equal(sensor_packet_parse(b, n, &p), -EINVAL);
    /* more extension headers than are walked */
    uint8_t many[8 * (SENSOR_PKT_MAX_EXT + 1)];
    for (size_t i = 0; i < sizeof(many); i += 8) {
        memset(many + i, 0, 8);
        many[i] = 60;
    }
    n = v6(b, 60, many, sizeof(many));
    assert_int_equal(sensor_packet_parse(b, n, &p), -ENOTSUP);
    n = v6(b, 6, SYN, sizeof(SYN));
    assert_int_equal(sensor_packet_parse(b, 39, &p), -EINVAL);
    assert_int_equal(sensor_packet_parse(b, n - 1, &p), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_v4_syn),
        cmocka_unit_test(test_v4_udp),
        cmocka_unit_test(test_v4_bad),
        cmocka_unit_test(test_v6),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
