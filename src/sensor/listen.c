/* sensor listen: listening sockets in a list, connections in a list with
 * their deadlines, a small per-source table for the UDP reply rate
 * (listen.h). Everything non-blocking on the caller's epoll. */
#include "sensor/listen.h"

#include "common/xalloc.h"
#include "sensor/packet.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

enum kind { K_TCP_LISTEN = 0x5e11, K_UDP, K_CONN };

struct lsock {
    enum kind kind; /* first: the epoll tag is the struct */
    int fd;
    int family;
    uint8_t proto;
    uint8_t addr[16];
    uint16_t port;
    struct lsock *next;
};

struct conn {
    enum kind kind;
    int fd;
    int family;
    uint8_t src[16], dst[16];
    uint16_t src_port, dst_port;
    uint8_t *buf; /* up to SENSOR_PAYLOAD_MAX + 1: one byte more says truncated */
    size_t len, cap;
    size_t reply_at; /* reply bytes sent */
    long long deadline_ms;
    struct conn *prev, *next;
};

#define RATE_SLOTS 64

struct rate {
    int family;
    uint8_t addr[16];
    long long second;
    unsigned n;
};

struct sensor_listeners {
    int epfd;
    uint8_t reply[SENSOR_REPLY_MAX];
    size_t reply_len;
    long long read_ms;
    sensor_payload_fn fn;
    void *ud;
    struct lsock *socks;
    unsigned nsocks;
    struct conn *conns;
    unsigned nconns;
    uint8_t *dgram; /* SENSOR_PAYLOAD_MAX */
    struct rate rates[RATE_SLOTS];
};

int sensor_listen_new(int epfd, const struct sensor_listen_opts *o, struct sensor_listeners **out)
{
    if (epfd < 0 || !o || !o->fn || o->reply_len > SENSOR_REPLY_MAX || (o->reply_len && !o->reply))
        return -EINVAL;
    struct sensor_listeners *l = xcalloc(1, sizeof(*l));
    l->epfd = epfd;
    if (o->reply_len)
        memcpy(l->reply, o->reply, o->reply_len);
    l->reply_len = o->reply_len;
    l->read_ms = o->read_ms > 0 ? o->read_ms : SENSOR_READ_MS;
    l->fn = o->fn;
    l->ud = o->ud;
    l->dgram = xmalloc(SENSOR_PAYLOAD_MAX);
    *out = l;
    return 0;
}

static size_t alen(int family)
{
    return family == AF_INET ? 4 : 16;
}

static socklen_t make_sa(int family, const uint8_t addr[16], uint16_t port, uint32_t ifindex,
                         struct sockaddr_storage *ss)
{
    memset(ss, 0, sizeof(*ss));
    if (family == AF_INET) {
        struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
        s4->sin_family = AF_INET;
        s4->sin_port = htons(port);
        memcpy(&s4->sin_addr, addr, 4);
        return sizeof(*s4);
    }
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
    s6->sin6_family = AF_INET6;
    s6->sin6_port = htons(port);
    memcpy(&s6->sin6_addr, addr, 16);
    if (IN6_IS_ADDR_LINKLOCAL(&s6->sin6_addr))
        s6->sin6_scope_id = ifindex;
    return sizeof(*s6);
}

/* The address and port of a peer, into addr[16] / *port. */
static void from_sa(const struct sockaddr_storage *ss, uint8_t addr[16], uint16_t *port)
{
    memset(addr, 0, 16);
    if (ss->ss_family == AF_INET) {
        struct sockaddr_in s4;
        memcpy(&s4, ss, sizeof(s4));
        memcpy(addr, &s4.sin_addr, 4);
        *port = ntohs(s4.sin_port);
    } else {
        struct sockaddr_in6 s6;
        memcpy(&s6, ss, sizeof(s6));
        memcpy(addr, &s6.sin6_addr, 16);
        *port = ntohs(s6.sin6_port);
    }
}

