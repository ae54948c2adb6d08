/* Unit tests for src/common/netsrv.c over loopback: datagrams from the pool
 * reach the module and its answer goes back, others are dropped; a
 * connection from the pool reaches the module's accept with its original
 * destination, one from elsewhere is closed unseen; a port in use is an
 * error. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "common/netsrv.h"

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static atomic_int datagrams, accepted, seen_port;

/* As the modules do with a connection to the server's own port (not
 * redirected: conntrack gives the original destination of any connection,
 * NATed or not): refused. */
static int on_accept(void *ud, struct netsrv_conn *c)
{
    (void)ud;
    accepted++;
    seen_port = c->dst_port;
    return -EPERM;
}

static int on_input(void *ud, struct netsrv_conn *c)
{
    (void)ud;
    (void)c;
    return 1;
}

static void on_closed(void *ud, struct netsrv_conn *c)
{
    (void)ud;
    (void)c;
}

static void on_datagram(void *ud, int fd, const uint8_t *p, size_t n,
                        const struct sockaddr_in *from)
{
    (void)ud;
    datagrams++;
    (void)sendto(fd, p, n, 0, (const struct sockaddr *)from, sizeof(*from));
}

static const struct netsrv_ops OPS = {on_accept, on_input, on_closed, on_datagram};

/* A free port on loopback (bound once, then closed). */
static uint16_t free_port(void)
{
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t l = sizeof(a);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &l), 0);
    close(fd);
    return ntohs(a.sin_port);
}

static int readable(int fd, int ms)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    return poll(&p, 1, ms);
}

static void run(uint32_t pool, bool answered)
{
    uint16_t port = free_port();
    struct netsrv_options o = {.name = "test",
                               .port = port,
                               .pool_net = pool,
                               .pool_prefix = 8,
                               .conn_max = 4,
                               .per_source = 2,
                               .conn_ms = 1000};
    struct netsrv *s = NULL;
    char err[128];
    datagrams = accepted = 0;
    assert_int_equal(netsrv_start(&o, &OPS, NULL, &s, err, sizeof(err)), 0);

    int u = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in to = {
        .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(sendto(u, "ping", 4, 0, (struct sockaddr *)&to, sizeof(to)), 4);
    char back[8];
    if (answered) {
        assert_int_equal(readable(u, 2000), 1);
        assert_int_equal(recv(u, back, sizeof(back), 0), 4);
        assert_memory_equal(back, "ping", 4);
    } else {
        assert_int_equal(readable(u, 300), 0);
    }
    close(u);

    /* Straight to the port: refused by the module, or (not from the pool)
     * closed unseen. */
    int t = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_int_equal(connect(t, (struct sockaddr *)&to, sizeof(to)), 0);
    assert_int_equal(readable(t, 2000), 1);
    assert_true(recv(t, back, sizeof(back), 0) <= 0);
    close(t);
    /* Without connection tracking loaded there is no original
     * destination at all, and the module sees nothing either. */
    assert_true(accepted <= (answered ? 1 : 0));
    if (accepted)
        assert_int_equal(seen_port, port);
    assert_int_equal(datagrams, answered ? 1 : 0);

    /* The port is taken now. */
    struct netsrv *again = NULL;
    assert_int_equal(netsrv_start(&o, &OPS, NULL, &again, err, sizeof(err)), -EADDRINUSE);
    assert_non_null(strstr(err, "port"));
    netsrv_stop(s);
    netsrv_stop(NULL);
}

static void test_from_pool(void **state)
{
    (void)state;
    run(0x7f000000u, true);
}

static void test_not_from_pool(void **state)
{
    (void)state;
    run(0x0a0d0000u, false);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_from_pool),
        cmocka_unit_test(test_not_from_pool),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
