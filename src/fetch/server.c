/* fetch server: the fetcher's sockets, connections and events (see
 * server.h). The parsing is request.c's, ftp.c's and tftp.c's; this file
 * only reads, answers and records. */
#include "fetch/server.h"

#include "common/log.h"
#include "common/util.h"
#include "common/worker.h"
#include "common/xalloc.h"
#include "config/config.h"
#include "event/event.h"
#include "fetch/ftp.h"
#include "fetch/job.h"
#include "fetch/request.h"
#include "fetch/tftp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <linux/netfilter_ipv4.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* UDP datagrams handled per wake-up (the rest wait for the next). */
#define UDP_BATCH 32
/* Connections one honeynet address may hold at once. */
#define CONN_PER_SOURCE 16
/* file.* events are outside the event budgets (event/budget.h): a loop of
 * wget must not flood the store, so each source's downloads are recorded
 * at a burst of REC_BURST, then REC_PER_S a second; the rest are answered
 * all the same and counted into the next recorded one (unrecorded). */
#define REC_BURST 200.0
#define REC_PER_S 20.0
#define REC_SOURCES 64

struct rec_bucket {
    uint32_t ip; /* 0: free */
    double tokens;
    long long at_ms;
    unsigned long long unrecorded;
};

struct conn {
    int fd;
    bool ftp;
    uint32_t peer, dst; /* host byte order */
    uint16_t peer_port, dst_port;
    long long deadline_ms;
    size_t len;
    char buf[FETCH_HTTP_HEAD_MAX];
    struct fetch_ftp_session session;
};

struct fetch_server {
    const struct config *cfg;
    struct event_pipeline *p;
    fetch_owner_fn owner;
    void *ud;
    uint16_t port;
    uint32_t lan_net, lan_mask;
    int tcp, udp;
    struct worker w;
    struct conn *conns[FETCH_CONN_MAX];
    char *ct; /* conntrack text, FETCH_CONNTRACK_MAX bytes */
    struct rec_bucket rec[REC_SOURCES];
    struct fetch_jobs *jobs; /* with [capture] fetch = yes */
};

static long long now_ms(void)
{
    return util_mono_us() / 1000;
}

/* ---- events ---- */

/* A file.download with who asked and where it was meant to go. */
static json_t *download_event(struct fetch_server *s, const char *proto, const char *url,
                              uint32_t peer, uint16_t peer_port, uint32_t dst, uint16_t dst_port)
{
    char a[UTIL_IPV4_LEN], hn[64] = "", host[64] = "";
    json_t *ev = event_new(EVENT_FILE_DOWNLOAD);
    json_object_set_new(ev, "proto", json_string(proto));
    event_set_str(ev, "url", url, strlen(url));
    util_ipv4_format(peer, a);
    json_object_set_new(ev, "src_ip", json_string(a));
    json_object_set_new(ev, "src_port", json_integer(peer_port));
    if (dst) {
        util_ipv4_format(dst, a);
        json_object_set_new(ev, "dst_ip", json_string(a));
        json_object_set_new(ev, "dst_port", json_integer(dst_port));
    }
    json_object_set_new(ev, "fetched", json_false());
    if (s->owner && s->owner(s->ud, peer, hn, sizeof(hn), host, sizeof(host))) {
        json_object_set_new(ev, "honeynet", json_string(hn));
        if (host[0])
            json_object_set_new(ev, "container", json_string(host));
    }
    return ev;
}

/* The bucket of ip: its own, a free one, or the longest unused (whose
 * count is then lost: 64 sources flooding at once). */
static struct rec_bucket *rec_bucket(struct fetch_server *s, uint32_t ip, long long now)
{
    struct rec_bucket *oldest = &s->rec[0];
    for (size_t i = 0; i < REC_SOURCES; i++) {
        struct rec_bucket *b = &s->rec[i];
        if (b->ip == ip)
            return b;
        if (!b->ip || b->at_ms < oldest->at_ms)
            oldest = b;
        if (!b->ip)
            break;
    }
    *oldest = (struct rec_bucket){.ip = ip, .tokens = REC_BURST, .at_ms = now};
    return oldest;
}

