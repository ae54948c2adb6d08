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
#include "dns/resolve.h"
#include "event/event.h"

#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define TCP_PER_SOURCE 8

/* A TCP connection's messages so far. */
struct tcp_state {
    unsigned queries;
    unsigned resolved; /* asked of the upstream (fetch = yes) */
    size_t len;
    uint8_t buf[2 + DNS_MSG_MAX];
};

struct dns_server {
    struct event_pipeline *p;
    dns_owner_fn owner;
    void *ud;
    struct netsrv *srv;
    bool fetch; /* [capture] fetch = yes: names resolved by res */
    struct dns_resolver res;
    pthread_mutex_t mu;
    pthread_cond_t idle;
    unsigned lookups; /* UDP lookup threads running */
    bool stopping;
};

/* A UDP query resolved on a thread of its own: its copy of everything. */
struct lookup {
    struct dns_server *s;
    int fd;
    struct sockaddr_in from;
    size_t size;
    struct dns_query q;
    struct dns_upstream up;
    uint8_t out[DNS_MSG_MAX];
};

/* ---- one query ---- */

/* The addresses of up, as an array of strings. */
static json_t *addresses(const struct dns_upstream *up)
{
    json_t *a = json_array();
    for (size_t i = 0; i < up->n && json_array_size(a) < DNS_ADDRS_MAX; i++) {
        const struct dns_rr *r = &up->rr[i];
        char t[INET6_ADDRSTRLEN];
        if ((r->type == DNS_TYPE_A || r->type == DNS_TYPE_AAAA) &&
            inet_ntop(r->type == DNS_TYPE_A ? AF_INET : AF_INET6, r->data, t, sizeof(t)))
            json_array_append_new(a, json_string(t));
    }
    return a;
}

/* d: the answer given (NULL: none, not a query); up: the upstream's it
 * came from (NULL: made up). */
static void record(struct dns_server *s, const char *proto, uint32_t peer, uint16_t peer_port,
                   uint32_t dst, const struct dns_query *q, int parsed,
                   const struct dns_decision *d, const struct dns_upstream *up, size_t size)
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
        json_object_set_new(ev, "resolved", json_boolean(up != NULL));
    }
    if (d && d->has_a) {
        util_ipv4_format(d->a, a);
        json_object_set_new(ev, "answer", json_string(a));
    }
    if (up)
        json_object_set_new(ev, "answers", addresses(up));
    if (s->owner && s->owner(s->ud, peer, hn, sizeof(hn), host, sizeof(host))) {
        json_object_set_new(ev, "honeynet", json_string(hn));
        if (host[0])
            json_object_set_new(ev, "container", json_string(host));
    }
    if (event_emit(s->p, ev) < 0)
        LOG_RATELIMITED(LOG_LEVEL_WARN, "resolver: a dns.query could not be recorded");
}

/* The answer to q from the upstream's up in out (DNS_MSG_MAX bytes),
 * recorded; its length. */
static size_t answer_resolved(struct dns_server *s, const char *proto, const struct dns_query *q,
                              const struct dns_upstream *up, uint32_t peer, uint16_t peer_port,
                              uint32_t dst, size_t size, uint8_t *out)
{
    struct dns_decision d = {.rcode = up->rcode};
    /* The first A, as the made-up answers name theirs. */
    for (size_t i = 0; i < up->n && !d.has_a; i++)
        if (up->rr[i].type == DNS_TYPE_A) {
            const uint8_t *b = up->rr[i].data;
            d.has_a = true;
            d.a = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
        }
    record(s, proto, peer, peer_port, dst, q, 0, &d, up, size);
    return dns_answer_build_rrs(out, DNS_MSG_MAX, q, up->rcode, up->rr, up->n);
}

/* The made-up answer d to q (parse result rc) in out, recorded. */
static size_t answer_made_up(struct dns_server *s, const char *proto, const struct dns_query *q,
                             int rc, const struct dns_decision *d, uint32_t peer,
                             uint16_t peer_port, uint32_t dst, size_t size, uint8_t *out)
{
    record(s, proto, peer, peer_port, dst, q, rc, d, NULL, size);
    return dns_answer_build(out, DNS_MSG_MAX, q, d->rcode, d->has_a ? &d->a : NULL,
                            DNS_ANSWER_TTL_S);
}

