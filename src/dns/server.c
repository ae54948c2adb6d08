/* dns server: the resolver's sockets, connections and events (see
 * server.h). Parsing and answers are message.c's and answer.c's; this file
 * only reads, answers and records. */
#include "dns/server.h"

#include "common/log.h"
#include "common/util.h"
#include "common/worker.h"
#include "common/xalloc.h"
#include "config/config.h"
#include "dns/answer.h"
#include "dns/message.h"
#include "event/event.h"

#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <linux/netfilter_ipv4.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Datagrams handled per wake-up (the rest wait for the next). */
#define UDP_BATCH 64
#define TCP_PER_SOURCE 8

struct conn {
    int fd;
    uint32_t peer, dst; /* host byte order */
    uint16_t peer_port;
    unsigned queries;
    long long deadline_ms;
    size_t len;
    uint8_t buf[2 + DNS_MSG_MAX];
};

struct dns_server {
    const struct config *cfg;
    struct event_pipeline *p;
    dns_owner_fn owner;
    void *ud;
    uint32_t lan_net, lan_mask;
    int tcp, udp;
    struct worker w;
    struct conn *conns[DNS_TCP_MAX];
};

static long long now_ms(void)
{
    return util_mono_us() / 1000;
}

static bool from_lan(const struct dns_server *s, uint32_t ip)
{
    return (ip & s->lan_mask) == s->lan_net;
}

/* ---- one query ---- */

static void record(struct dns_server *s, const char *proto, uint32_t peer, uint16_t peer_port,
                   uint32_t dst, const struct dns_query *q, int parsed,
                   const struct dns_decision *d, size_t size)
{
    char a[UTIL_IPV4_LEN], hn[64] = "", host[64] = "", tb[16];
    json_t *ev = event_new(EVENT_DNS_QUERY);
    json_object_set_new(ev, "proto", json_string(proto));
    util_ipv4_format(peer, a);
    json_object_set_new(ev, "src_ip", json_string(a));
    json_object_set_new(ev, "src_port", json_integer(peer_port));
    if (dst) {
        util_ipv4_format(dst, a);
        json_object_set_new(ev, "dst_ip", json_string(a));
        json_object_set_new(ev, "dst_port", json_integer(53));
    }
    if (q->has_question) {
        event_set_str(ev, "qname", q->qname, strlen(q->qname));
        json_object_set_new(ev, "qtype", json_string(dns_type_name(q->qtype, tb, sizeof(tb))));
        if (q->qclass != DNS_CLASS_IN)
            json_object_set_new(ev, "qclass", json_integer(q->qclass));
    }
    if (parsed == -ENOTSUP)
        json_object_set_new(ev, "opcode", json_integer(q->opcode));
    if (!d) {
        /* Not a query: sent to port 53 all the same, and not answered. */
        json_object_set_new(ev, "malformed", json_true());
        json_object_set_new(ev, "size", json_integer((json_int_t)size));
    } else {
        json_object_set_new(ev, "rcode", json_string(dns_rcode_name(d->rcode)));
    }
    if (d && d->has_a) {
        util_ipv4_format(d->a, a);
        json_object_set_new(ev, "answer", json_string(a));
    }
    if (s->owner && s->owner(s->ud, peer, hn, sizeof(hn), host, sizeof(host))) {
        json_object_set_new(ev, "honeynet", json_string(hn));
        if (host[0])
            json_object_set_new(ev, "container", json_string(host));
    }
    if (event_emit(s->p, ev) < 0)
        LOG_RATELIMITED(LOG_LEVEL_WARN, "resolver: a dns.query could not be recorded");
}

/* The answer to the len bytes of msg in out (DNS_MSG_MAX bytes), recorded;
 * its length, 0 for none (not a query). */
static size_t answer(struct dns_server *s, const char *proto, const uint8_t *msg, size_t len,
                     uint32_t peer, uint16_t peer_port, uint32_t dst, uint8_t *out)
{
    struct dns_query q;
    struct dns_decision d = {.rcode = DNS_RCODE_FORMERR};
    int rc = dns_query_parse(msg, len, &q);
    if (rc == -EINVAL) {
        record(s, proto, peer, peer_port, dst, &q, rc, NULL, len);
        return 0;
    }
    if (rc == -ENOTSUP)
        d.rcode = DNS_RCODE_NOTIMP;
    /* The hook for [capture] fetch = yes, resolving for real on the host
     * side: not built, so every name gets the made-up answer. */
    if (rc == 0)
        dns_decide(&q, &d);
    record(s, proto, peer, peer_port, dst, &q, rc, &d, len);
    return dns_answer_build(out, DNS_MSG_MAX, &q, d.rcode, d.has_a ? &d.a : NULL, DNS_ANSWER_TTL_S);
}

