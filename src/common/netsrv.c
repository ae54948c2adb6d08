/* netsrv: a redirected server's sockets, connections and thread (see
 * netsrv.h). */
#include "common/netsrv.h"

#include "common/log.h"
#include "common/util.h"
#include "common/worker.h"
#include "common/xalloc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter_ipv4.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

struct netsrv {
    struct netsrv_options o;
    uint32_t pool_mask;
    const struct netsrv_ops *ops;
    void *ud;
    int tcp, udp;
    struct worker w;
    struct netsrv_conn *conns[NETSRV_CONN_MAX];
};

static long long now_ms(void)
{
    return util_mono_us() / 1000;
}

/* Datagrams handled per wake-up. */
#define UDP_BATCH 32

static bool from_pool(const struct netsrv *s, uint32_t ip)
{
    return (ip & s->pool_mask) == (s->o.pool_net & s->pool_mask);
}

static void conn_close(struct netsrv *s, size_t i)
{
    s->ops->closed(s->ud, s->conns[i]);
    if (s->conns[i]->fd >= 0) /* -1: the module took it (the fetcher's jobs) */
        close(s->conns[i]->fd);
    free(s->conns[i]);
    s->conns[i] = NULL;
}

/* A new connection: kept when redirected here from the pool, within the
 * caps, and the module takes it. */
static void conn_accept(struct netsrv *s)
{
    struct sockaddr_in peer = {0}, orig = {0};
    socklen_t pl = sizeof(peer), ol = sizeof(orig);
    int fd = accept4(s->tcp, (struct sockaddr *)&peer, &pl, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0)
        return;
    uint32_t ip = ntohl(peer.sin_addr.s_addr);
    size_t i = s->o.conn_max, same = 0;
    for (size_t k = 0; k < s->o.conn_max; k++) {
        if (!s->conns[k])
            i = i < k ? i : k;
        else if (s->conns[k]->peer == ip)
            same++;
    }
    if (i == s->o.conn_max || same >= s->o.per_source || peer.sin_family != AF_INET ||
        !from_pool(s, ip) || getsockopt(fd, SOL_IP, SO_ORIGINAL_DST, &orig, &ol) != 0) {
        close(fd);
        return;
    }
    struct netsrv_conn *c = xcalloc(1, sizeof(*c));
    *c = (struct netsrv_conn){.fd = fd,
                              .peer = ip,
                              .peer_port = ntohs(peer.sin_port),
                              .dst = ntohl(orig.sin_addr.s_addr),
                              .dst_port = ntohs(orig.sin_port),
                              .deadline_ms = now_ms() + s->o.conn_ms};
    if (s->ops->accept(s->ud, c) < 0) {
        close(fd);
        free(c);
        return;
    }
    s->conns[i] = c;
}

static void udp_read(struct netsrv *s)
{
    for (int k = 0; k < UDP_BATCH; k++) {
        uint8_t p[NETSRV_DGRAM_MAX];
        struct sockaddr_in from = {0};
        socklen_t fl = sizeof(from);
        ssize_t n = recvfrom(s->udp, p, sizeof(p), MSG_DONTWAIT, (struct sockaddr *)&from, &fl);
        if (n < 0)
            return;
        if (fl == sizeof(from) && from.sin_family == AF_INET &&
            from_pool(s, ntohl(from.sin_addr.s_addr)))
            s->ops->datagram(s->ud, s->udp, p, (size_t)n, &from);
    }
}

/* Closes what is past its time; returns the ms until the next deadline. */
static int sweep(struct netsrv *s)
{
    long long now = now_ms(), next = now + s->o.conn_ms;
    for (size_t i = 0; i < s->o.conn_max; i++) {
        if (!s->conns[i])
            continue;
        if (s->conns[i]->deadline_ms <= now)
            conn_close(s, i);
        else if (s->conns[i]->deadline_ms < next)
            next = s->conns[i]->deadline_ms;
    }
    return (int)(next - now);
}

static void *netsrv_main(void *arg)
{
    struct netsrv *s = arg;
    while (!worker_stopping(&s->w)) {
        struct pollfd pf[3 + NETSRV_CONN_MAX];
        size_t at[NETSRV_CONN_MAX], n = 3;
        int timeout = sweep(s);
        pf[0] = (struct pollfd){.fd = s->w.stop_fd, .events = POLLIN};
        pf[1] = (struct pollfd){.fd = s->tcp, .events = POLLIN};
        pf[2] = (struct pollfd){.fd = s->udp, .events = POLLIN};
        for (size_t i = 0; i < s->o.conn_max; i++)
            if (s->conns[i]) {
                at[n - 3] = i;
                pf[n++] = (struct pollfd){.fd = s->conns[i]->fd, .events = POLLIN};
            }
        if (poll(pf, n, timeout) < 0) {
            if (errno == EINTR)
                continue;
            LOG_ERROR("%s: poll: %d; no longer answering", s->o.name, errno);
            break;
        }
        /* Accepts first: an FTP client connects its data connection
         * before it sends RETR on the control one, and finds it taken. */
        if (pf[1].revents & POLLIN)
            conn_accept(s);
        for (size_t k = 3; k < n; k++)
            if (pf[k].revents && s->ops->input(s->ud, s->conns[at[k - 3]]) != 0)
                conn_close(s, at[k - 3]);
        if (pf[2].revents & POLLIN)
            udp_read(s);
    }
    return NULL;
}

/* A socket of type on port, every address. */
static int bound(int type, uint16_t port, char *err, size_t errlen)
{
    int fd = socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    char eb[128];
    if (fd >= 0 && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == 0 &&
        bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
        (type != SOCK_STREAM || listen(fd, 128) == 0))
        return fd;
    int e = errno;
    snprintf(err, errlen, "%s port %u: %s", type == SOCK_STREAM ? "tcp" : "udp", (unsigned)port,
             util_strerror(e, eb, sizeof(eb)));
    if (fd >= 0)
        close(fd);
    return -e;
}

int netsrv_start(const struct netsrv_options *o, const struct netsrv_ops *ops, void *ud,
                 struct netsrv **out, char *err, size_t errlen)
{
    struct netsrv *s = xcalloc(1, sizeof(*s));
    int rc;
    s->o = *o;
    s->pool_mask = util_ipv4_mask(o->pool_prefix);
    if (s->o.conn_max > NETSRV_CONN_MAX)
        s->o.conn_max = NETSRV_CONN_MAX;
    s->ops = ops;
    s->ud = ud;
    s->udp = -1;
    if ((rc = s->tcp = bound(SOCK_STREAM, o->port, err, errlen)) < 0 ||
        (rc = s->udp = bound(SOCK_DGRAM, o->port, err, errlen)) < 0)
        goto fail;
    if ((rc = worker_start(&s->w, netsrv_main, s)) < 0) {
        snprintf(err, errlen, "cannot start its thread");
        goto fail;
    }
    *out = s;
    return 0;
fail:
    if (s->tcp >= 0)
        close(s->tcp);
    if (s->udp >= 0)
        close(s->udp);
    free(s);
    return rc;
}

void netsrv_stop(struct netsrv *s)
{
    if (!s)
        return;
    worker_stop(&s->w);
    for (size_t i = 0; i < s->o.conn_max; i++)
        if (s->conns[i])
            conn_close(s, i);
    close(s->tcp);
    close(s->udp);
    free(s);
}