static struct lsock *find(const struct sensor_listeners *l, int family, uint8_t proto,
                          const uint8_t addr[16], uint16_t port)
{
    for (struct lsock *s = l->socks; s; s = s->next)
        if (s->family == family && s->proto == proto && s->port == port &&
            memcmp(s->addr, addr, alen(family)) == 0)
            return s;
    return NULL;
}

bool sensor_listen_has(const struct sensor_listeners *l, int family, uint8_t proto,
                       const uint8_t addr[16], uint16_t port)
{
    return find(l, family, proto, addr, port) != NULL;
}

static int watch(struct sensor_listeners *l, int fd, void *tag, uint32_t events, int op)
{
    struct epoll_event ev = {.events = events, .data.ptr = tag};
    return epoll_ctl(l->epfd, op, fd, &ev) < 0 ? -errno : 0;
}

int sensor_listen_open(struct sensor_listeners *l, int family, uint8_t proto,
                       const uint8_t addr[16], uint16_t port, uint32_t ifindex)
{
    struct sockaddr_storage ss;
    int one = 1, rc;

    if ((family != AF_INET && family != AF_INET6) ||
        (proto != SENSOR_PROTO_TCP && proto != SENSOR_PROTO_UDP))
        return -EINVAL;
    if (find(l, family, proto, addr, port))
        return -EEXIST;
    if (l->nsocks >= SENSOR_SOCKETS_MAX)
        return -ENOSPC;
    int type = proto == SENSOR_PROTO_TCP ? SOCK_STREAM : SOCK_DGRAM;
    int fd = socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (family == AF_INET6)
        (void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
    socklen_t sl = make_sa(family, addr, port, ifindex, &ss);
    if (bind(fd, (struct sockaddr *)&ss, sl) < 0 ||
        (proto == SENSOR_PROTO_TCP && listen(fd, 128) < 0)) {
        rc = -errno;
        close(fd);
        return rc;
    }
    struct lsock *s = xcalloc(1, sizeof(*s));
    s->kind = proto == SENSOR_PROTO_TCP ? K_TCP_LISTEN : K_UDP;
    s->fd = fd;
    s->family = family;
    s->proto = proto;
    memcpy(s->addr, addr, alen(family));
    s->port = port;
    if ((rc = watch(l, fd, s, EPOLLIN, EPOLL_CTL_ADD)) < 0) {
        close(fd);
        free(s);
        return rc;
    }
    s->next = l->socks;
    l->socks = s;
    l->nsocks++;
    return 0;
}

unsigned sensor_listen_close_port(struct sensor_listeners *l, uint8_t proto, uint16_t port)
{
    unsigned n = 0;
    for (struct lsock **pp = &l->socks; *pp;) {
        struct lsock *s = *pp;
        if (s->proto != proto || s->port != port) {
            pp = &s->next;
            continue;
        }
        *pp = s->next;
        close(s->fd);
        free(s);
        l->nsocks--;
        n++;
    }
    return n;
}

static void report(struct sensor_listeners *l, struct conn *c, bool refused)
{
    size_t len = c->len > SENSOR_PAYLOAD_MAX ? SENSOR_PAYLOAD_MAX : c->len;
    struct sensor_payload pl = {
        .family = c->family,
        .proto = SENSOR_PROTO_TCP,
        .src_port = c->src_port,
        .dst_port = c->dst_port,
        .data = c->buf ? c->buf : (const uint8_t *)"", /* never NULL, even when empty */
        .len = len,
        .truncated = c->len > SENSOR_PAYLOAD_MAX,
        .refused = refused,
    };
    memcpy(pl.src, c->src, 16);
    memcpy(pl.dst, c->dst, 16);
    l->fn(l->ud, &pl);
}

static void conn_end(struct sensor_listeners *l, struct conn *c, bool refused)
{
    report(l, c, refused);
    close(c->fd);
    if (c->prev)
        c->prev->next = c->next;
    else
        l->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    l->nconns--;
    free(c->buf);
    free(c);
}

/* Sends what is left of the reply; true when it is all sent (or cannot
 * be). */
static bool send_reply(struct sensor_listeners *l, struct conn *c)
{
    while (c->reply_at < l->reply_len) {
        ssize_t n = send(c->fd, l->reply + c->reply_at, l->reply_len - c->reply_at,
                         MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) {
            c->reply_at += (size_t)n;
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return false;
        c->reply_at = l->reply_len; /* the peer is gone: give up on it */
    }
    return true;
}

static unsigned from_source(const struct sensor_listeners *l, int family, const uint8_t src[16])
{
    unsigned n = 0;
    for (const struct conn *c = l->conns; c; c = c->next)
        n += c->family == family && memcmp(c->src, src, 16) == 0;
    return n;
}

static void on_accept(struct sensor_listeners *l, struct lsock *s, long long now_ms)
{
    for (int i = 0; i < 64; i++) {
        struct sockaddr_storage peer = {0};
        socklen_t pl = sizeof(peer);
        int fd = accept4(s->fd, (struct sockaddr *)&peer, &pl, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0)
            return;
        struct conn *c = xcalloc(1, sizeof(*c));
        c->kind = K_CONN;
        c->fd = fd;
        c->family = s->family;
        from_sa(&peer, c->src, &c->src_port);
        memcpy(c->dst, s->addr, 16);
        c->dst_port = s->port;
        c->deadline_ms = now_ms + l->read_ms;
        bool over = l->nconns >= SENSOR_CONN_MAX ||
                    from_source(l, c->family, c->src) >= SENSOR_CONN_PER_SOURCE;
        bool sent = !over && send_reply(l, c);
        /* Watched before it is linked: a connection over a cap, or one
         * epoll refuses, is reported and dropped without ever being in the
         * list. */
        if (over ||
            watch(l, fd, c, EPOLLIN | EPOLLRDHUP | (sent ? 0 : EPOLLOUT), EPOLL_CTL_ADD) < 0) {
            report(l, c, over);
            close(fd);
            free(c);
            continue;
        }
        c->next = l->conns;
        if (l->conns)
            l->conns->prev = c;
        l->conns = c;
        l->nconns++;
    }
}

/* Reads what is there; true when the connection is done. */
static bool conn_read(struct conn *c)
{
    for (;;) {
        if (c->len > SENSOR_PAYLOAD_MAX)
            return true;
        if (c->len == c->cap) {
            size_t cap = c->cap ? c->cap * 2 : 4096;
            if (cap > SENSOR_PAYLOAD_MAX + 1)
                cap = SENSOR_PAYLOAD_MAX + 1;
            c->buf = xrealloc(c->buf, cap);
            c->cap = cap;
        }
        ssize_t n = recv(c->fd, c->buf + c->len, c->cap - c->len, MSG_DONTWAIT);
        if (n > 0) {
            c->len += (size_t)n;
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return false;
        if (n < 0 && errno == EINTR)
            continue;
        return true; /* end of stream or an error */
    }
}

static void on_conn(struct sensor_listeners *l, struct conn *c, uint32_t events)
{
    if (events & EPOLLOUT) {
        if (send_reply(l, c) && watch(l, c->fd, c, EPOLLIN | EPOLLRDHUP, EPOLL_CTL_MOD) < 0) {
            conn_end(l, c, false);
            return;
        }
    }
    if ((events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) && conn_read(c))
        conn_end(l, c, false);
}

/* Whether src may get another UDP reply this second. */
static bool rate_take(struct sensor_listeners *l, int family, const uint8_t src[16],
                      long long now_ms)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < 16; i++)
        h = (h ^ src[i]) * 16777619u;
    struct rate *r = &l->rates[h % RATE_SLOTS];
    long long second = now_ms / 1000;
    if (r->family != family || memcmp(r->addr, src, 16) != 0 || r->second != second) {
        r->family = family;
        memcpy(r->addr, src, 16);
        r->second = second;
        r->n = 0;
    }
    return r->n++ < SENSOR_UDP_REPLIES;
}

static void on_datagram(struct sensor_listeners *l, struct lsock *s, long long now_ms)
{
    for (int i = 0; i < 64; i++) {
        struct sockaddr_storage peer = {0};
        socklen_t pl = sizeof(peer);
        ssize_t n = recvfrom(s->fd, l->dgram, SENSOR_PAYLOAD_MAX, MSG_DONTWAIT | MSG_TRUNC,
                             (struct sockaddr *)&peer, &pl);
        if (n < 0)
            return;
        struct sensor_payload p = {
            .family = s->family,
            .proto = SENSOR_PROTO_UDP,
            .dst_port = s->port,
            .data = l->dgram,
            .len = (size_t)n > SENSOR_PAYLOAD_MAX ? SENSOR_PAYLOAD_MAX : (size_t)n,
            .truncated = (size_t)n > SENSOR_PAYLOAD_MAX,
        };
        from_sa(&peer, p.src, &p.src_port);
        memcpy(p.dst, s->addr, 16);
        size_t rl = l->reply_len < p.len ? l->reply_len : p.len;
        if (rl && rate_take(l, s->family, p.src, now_ms))
            (void)sendto(s->fd, l->reply, rl, MSG_DONTWAIT | MSG_NOSIGNAL, (struct sockaddr *)&peer,
                         pl);
        l->fn(l->ud, &p);
    }
}

void sensor_listen_ready(struct sensor_listeners *l, void *tag, uint32_t events, long long now_ms)
{
    enum kind k = *(enum kind *)tag;
    if (k == K_TCP_LISTEN)
        on_accept(l, tag, now_ms);
    else if (k == K_UDP)
        on_datagram(l, tag, now_ms);
    else if (k == K_CONN)
        on_conn(l, tag, events);
}

void sensor_listen_tick(struct sensor_listeners *l, long long now_ms)
{
    for (struct conn *c = l->conns, *next; c; c = next) {
        next = c->next;
        if (now_ms >= c->deadline_ms)
            conn_end(l, c, false);
    }
}

unsigned sensor_listen_connections(const struct sensor_listeners *l)
{
    return l->nconns;
}

void sensor_listen_free(struct sensor_listeners *l)
{
    if (!l)
        return;
    while (l->conns) {
        struct conn *c = l->conns;
        l->conns = c->next;
        close(c->fd);
        free(c->buf);
        free(c);
    }
    while (l->socks) {
        struct lsock *s = l->socks;
        l->socks = s->next;
        close(s->fd);
        free(s);
    }
    free(l->dgram);
    free(l);
}

static int hexval(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

int sensor_reply_unescape(const char *s, uint8_t *out, size_t cap, size_t *len)
{
    size_t n = 0;
    while (*s) {
        uint8_t b = (uint8_t)*s++;
        if (b == '\\') {
            char e = *s++;
            switch (e) {
            case 'r':
                b = '\r';
                break;
            case 'n':
                b = '\n';
                break;
            case 't':
                b = '\t';
                break;
            case '0':
                b = 0;
                break;
            case '\\':
                b = '\\';
                break;
            case '"':
                b = '"';
                break;
            case 'x': {
                int hi = s[0] ? hexval(s[0]) : -1, lo = hi >= 0 && s[1] ? hexval(s[1]) : -1;
                if (lo < 0)
                    return -EINVAL;
                b = (uint8_t)(hi * 16 + lo);
                s += 2;
                break;
            }
            default:
                return -EINVAL;
            }
        }
        if (n >= cap)
            return -EINVAL;
        out[n++] = b;
    }
    *len = n;
    return 0;
}