/* ---- UDP ---- */

static void udp_read(struct dns_server *s)
{
    for (int k = 0; k < UDP_BATCH; k++) {
        uint8_t msg[DNS_MSG_MAX + 1], out[DNS_MSG_MAX];
        struct sockaddr_in from = {0};
        socklen_t fl = sizeof(from);
        ssize_t n = recvfrom(s->udp, msg, sizeof(msg), MSG_DONTWAIT, (struct sockaddr *)&from, &fl);
        if (n < 0)
            return;
        uint32_t peer = ntohl(from.sin_addr.s_addr);
        if (fl != sizeof(from) || from.sin_family != AF_INET || !from_lan(s, peer))
            continue;
        /* Over DNS_MSG_MAX: -EINVAL from the parser, no answer. */
        size_t len = answer(s, "udp", msg, (size_t)n, peer, ntohs(from.sin_port), 0, out);
        if (len)
            (void)sendto(s->udp, out, len, MSG_DONTWAIT, (const struct sockaddr *)&from,
                         sizeof(from));
    }
}

/* ---- TCP ---- */

static void conn_close(struct dns_server *s, size_t i)
{
    close(s->conns[i]->fd);
    free(s->conns[i]);
    s->conns[i] = NULL;
}

/* Every whole message in the buffer, answered in turn. 1 when the
 * connection is done with. */
static int tcp_input(struct dns_server *s, struct conn *c)
{
    while (c->len >= 2) {
        size_t mlen = (size_t)c->buf[0] << 8 | c->buf[1];
        uint8_t out[2 + DNS_MSG_MAX];
        if (mlen < DNS_HEADER_LEN || mlen > DNS_MSG_MAX)
            return 1;
        if (c->len < 2 + mlen)
            return 0;
        size_t n = answer(s, "tcp", c->buf + 2, mlen, c->peer, c->peer_port, c->dst, out + 2);
        if (n) {
            out[0] = (uint8_t)(n >> 8);
            out[1] = (uint8_t)n;
            /* An answer is small: the socket's buffer takes it whole, or
             * the client is not reading and loses it. */
            (void)send(c->fd, out, n + 2, MSG_NOSIGNAL | MSG_DONTWAIT);
        }
        memmove(c->buf, c->buf + 2 + mlen, c->len - 2 - mlen);
        c->len -= 2 + mlen;
        if (++c->queries >= DNS_TCP_QUERIES)
            return 1;
    }
    return 0;
}

static void conn_read(struct dns_server *s, size_t i)
{
    struct conn *c = s->conns[i];
    ssize_t n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (n <= 0) {
        conn_close(s, i);
        return;
    }
    c->len += (size_t)n;
    if (tcp_input(s, c) != 0)
        conn_close(s, i);
}

/* A new connection: kept only when redirected here from a honeynet's
 * port 53. */
static void conn_accept(struct dns_server *s)
{
    struct sockaddr_in peer = {0}, orig = {0};
    socklen_t pl = sizeof(peer), ol = sizeof(orig);
    int fd = accept4(s->tcp, (struct sockaddr *)&peer, &pl, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0)
        return;
    uint32_t ip = ntohl(peer.sin_addr.s_addr);
    size_t i = DNS_TCP_MAX, same = 0;
    for (size_t k = 0; k < DNS_TCP_MAX; k++) {
        if (!s->conns[k])
            i = i < k ? i : k;
        else if (s->conns[k]->peer == ip)
            same++;
    }
    if (i == DNS_TCP_MAX || same >= TCP_PER_SOURCE || peer.sin_family != AF_INET ||
        !from_lan(s, ip) || getsockopt(fd, SOL_IP, SO_ORIGINAL_DST, &orig, &ol) != 0 ||
        ntohs(orig.sin_port) != 53) {
        close(fd);
        return;
    }
    struct conn *c = xcalloc(1, sizeof(*c));
    c->fd = fd;
    c->peer = ip;
    c->peer_port = ntohs(peer.sin_port);
    c->dst = ntohl(orig.sin_addr.s_addr);
    c->deadline_ms = now_ms() + DNS_TCP_MS;
    s->conns[i] = c;
}

