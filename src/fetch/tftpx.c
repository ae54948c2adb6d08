/* fetch tftpx: see tftpx.h. */
#include "fetch/tftpx.h"

#include "common/util.h"
#include "common/xalloc.h"
#include "fetch/tftp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define BLOCK 512

struct xfer {
    bool used, ready;
    uint32_t peer;
    uint16_t port;
    int fd;
    long long size;
    unsigned block; /* the block last sent, 0 before the first */
    long long last_ms;
};

struct fetch_tftpx {
    pthread_mutex_t mu;
    struct xfer x[FETCH_TFTPX_MAX];
};

static long long now_ms(void)
{
    return util_mono_us() / 1000;
}

struct fetch_tftpx *fetch_tftpx_new(void)
{
    struct fetch_tftpx *x = xcalloc(1, sizeof(*x));
    pthread_mutex_init(&x->mu, NULL);
    return x;
}

static void drop(struct xfer *t)
{
    if (t->fd >= 0)
        close(t->fd);
    *t = (struct xfer){.fd = -1};
}

void fetch_tftpx_free(struct fetch_tftpx *x)
{
    if (!x)
        return;
    for (int i = 0; i < FETCH_TFTPX_MAX; i++)
        if (x->x[i].used)
            drop(&x->x[i]);
    pthread_mutex_destroy(&x->mu);
    free(x);
}

/* peer:port's transfer, under mu; the quiet ones are dropped on the way. */
static struct xfer *find(struct fetch_tftpx *x, uint32_t peer, uint16_t port)
{
    long long now = now_ms();
    struct xfer *found = NULL;
    for (int i = 0; i < FETCH_TFTPX_MAX; i++) {
        struct xfer *t = &x->x[i];
        if (!t->used)
            continue;
        if (t->ready && now - t->last_ms > FETCH_TFTPX_IDLE_MS)
            drop(t);
        else if (t->peer == peer && t->port == port)
            found = t;
    }
    return found;
}

int fetch_tftpx_begin(struct fetch_tftpx *x, uint32_t peer, uint16_t port)
{
    int rc = -EBUSY;
    pthread_mutex_lock(&x->mu);
    if (find(x, peer, port)) {
        rc = -EEXIST;
    } else {
        for (int i = 0; i < FETCH_TFTPX_MAX && rc == -EBUSY; i++)
            if (!x->x[i].used) {
                x->x[i] = (struct xfer){
                    .used = true, .peer = peer, .port = port, .fd = -1, .last_ms = now_ms()};
                rc = 0;
            }
    }
    pthread_mutex_unlock(&x->mu);
    return rc;
}

/* Sends block n of t (under mu); the transfer is over when it is short. */
static void send_block(int udp, struct xfer *t, unsigned n)
{
    uint8_t p[4 + BLOCK];
    struct sockaddr_in to = {
        .sin_family = AF_INET, .sin_port = htons(t->port), .sin_addr.s_addr = htonl(t->peer)};
    long long off = (long long)(n - 1) * BLOCK;
    long long left = t->size - off;
    size_t len = left > BLOCK ? BLOCK : left > 0 ? (size_t)left : 0;
    p[0] = 0;
    p[1] = 3; /* DATA */
    p[2] = (uint8_t)(n >> 8);
    p[3] = (uint8_t)n;
    if (len && pread(t->fd, p + 4, len, off) != (ssize_t)len)
        len = 0;
    (void)sendto(udp, p, 4 + len, MSG_DONTWAIT, (struct sockaddr *)&to, sizeof(to));
    t->block = n;
    t->last_ms = now_ms();
}

void fetch_tftpx_ready(struct fetch_tftpx *x, int udp, uint32_t peer, uint16_t port, int fd,
                       long long size)
{
    pthread_mutex_lock(&x->mu);
    struct xfer *t = find(x, peer, port);
    if (t && fd >= 0) {
        t->fd = fd;
        t->size = size > FETCH_TFTPX_BYTES_MAX ? FETCH_TFTPX_BYTES_MAX : size;
        t->ready = true;
        send_block(udp, t, 1);
        fd = -1;
    } else if (t) {
        uint8_t e[64];
        struct sockaddr_in to = {
            .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(peer)};
        size_t n = fetch_tftp_error(e, sizeof(e), 1, "File not found");
        (void)sendto(udp, e, n, MSG_DONTWAIT, (struct sockaddr *)&to, sizeof(to));
        drop(t);
    }
    pthread_mutex_unlock(&x->mu);
    if (fd >= 0)
        close(fd);
}

bool fetch_tftpx_ack(struct fetch_tftpx *x, int udp, uint32_t peer, uint16_t port, unsigned block)
{
    pthread_mutex_lock(&x->mu);
    struct xfer *t = find(x, peer, port);
    bool ours = t != NULL;
    if (t && t->ready) {
        long long sent_end = (long long)t->block * BLOCK;
        if (block == t->block && sent_end > t->size)
            drop(t); /* the short block was taken: done */
        else if (block == t->block)
            send_block(udp, t, t->block + 1);
        else if (block + 1 == t->block)
            send_block(udp, t, t->block); /* ours was lost: again */
    }
    pthread_mutex_unlock(&x->mu);
    return ours;
}