/* Takes ev; gives it back when the source's bucket allows it to be
 * recorded, else counts it and gives NULL. */
static json_t *admit(struct fetch_server *s, uint32_t src, json_t *ev)
{
    long long now = now_ms();
    struct rec_bucket *b = rec_bucket(s, src, now);
    b->tokens += (double)(now - b->at_ms) * REC_PER_S / 1000.0;
    if (b->tokens > REC_BURST)
        b->tokens = REC_BURST;
    b->at_ms = now;
    if (b->tokens < 1.0) {
        b->unrecorded++;
        json_decref(ev);
        return NULL;
    }
    b->tokens -= 1.0;
    if (b->unrecorded)
        json_object_set_new(ev, "unrecorded", json_integer((json_int_t)b->unrecorded));
    b->unrecorded = 0;
    return ev;
}

/* Takes ev; recorded when the source's bucket allows, counted otherwise. */
static void emit(struct fetch_server *s, uint32_t src, json_t *ev)
{
    ev = admit(s, src, ev);
    if (ev && event_emit(s->p, ev) < 0)
        LOG_RATELIMITED(LOG_LEVEL_WARN, "fetcher: a file.download could not be recorded");
}

/* ---- connections ---- */

static void conn_close(struct fetch_server *s, size_t i)
{
    if (s->conns[i]->fd >= 0) /* -1: handed to a job */
        close(s->conns[i]->fd);
    free(s->conns[i]);
    s->conns[i] = NULL;
}

static void say(int fd, const char *text)
{
    /* Replies are short: the socket's buffer takes them whole, or the
     * client is not reading and loses them. */
    (void)send(fd, text, strlen(text), MSG_NOSIGNAL | MSG_DONTWAIT);
}

static const char NOT_FOUND_BODY[] =
    "<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n"
    "<center><h1>404 Not Found</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n"
    "</html>\r\n";

/* The head is complete: recorded, answered, closed. */
static void http_done(struct fetch_server *s, struct conn *c, const struct fetch_http *r)
{
    char fallback[32], a[UTIL_IPV4_LEN], url[4096], reply[512];
    util_ipv4_format(c->dst, a);
    snprintf(fallback, sizeof(fallback), c->dst_port == 80 ? "%s" : "%s:%u", a,
             (unsigned)c->dst_port);
    fetch_http_url(r, fallback, url, sizeof(url));
    json_t *ev = download_event(s, "http", url, c->peer, c->peer_port, c->dst, c->dst_port);
    event_set_str(ev, "method", r->method, strlen(r->method));
    event_set_str(ev, "host", r->host, strlen(r->host));
    event_set_str(ev, "user_agent", r->user_agent, strlen(r->user_agent));
    json_object_set_new(ev, "tool", json_string(fetch_tool_of(r->user_agent)));
    if (r->truncated)
        json_object_set_new(ev, "truncated", json_true());
    if (s->jobs && (strcmp(r->method, "GET") == 0 || strcmp(r->method, "HEAD") == 0)) {
        struct fetch_http_job h = {.url = url,
                                   .user_agent = r->user_agent,
                                   .peer = c->peer,
                                   .dst = c->dst,
                                   .dst_port = c->dst_port,
                                   .head = strcmp(r->method, "HEAD") == 0};
        ev = admit(s, c->peer, ev);
        if (fetch_jobs_http(s->jobs, c->fd, ev, &h) == 0) {
            c->fd = -1;
            return;
        }
        /* Not fetched (busy, quota): answered as with fetch = no. */
        if (ev && event_emit(s->p, ev) < 0)
            LOG_RATELIMITED(LOG_LEVEL_WARN, "fetcher: a file.download could not be recorded");
    } else {
        emit(s, c->peer, ev);
    }
    snprintf(reply, sizeof(reply),
             "HTTP/1.1 404 Not Found\r\nServer: nginx\r\nContent-Type: text/html\r\n"
             "Content-Length: %zu\r\nConnection: close\r\n\r\n",
             sizeof(NOT_FOUND_BODY) - 1);
    say(c->fd, reply);
    say(c->fd, NOT_FOUND_BODY);
}