/* ---- the thread ---- */

/* Closes what is past its time; returns the ms until the next deadline. */
static int sweep(struct dns_server *s)
{
    long long now = now_ms(), next = now + DNS_TCP_MS;
    for (size_t i = 0; i < DNS_TCP_MAX; i++) {
        if (!s->conns[i])
            continue;
        if (s->conns[i]->deadline_ms <= now)
            conn_close(s, i);
        else if (s->conns[i]->deadline_ms < next)
            next = s->conns[i]->deadline_ms;
    }
    return (int)(next - now);
}

static void *dns_main(void *arg)
{
    struct dns_server *s = arg;
    while (!worker_stopping(&s->w)) {
        struct pollfd pf[3 + DNS_TCP_MAX];
        size_t at[DNS_TCP_MAX], n = 3;
        int timeout = sweep(s);
        pf[0] = (struct pollfd){.fd = s->w.stop_fd, .events = POLLIN};
        pf[1] = (struct pollfd){.fd = s->udp, .events = POLLIN};
        pf[2] = (struct pollfd){.fd = s->tcp, .events = POLLIN};
        for (size_t i = 0; i < DNS_TCP_MAX; i++)
            if (s->conns[i]) {
                at[n - 3] = i;
                pf[n++] = (struct pollfd){.fd = s->conns[i]->fd, .events = POLLIN};
            }
        if (poll(pf, n, timeout) < 0) {
            if (errno == EINTR)
                continue;
            LOG_ERROR("resolver: poll: %d; names are no longer answered", errno);
            break;
        }
        for (size_t k = 3; k < n; k++)
            if (pf[k].revents)
                conn_read(s, at[k - 3]);
        if (pf[1].revents & POLLIN)
            udp_read(s);
        if (pf[2].revents & POLLIN)
            conn_accept(s);
    }
    return NULL;
}

/* A socket of type on port, every address: the firewall lets only
 * redirected flows reach it. */
static int bound(int type, uint16_t port, char *err, size_t errlen)
{
    int fd = socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    char eb[128];
    if (fd >= 0 && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == 0 &&
        bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
        (type != SOCK_STREAM || listen(fd, 64) == 0))
        return fd;
    int e = errno;
    snprintf(err, errlen, "%s port %u: %s", type == SOCK_STREAM ? "tcp" : "udp", (unsigned)port,
             util_strerror(e, eb, sizeof(eb)));
    if (fd >= 0)
        close(fd);
    return -e;
}

int dns_server_start(const struct config *cfg, struct event_pipeline *p, uint16_t port,
                     dns_owner_fn owner, void *ud, struct dns_server **out, char *err,
                     size_t errlen)
{
    struct dns_server *s = xcalloc(1, sizeof(*s));
    int rc;
    s->cfg = cfg;
    s->p = p;
    s->owner = owner;
    s->ud = ud;
    s->lan_mask =
        cfg->honeynet.lan_pool_prefix ? 0xffffffffu << (32 - cfg->honeynet.lan_pool_prefix) : 0;
    s->lan_net = cfg->honeynet.lan_pool_net & s->lan_mask;
    s->tcp = -1;
    if ((rc = s->udp = bound(SOCK_DGRAM, port, err, errlen)) < 0 ||
        (rc = s->tcp = bound(SOCK_STREAM, port, err, errlen)) < 0)
        goto fail;
    if ((rc = worker_start(&s->w, dns_main, s)) < 0) {
        snprintf(err, errlen, "cannot start its thread");
        goto fail;
    }
    *out = s;
    return 0;
fail:
    if (s->udp >= 0)
        close(s->udp);
    if (s->tcp >= 0)
        close(s->tcp);
    free(s);
    return rc;
}

void dns_server_stop(struct dns_server *s)
{
    if (!s)
        return;
    worker_stop(&s->w);
    for (size_t i = 0; i < DNS_TCP_MAX; i++)
        if (s->conns[i])
            conn_close(s, i);
    close(s->tcp);
    close(s->udp);
    free(s);
}
