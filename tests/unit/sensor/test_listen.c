/* Unit tests for src/sensor/listen.c: the reply's escapes, and real
 * listeners on the loopback: a TCP connection answered and its payload
 * reported, a UDP reply never larger than the request and rate limited,
 * deadlines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "sensor/listen.h"
#include "sensor/packet.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

static const uint8_t LOOP[16] = {127, 0, 0, 1};

struct seen {
    unsigned n;
    uint8_t proto;
    uint8_t data[256];
    size_t len;
    uint16_t dst_port;
    bool truncated;
};

static void on_payload(void *ud, const struct sensor_payload *pl)
{
    struct seen *s = ud;
    s->n++;
    s->proto = pl->proto;
    s->len = pl->len < sizeof(s->data) ? pl->len : sizeof(s->data);
    memcpy(s->data, pl->data, s->len);
    s->dst_port = pl->dst_port;
    s->truncated = pl->truncated;
}

/* A port free on the loopback for type, just now. */
static uint16_t free_port(int type)
{
    int fd = socket(AF_INET, type, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t l = sizeof(a);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &l), 0);
    close(fd);
    return ntohs(a.sin_port);
}

static void pump(int ep, struct sensor_listeners *l, int ms)
{
    struct epoll_event evs[16];
    int n = epoll_wait(ep, evs, 16, ms);
    for (int i = 0; i < n; i++)
        sensor_listen_ready(l, evs[i].data.ptr, evs[i].events, 0);
}

static int client(int type, uint16_t port)
{
    int fd = socket(AF_INET, type, 0);
    struct sockaddr_in a = {
        .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    return fd;
}

static void test_tcp(void **state)
{
    (void)state;
    struct seen s = {0};
    int ep = epoll_create1(0);
    struct sensor_listeners *l;
    struct sensor_listen_opts o = {(const uint8_t *)"HELLO\r\n", 7, 0, on_payload, &s};
    assert_int_equal(sensor_listen_new(ep, &o, &l), 0);
    uint16_t port = free_port(SOCK_STREAM);
    assert_int_equal(sensor_listen_open(l, AF_INET, SENSOR_PROTO_TCP, LOOP, port, 0), 0);
    assert_int_equal(sensor_listen_open(l, AF_INET, SENSOR_PROTO_TCP, LOOP, port, 0), -EEXIST);
    assert_true(sensor_listen_has(l, AF_INET, SENSOR_PROTO_TCP, LOOP, port));
    int c = client(SOCK_STREAM, port);
    assert_int_equal(write(c, "abc", 3), 3);
    shutdown(c, SHUT_WR);
    for (int i = 0; i < 20 && s.n == 0; i++)
        pump(ep, l, 100);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.proto, SENSOR_PROTO_TCP);
    assert_int_equal(s.len, 3);
    assert_memory_equal(s.data, "abc", 3);
    assert_int_equal(s.dst_port, port);
    char buf[32];
    assert_int_equal(read(c, buf, sizeof(buf)), 7);
    assert_memory_equal(buf, "HELLO\r\n", 7);
    close(c);
    assert_int_equal(sensor_listen_connections(l), 0);
    /* A silent peer is ended at its deadline, reported empty. */
    c = client(SOCK_STREAM, port);
    pump(ep, l, 200);
    assert_int_equal(sensor_listen_connections(l), 1);
    sensor_listen_tick(l, SENSOR_READ_MS);
    assert_int_equal(sensor_listen_connections(l), 0);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.len, 0);
    close(c);
    assert_int_equal(sensor_listen_close_port(l, SENSOR_PROTO_TCP, port), 1);
    assert_false(sensor_listen_has(l, AF_INET, SENSOR_PROTO_TCP, LOOP, port));
    sensor_listen_free(l);
    close(ep);
}

static void test_udp(void **state)
{
    (void)state;
    struct seen s = {0};
    int ep = epoll_create1(0);
    struct sensor_listeners *l;
    struct sensor_listen_opts o = {(const uint8_t *)"HELLO", 5, 0, on_payload, &s};
    assert_int_equal(sensor_listen_new(ep, &o, &l), 0);
    uint16_t port = free_port(SOCK_DGRAM);
    assert_int_equal(sensor_listen_open(l, AF_INET, SENSOR_PROTO_UDP, LOOP, port, 0), 0);
    int c = client(SOCK_DGRAM, port);
    assert_int_equal(write(c, "ab", 2), 2);
    for (int i = 0; i < 20 && s.n == 0; i++)
        pump(ep, l, 100);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.proto, SENSOR_PROTO_UDP);
    assert_memory_equal(s.data, "ab", 2);
    char buf[32];
    /* Never larger than the request. */
    assert_int_equal(recv(c, buf, sizeof(buf), 0), 2);
    assert_memory_equal(buf, "HE", 2);
    /* At most SENSOR_UDP_REPLIES a second to one source (all in second 0
     * here: pump's now is 0). */
    for (int i = 0; i < 10; i++)
        assert_int_equal(write(c, "abcdefgh", 8), 8);
    for (int i = 0; i < 20 && s.n < 11; i++)
        pump(ep, l, 100);
    assert_int_equal(s.n, 11);
    int got = 0;
    while (recv(c, buf, sizeof(buf), MSG_DONTWAIT) == 5)
        got++;
    assert_int_equal(got, SENSOR_UDP_REPLIES - 1);
    close(c);
    sensor_listen_free(l);
    close(ep);
}

static void test_unescape(void **state)
{
    (void)state;
    uint8_t out[16];
    size_t n = 99;
    assert_int_equal(sensor_reply_unescape("", out, sizeof(out), &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(sensor_reply_unescape("a\\r\\n\\x41\\\\\\0", out, sizeof(out), &n), 0);
    assert_int_equal(n, 6);
    assert_memory_equal(out, "a\r\nA\\\0", 6);
    assert_int_equal(sensor_reply_unescape("\\q", out, sizeof(out), &n), -EINVAL);
    assert_int_equal(sensor_reply_unescape("\\x4", out, sizeof(out), &n), -EINVAL);
    assert_int_equal(sensor_reply_unescape("\\", out, sizeof(out), &n), -EINVAL);
    assert_int_equal(sensor_reply_unescape("12345", out, 4, &n), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tcp),
        cmocka_unit_test(test_udp),
        cmocka_unit_test(test_unescape),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
