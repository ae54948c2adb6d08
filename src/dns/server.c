/* dns server: the resolver's sockets, connections and events (see
 * server.h). Parsing and answers are message.c's and answer.c's; this file
 * only reads, answers and records. */
#include "dns/server.h"

#include "common/log.h"
#include "common/netsrv.h"
#include "common/util.h"
#include "common/xalloc.h"
#include "config/config.h"
#include "dns/answer.h"
#include "dns/message.h"
#include "event/event.h"

#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define TCP_PER_SOURCE 8

/* A TCP connection's messages so far. */
struct tcp_state {
    unsigned queries;
    size_t len;
    uint8_t buf[2 + DNS_MSG_MAX];
};

struct dns_server {
    struct event_pipeline *p;
    dns_owner_fn owner;
    void *ud;
    struct netsrv *srv;
};

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

static void on_datagram(void *ud, int fd, const uint8_t *msg, size_t n,
                        const struct sockaddr_in *from)
{
    struct dns_server *s = ud;
    uint8_t out[DNS_MSG_MAX];
    /* Over DNS_MSG_MAX: -EINVAL from the parser, no answer. */
    size_t len =
        answer(s, "udp", msg, n, ntohl(from->sin_addr.s_addr), ntohs(from->sin_port), 0, out);
    if (len)
        (void)sendto(fd, out, len, MSG_DONTWAIT, (const struct sockaddr *)from, sizeof(*from));
}

/* ---- TCP ---- */

/* Every whole message in the buffer, answered in turn. 1 when the
 * connection is done with. */
static int tcp_messages(struct dns_server *s, struct netsrv_conn *c, struct tcp_state *t)
{
    while (t->len >= 2) {
        size_t mlen = (size_t)t->buf[0] << 8 | t->buf[1];
        uint8_t out[2 + DNS_MSG_MAX];
        if (mlen < DNS_HEADER_LEN || mlen > DNS_MSG_MAX)
            return 1;
        if (t->len < 2 + mlen)
            return 0;
        size_t n = answer(s, "tcp", t->buf + 2, mlen, c->peer, c->peer_port, c->dst, out + 2);
        if (n) {
            out[0] = (uint8_t)(n >> 8);
            out[1] = (uint8_t)n;
            /* An answer is small: the socket's buffer takes it whole, or
             * the client is not reading and loses it. */
            (void)send(c->fd, out, n + 2, MSG_NOSIGNAL | MSG_DONTWAIT);
        }
        memmove(t->buf, t->buf + 2 + mlen, t->len - 2 - mlen);
        t->len -= 2 + mlen;
        if (++t->queries >= DNS_TCP_QUERIES)
            return 1;
    }
    return 0;
}

static int on_input(void *ud, struct netsrv_conn *c)
{
    struct tcp_state *t = c->state;
    ssize_t n = recv(c->fd, t->buf + t->len, sizeof(t->buf) - t->len, MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return 0;
    if (n <= 0)
        return 1;
    t->len += (size_t)n;
    return tcp_messages(ud, c, t);
}

/* Only what was redirected from port 53. */
static int on_accept(void *ud, struct netsrv_conn *c)
{
    (void)ud;
    if (c->dst_port != 53)
        return -EPERM;
    c->state = xcalloc(1, sizeof(struct tcp_state));
    return 0;
}

static void on_closed(void *ud, struct netsrv_conn *c)
{
    (void)ud;
    free(c->state);
}

static const struct netsrv_ops OPS = {on_accept, on_input, on_closed, on_datagram};

int dns_server_start(const struct config *cfg, struct event_pipeline *p, uint16_t port,
                     dns_owner_fn owner, void *ud, struct dns_server **out, char *err,
                     size_t errlen)
{
    struct dns_server *s = xcalloc(1, sizeof(*s));
    struct netsrv_options o = {.name = "resolver",
                               .port = port,
                               .pool_net = cfg->honeynet.lan_pool_net,
                               .pool_prefix = cfg->honeynet.lan_pool_prefix,
                               .conn_max = DNS_TCP_MAX,
                               .per_source = TCP_PER_SOURCE,
                               .conn_ms = DNS_TCP_MS};
    s->p = p;
    s->owner = owner;
    s->ud = ud;
    int rc = netsrv_start(&o, &OPS, s, &s->srv, err, errlen);
    if (rc < 0) {
        free(s);
        return rc;
    }
    *out = s;
    return 0;
}

void dns_server_stop(struct dns_server *s)
{
    if (!s)
        return;
    netsrv_stop(s->srv);
    free(s);
}