/* 1 when the connection is done with (answered, or not HTTP), 0 to read
 * on. */
static int http_input(struct fetch_server *s, struct conn *c)
{
    struct fetch_http r;
    int rc = fetch_http_parse(c->buf, c->len, &r);
    if (rc == -EAGAIN)
        return c->len >= sizeof(c->buf);
    if (rc == 0)
        http_done(s, c, &r);
    return 1;
}

static void ftp_retr(struct fetch_server *s, struct conn *c, const struct fetch_ftp_cmd *cmd)
{
    char a[UTIL_IPV4_LEN], url[1024];
    util_ipv4_format(c->dst, a);
    snprintf(url, sizeof(url), "ftp://%s%s%s", a, cmd->arg[0] == '/' ? "" : "/", cmd->arg);
    json_t *ev = download_event(s, "ftp", url, c->peer, c->peer_port, c->dst, c->dst_port);
    event_set_str(ev, "method", "RETR", 4);
    event_set_str(ev, "username", c->session.user, strlen(c->session.user));
    event_set_str(ev, "password", c->session.pass, strlen(c->session.pass));
    json_object_set_new(ev, "tool", json_string("ftp"));
    emit(s, c->peer, ev);
}

/* Every complete command line in buf, answered in turn. 1 when done. */
static int ftp_input(struct fetch_server *s, struct conn *c)
{
    for (;;) {
        struct fetch_ftp_cmd cmd;
        char reply[256];
        int rc = fetch_ftp_parse(c->buf, c->len, &cmd);
        if (rc == -EAGAIN)
            return 0;
        if (rc == -E2BIG) {
            say(c->fd, "500 Input line too long.\r\n");
            return 1;
        }
        enum fetch_ftp_action act = FETCH_FTP_REPLY;
        size_t used;
        if (rc == -EPROTO) {
            snprintf(reply, sizeof(reply), "500 Unknown command.\r\n");
            const char *nl = memchr(c->buf, '\n', c->len);
            used = nl ? (size_t)(nl - c->buf) + 1 : c->len;
            if (++c->session.cmds > FETCH_FTP_MAX_CMDS)
                act = FETCH_FTP_CLOSE;
        } else {
            act = fetch_ftp_step(&c->session, &cmd, reply, sizeof(reply));
            used = cmd.line_len;
        }
        if (act == FETCH_FTP_RETR)
            ftp_retr(s, c, &cmd);
        say(c->fd, reply);
        if (act == FETCH_FTP_CLOSE)
            return 1;
        memmove(c->buf, c->buf + used, c->len - used);
        c->len -= used;
    }
}

static void conn_read(struct fetch_server *s, size_t i)
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
    if ((c->ftp ? ftp_input(s, c) : http_input(s, c)) != 0)
        conn_close(s, i);
}

static bool from_lan(const struct fetch_server *s, uint32_t ip)
{
    return (ip & s->lan_mask) == s->lan_net;
}