static void *lookup_main(void *arg)
{
    struct lookup *l = arg;
    struct dns_server *s = l->s;
    uint32_t peer = ntohl(l->from.sin_addr.s_addr);
    uint16_t port = ntohs(l->from.sin_port);
    size_t n;
    if (dns_resolve(&s->res, &l->q, &l->up) == 0) {
        n = answer_resolved(s, "udp", &l->q, &l->up, peer, port, 0, l->size, l->out);
    } else {
        struct dns_decision d;
        dns_decide(&l->q, &d);
        n = answer_made_up(s, "udp", &l->q, 0, &d, peer, port, 0, l->size, l->out);
    }
    if (n)
        (void)sendto(l->fd, l->out, n, MSG_DONTWAIT, (const struct sockaddr *)&l->from,
                     sizeof(l->from));
    free(l);
    pthread_mutex_lock(&s->mu);
    s->lookups--;
    pthread_cond_broadcast(&s->idle);
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

/* q resolved on a thread of its own, which answers it: 0, or negative
 * (DNS_LOOKUPS_MAX running, stopping, no thread) when it is not. */
static int lookup_start(struct dns_server *s, const struct dns_query *q, int fd,
                        const struct sockaddr_in *from, size_t size)
{
    pthread_mutex_lock(&s->mu);
    bool go = !s->stopping && s->lookups < DNS_LOOKUPS_MAX;
    if (go)
        s->lookups++;
    pthread_mutex_unlock(&s->mu);
    if (!go)
        return -EBUSY;
    struct lookup *l = xmalloc(sizeof(*l));
    l->s = s;
    l->fd = fd;
    l->from = *from;
    l->size = size;
    l->q = *q;
    pthread_t th;
    pthread_attr_t at;
    pthread_attr_init(&at);
    pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
    int rc = pthread_create(&th, &at, lookup_main, l);
    pthread_attr_destroy(&at);
    if (rc == 0)
        return 0;
    free(l);
    pthread_mutex_lock(&s->mu);
    s->lookups--;
    pthread_cond_broadcast(&s->idle);
    pthread_mutex_unlock(&s->mu);
    return -rc;
}

/* The answer to the len bytes of msg in out (DNS_MSG_MAX bytes), recorded;
 * its length, 0 for none (not a query, or answered by a lookup thread).
 * With fetch, a name is resolved for real: over UDP (fd, from) on a thread
 * that answers it, over TCP (t) here, at most DNS_TCP_RESOLVED a
 * connection; past the caps, or when the upstream gives no answer, it gets
 * the made-up one. */
static size_t answer(struct dns_server *s, const char *proto, const uint8_t *msg, size_t len,
                     uint32_t peer, uint16_t peer_port, uint32_t dst, uint8_t *out, int fd,
                     const struct sockaddr_in *from, struct tcp_state *t)
{
    struct dns_query q;
    struct dns_decision d = {.rcode = DNS_RCODE_FORMERR};
    int rc = dns_query_parse(msg, len, &q);
    if (rc == -EINVAL) {
        record(s, proto, peer, peer_port, dst, &q, rc, NULL, NULL, len);
        return 0;
    }
    if (rc == -ENOTSUP)
        d.rcode = DNS_RCODE_NOTIMP;
    if (rc == 0)
        dns_decide(&q, &d);
    if (rc == 0 && s->fetch && dns_resolve_wanted(&q, &d)) {
        if (from && lookup_start(s, &q, fd, from, len) == 0)
            return 0;
        if (t && t->resolved < DNS_TCP_RESOLVED) {
            struct dns_upstream *up = xmalloc(sizeof(*up));
            t->resolved++;
            size_t n = 0;
            bool ok = dns_resolve(&s->res, &q, up) == 0;
            if (ok)
                n = answer_resolved(s, proto, &q, up, peer, peer_port, dst, len, out);
            free(up);
            if (ok)
                return n;
        }
    }
    return answer_made_up(s, proto, &q, rc, &d, peer, peer_port, dst, len, out);
}

/* ---- UDP ---- */

static void on_datagram(void *ud, int fd, const uint8_t *msg, size_t n,
                        const struct sockaddr_in *from)
{
    struct dns_server *s = ud;
    uint8_t out[DNS_MSG_MAX];
    /* Over DNS_MSG_MAX: -EINVAL from the parser, no answer. */
    size_t len = answer(s, "udp", msg, n, ntohl(from->sin_addr.s_addr), ntohs(from->sin_port), 0,
                        out, fd, from, NULL);
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
        size_t n =
            answer(s, "tcp", t->buf + 2, mlen, c->peer, c->peer_port, c->dst, out + 2, -1, NULL, t);
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
    s->fetch = cfg->capture.fetch;
    if (s->fetch) {
        int rc = dns_resolver_init(&s->res, cfg, err, errlen);
        if (rc < 0) {
            free(s);
            return rc;
        }
    }
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->idle, NULL);
    int rc = netsrv_start(&o, &OPS, s, &s->srv, err, errlen);
    if (rc < 0) {
        pthread_mutex_destroy(&s->mu);
        pthread_cond_destroy(&s->idle);
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
    /* The lookup threads send on the server's UDP socket: they end (within
     * the upstream's time cap) before it is closed. */
    pthread_mutex_lock(&s->mu);
    s->stopping = true;
    while (s->lookups)
        pthread_cond_wait(&s->idle, &s->mu);
    pthread_mutex_unlock(&s->mu);
    netsrv_stop(s->srv);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->idle);
    free(s);
}
