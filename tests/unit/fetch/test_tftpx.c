/* Unit tests for src/fetch/tftpx.c: TFTP transfers with fetch = yes, over
 * real UDP sockets on loopback (the fetcher's and a client's). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "fetch/tftpx.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

static int udp_on(uint16_t *port)
{
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t l = sizeof(a);
    assert_true(fd >= 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &l), 0);
    *port = ntohs(a.sin_port);
    struct timeval tv = {.tv_sec = 2};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    return fd;
}

/* The next datagram the client gets: its opcode, block and data length. */
static void expect(int client, unsigned op, unsigned block, size_t len)
{
    uint8_t p[600];
    ssize_t n = recv(client, p, sizeof(p), 0);
    assert_true(n >= 4);
    assert_int_equal(p[1], op);
    if (op == 3) {
        assert_int_equal((unsigned)p[2] << 8 | p[3], block);
        assert_int_equal((size_t)n - 4, len);
    }
}

static int file_of(size_t n)
{
    int fd = memfd_create("t", MFD_CLOEXEC);
    char b[4096];
    memset(b, 'x', sizeof(b));
    assert_true(fd >= 0 && n <= sizeof(b));
    assert_int_equal(write(fd, b, n), (ssize_t)n);
    return fd;
}

static void test_transfer(void **state)
{
    (void)state;
    uint16_t sp, cp;
    int srv = udp_on(&sp), client = udp_on(&cp);
    uint32_t lo = INADDR_LOOPBACK;
    struct fetch_tftpx *x = fetch_tftpx_new();
    assert_int_equal(fetch_tftpx_begin(x, lo, cp), 0);
    assert_int_equal(fetch_tftpx_begin(x, lo, cp), -EEXIST); /* asked again while fetched */
    assert_false(fetch_tftpx_ack(x, srv, lo, (uint16_t)(cp + 1), 1));
    fetch_tftpx_ready(x, srv, lo, cp, file_of(1024), 1024);
    expect(client, 3, 1, 512);
    assert_true(fetch_tftpx_ack(x, srv, lo, cp, 1));
    expect(client, 3, 2, 512);
    assert_true(fetch_tftpx_ack(x, srv, lo, cp, 1)); /* block 2 lost: again */
    expect(client, 3, 2, 512);
    assert_true(fetch_tftpx_ack(x, srv, lo, cp, 2));
    expect(client, 3, 3, 0); /* a multiple of 512 ends with an empty block */
    assert_true(fetch_tftpx_ack(x, srv, lo, cp, 3));
    assert_false(fetch_tftpx_ack(x, srv, lo, cp, 3)); /* done, gone */
    /* nothing fetched: File not found, and gone */
    assert_int_equal(fetch_tftpx_begin(x, lo, cp), 0);
    fetch_tftpx_ready(x, srv, lo, cp, -1, 0);
    expect(client, 5, 0, 0);
    assert_false(fetch_tftpx_ack(x, srv, lo, cp, 1));
    /* at most FETCH_TFTPX_MAX at once; freeing closes what is open */
    for (uint16_t i = 0; i < FETCH_TFTPX_MAX; i++)
        assert_int_equal(fetch_tftpx_begin(x, lo, (uint16_t)(1000 + i)), 0);
    assert_int_equal(fetch_tftpx_begin(x, lo, 999), -EBUSY);
    fetch_tftpx_ready(x, srv, lo, 1000, file_of(10), 10);
    fetch_tftpx_free(x);
    close(srv);
    close(client);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_transfer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