/* A new connection: kept only when redirected here from a honeynet. */
static void conn_accept(struct fetch_server *s)
{
    struct sockaddr_in peer = {0}, orig = {0};
    socklen_t pl = sizeof(peer), ol = sizeof(orig);
    int fd = accept4(s->tcp, (struct sockaddr *)&peer, &pl, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0)
        return;
    size_t i = FETCH_CONN_MAX, same = 0;
    for (size_t k = 0; k < FETCH_CONN_MAX; k++) {
        if (!s->conns[k])
            i = i < k ? i : k;
        else if (s->conns[k]->peer == ntohl(peer.sin_addr.s_addr))
            same++;
    }
    if (i == FETCH_CONN_MAX || same >= CONN_PER_SOURCE || peer.sin_family != AF_INET ||
        !from_lan(s, ntohl(peer.sin_addr.s_addr)) ||
        getsockopt(fd, SOL_IP, SO_ORIGINAL_DST, &orig, &ol) != 0 ||
        ntohs(orig.sin_port) == s->port) {
        close(fd);
        return;
    }
    struct conn *c = xcalloc(1, sizeof(*c));
    c->fd = fd;
    c->peer = ntohl(peer.sin_addr.s_addr);
    c->peer_port = ntohs(peer.sin_port);
    c->dst = ntohl(orig.sin_addr.s_addr);
    c->dst_port = ntohs(orig.sin_port);
    c->ftp = c->dst_port == 21;
    c->deadline_ms = now_ms() + FETCH_CONN_MS;
    c->session.dst_ip = c->dst;
    s->conns[i] = c;
    if (c->ftp)
        say(fd, fetch_ftp_greeting());
}

/* ---- TFTP ---- */

/* Where the client sent it: its conntrack entry, read whole. */
static int tftp_origdst(struct fetch_server *s, uint32_t peer, uint16_t peer_port, uint32_t *dst,
                        uint16_t *dport)
{
    int fd = open("/proc/net/nf_conntrack", O_RDONLY | O_CLOEXEC);
    size_t len = 0;
    if (fd < 0)
        return -errno;
    while (len < FETCH_CONNTRACK_MAX) {
        ssize_t n = read(fd, s->ct + len, FETCH_CONNTRACK_MAX - len);
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    close(fd);
    return fetch_conntrack_origdst(s->ct, len, peer, peer_port, s->port, dst, dport);
}

static void tftp_one(struct fetch_server *s, const uint8_t *p, size_t n,
                     const struct sockaddr_in *from)
{
    uint32_t peer = ntohl(from->sin_addr.s_addr), dst = 0;
    uint16_t peer_port = ntohs(from->sin_port), dport = 0;
    struct fetch_tftp t;
    char a[UTIL_IPV4_LEN] = "unknown", url[512];
    uint8_t reply[64];
    if (!from_lan(s, peer) || fetch_tftp_parse(p, n, &t) < 0)
        return;
    if (tftp_origdst(s, peer, peer_port, &dst, &dport) == 0)
        util_ipv4_format(dst, a);
    snprintf(url, sizeof(url), "tftp://%s%s%s", a, t.file[0] == '/' ? "" : "/", t.file);
    json_t *ev = download_event(s, "tftp", url, peer, peer_port, dst, dport);
    event_set_str(ev, "method", t.opcode == 1 ? "RRQ" : "WRQ", 3);
    event_set_str(ev, "mode", t.mode, strlen(t.mode));
    json_object_set_new(ev, "tool", json_string("tftp"));
    emit(s, peer, ev);
    size_t len = t.opcode == 1 ? fetch_tftp_error(reply, sizeof(reply), 1, "File not found")
                               : fetch_tftp_error(reply, sizeof(reply), 2, "Access violation");
    (void)sendto(s->udp, reply, len, MSG_DONTWAIT, (const struct sockaddr *)from, sizeof(*from));
}

static void tftp_read(struct fetch_server *s)
{
    for (int k = 0; k < UDP_BATCH; k++) {
        uint8_t p[600];
        struct sockaddr_in from = {0};
        socklen_t fl = sizeof(from);
        ssize_t n = recvfrom(s->udp, p, sizeof(p), MSG_DONTWAIT, (struct sockaddr *)&from, &fl);
        if (n < 0)
            return;
        if (fl == sizeof(from) && from.sin_family == AF_INET)
            tftp_one(s, p, (size_t)n, &from);
    }
}

/* ---- the thread ---- */

/* Closes what is past its time; returns the ms until the next deadline. */
static int sweep(struct fetch_server *s)
{
    long long now = now_ms(), next = now + FETCH_CONN_MS;
    for (size_t i = 0; i < FETCH_CONN_MAX; i++) {
        if (!s->conns[i])
            continue;
        if (s->conns[i]->deadline_ms <= now)
            conn_close(s, i);
        else if (s->conns[i]->deadline_ms < next)
            next = s->conns[i]->deadline_ms;
    }
    return (int)(next - now);
}

static void *fetch_main(void *arg)
{
    struct fetch_server *s = arg;
    while (!worker_stopping(&s->w)) {
        struct pollfd pf[3 + FETCH_CONN_MAX];
        size_t at[FETCH_CONN_MAX], n = 3;
        int timeout = sweep(s);
        pf[0] = (struct pollfd){.fd = s->w.stop_fd, .events = POLLIN};
        pf[1] = (struct pollfd){.fd = s->tcp, .events = POLLIN};
        pf[2] = (struct pollfd){.fd = s->udp, .events = POLLIN};
        for (size_t i = 0; i < FETCH_CONN_MAX; i++)
            if (s->conns[i]) {
                at[n - 3] = i;
                pf[n++] = (struct pollfd){.fd = s->conns[i]->fd, .events = POLLIN};
            }
        if (poll(pf, n, timeout) < 0) {
            if (errno == EINTR)
                continue;
            LOG_ERROR("fetcher: poll: %d; downloads are no longer answered", errno);
            break;
        }
        for (size_t k = 3; k < n; k++)
            if (pf[k].revents)
                conn_read(s, at[k - 3]);
        if (pf[1].revents & POLLIN)
            conn_accept(s);
        if (pf[2].revents & POLLIN)
            tftp_read(s);
    }
    return NULL;
}

static int listen_on(int type, uint16_t port, char *err, size_t errlen)
{
    int fd = socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    char eb[128];
    /* Every address: the firewall lets only redirected flows reach it. */
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
        bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
        (type == SOCK_STREAM && listen(fd, 128) < 0)) {
        int e = errno;
        snprintf(err, errlen, "%s port %u: %s", type == SOCK_STREAM ? "tcp" : "udp", (unsigned)port,
                 util_strerror(e, eb, sizeof(eb)));
        if (fd >= 0)
            close(fd);
        return -e;
    }
    return fd;
}

int fetch_server_start(const struct config *cfg, struct event_pipeline *p, uint16_t port,
                       fetch_owner_fn owner, void *ud, struct fetch_server **out, char *err,
                       size_t errlen)
{
    struct fetch_server *s = xcalloc(1, sizeof(*s));
    int rc;
    s->cfg = cfg;
    s->p = p;
    s->owner = owner;
    s->ud = ud;
    s->port = port;
    s->lan_mask =
        cfg->honeynet.lan_pool_prefix ? 0xffffffffu << (32 - cfg->honeynet.lan_pool_prefix) : 0;
    s->lan_net = cfg->honeynet.lan_pool_net & s->lan_mask;
    s->tcp = s->udp = -1;
    if ((rc = s->tcp = listen_on(SOCK_STREAM, port, err, errlen)) < 0 ||
        (rc = s->udp = listen_on(SOCK_DGRAM, port, err, errlen)) < 0)
        goto fail;
    s->ct = xmalloc(FETCH_CONNTRACK_MAX);
    if (cfg->capture.fetch)
        s->jobs = fetch_jobs_new(cfg, p, s->lan_net, s->lan_mask);
    if ((rc = worker_start(&s->w, fetch_main, s)) < 0) {
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
    fetch_jobs_free(s->jobs);
    free(s->ct);
    free(s);
    return rc;
}

void fetch_server_stop(struct fetch_server *s)
{
    if (!s)
        return;
    worker_stop(&s->w);
    fetch_jobs_free(s->jobs);
    for (size_t i = 0; i < FETCH_CONN_MAX; i++)
        if (s->conns[i])
            conn_close(s, i);
    close(s->tcp);
    close(s->udp);
    free(s->ct);
    free(s);
}
