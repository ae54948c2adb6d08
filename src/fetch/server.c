/* fetch server: the fetcher's sockets, connections and events (see
 * server.h). The parsing is request.c's, ftp.c's and tftp.c's; this file
 * only reads, answers and records. */
#include "fetch/server.h"

#include "common/log.h"
#include "common/netsrv.h"
#include "common/util.h"
#include "common/xalloc.h"
#include "config/config.h"
#include "dns/answer.h"
#include "event/event.h"
#include "fetch/ftp.h"
#include "fetch/get.h"
#include "fetch/job.h"
#include "fetch/request.h"
#include "fetch/tftp.h"
#include "fetch/tftpx.h"
#include "fetch/tls.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

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

/* A connection's request so far (netsrv_conn's state). */
struct conn {
    bool ftp;
    bool tls;    /* HTTPS: its ClientHello is read, then it is refused */
    bool pasv;   /* FTP control, with fetch = yes: a data connection is awaited */
    int data_fd; /* FTP control: its data connection (a descriptor of ours), -1 none */
    int slot;    /* FTP control: its entry in fetch_server.ctl, -1 none */
    uint32_t peer, dst;
    size_t len;
    char buf[FETCH_HTTP_HEAD_MAX];
    struct fetch_ftp_session session;
};

struct fetch_server {
    struct event_pipeline *p;
    fetch_owner_fn owner;
    void *ud;
    uint16_t port;
    struct netsrv *srv;
    char *ct; /* conntrack text, FETCH_CONNTRACK_MAX bytes */
    struct rec_bucket rec[REC_SOURCES];
    struct fetch_jobs *jobs;          /* with [capture] fetch = yes */
    struct fetch_tftpx *tftpx;        /* with fetch = yes: TFTP transfers */
    struct conn *ctl[FETCH_CONN_MAX]; /* FTP control connections that said PASV */
};

static long long now_ms(void)
{
    return util_mono_us() / 1000;
}

/* ---- events ---- */

/* An event of type with who asked (and its honeynet and host) and where it
 * was meant to go. */
static json_t *flow_event(struct fetch_server *s, enum event_type type, uint32_t peer,
                          uint16_t peer_port, uint32_t dst, uint16_t dst_port)
{
    char a[UTIL_IPV4_LEN], hn[64] = "", host[64] = "";
    json_t *ev = event_new(type);
    util_ipv4_format(peer, a);
    json_object_set_new(ev, "src_ip", json_string(a));
    json_object_set_new(ev, "src_port", json_integer(peer_port));
    if (dst) {
        util_ipv4_format(dst, a);
        json_object_set_new(ev, "dst_ip", json_string(a));
        json_object_set_new(ev, "dst_port", json_integer(dst_port));
    }
    if (s->owner && s->owner(s->ud, peer, hn, sizeof(hn), host, sizeof(host))) {
        json_object_set_new(ev, "honeynet", json_string(hn));
        if (host[0])
            json_object_set_new(ev, "container", json_string(host));
    }
    return ev;
}

/* A file.download, not fetched (yet). */
static json_t *download_event(struct fetch_server *s, const char *proto, const char *url,
                              uint32_t peer, uint16_t peer_port, uint32_t dst, uint16_t dst_port)
{
    json_t *ev = flow_event(s, EVENT_FILE_DOWNLOAD, peer, peer_port, dst, dst_port);
    json_object_set_new(ev, "proto", json_string(proto));
    event_set_str(ev, "url", url, strlen(url));
    json_object_set_new(ev, "fetched", json_false());
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
        LOG_RATELIMITED(LOG_LEVEL_WARN, "fetcher: an event could not be recorded");
}

/* ---- connections ---- */

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
static void http_done(struct fetch_server *s, struct netsrv_conn *c, const struct fetch_http *r)
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
                                   /* a made-up address of the resolver's
                                    * (dns/answer.h): the name is looked up
                                    * here instead */
                                   .by_name = dns_answer_made_up(c->dst),
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
static int http_input(struct fetch_server *s, struct netsrv_conn *nc)
{
    struct conn *c = nc->state;
    struct fetch_http r;
    int rc = fetch_http_parse(c->buf, c->len, &r);
    if (rc == -EAGAIN)
        return c->len >= sizeof(c->buf);
    if (rc == 0)
        http_done(s, nc, &r);
    return 1;
}

/* Records a RETR; with fetch = yes and a data connection, hands it to a
 * job, which answers it: true then (reply is not to be sent). */
static bool ftp_retr(struct fetch_server *s, struct netsrv_conn *nc,
                     const struct fetch_ftp_cmd *cmd, char *reply, size_t rlen)
{
    struct conn *c = nc->state;
    char a[UTIL_IPV4_LEN], url[1024];
    util_ipv4_format(nc->dst, a);
    snprintf(url, sizeof(url), "ftp://%s%s%s", a, cmd->arg[0] == '/' ? "" : "/", cmd->arg);
    json_t *ev = download_event(s, "ftp", url, nc->peer, nc->peer_port, nc->dst, nc->dst_port);
    event_set_str(ev, "method", "RETR", 4);
    event_set_str(ev, "username", c->session.user, strlen(c->session.user));
    event_set_str(ev, "password", c->session.pass, strlen(c->session.pass));
    json_object_set_new(ev, "tool", json_string("ftp"));
    if (!s->jobs) {
        emit(s, nc->peer, ev);
        return false;
    }
    ev = admit(s, nc->peer, ev);
    int ctl = c->data_fd >= 0 ? fcntl(nc->fd, F_DUPFD_CLOEXEC, 0) : -1;
    struct fetch_ftp_job f = {.url = url,
                              .username = c->session.user,
                              .password = c->session.pass,
                              .peer = nc->peer,
                              .dst = nc->dst,
                              .dst_port = nc->dst_port};
    if (c->data_fd < 0) {
        snprintf(reply, rlen, "425 Use PORT or PASV first.\r\n");
        if (ev)
            json_object_set_new(ev, "error", json_string("no data connection"));
    } else if (ctl >= 0 && fetch_jobs_ftp(s->jobs, ctl, c->data_fd, ev, &f) == 0) {
        c->data_fd = -1;
        /* The control connection waits for the job's 226. */
        nc->deadline_ms += (FETCH_GET_TIMEOUT_S + 30) * 1000LL;
        return true;
    }
    if (ctl >= 0)
        close(ctl);
    if (ev && event_emit(s->p, ev) < 0)
        LOG_RATELIMITED(LOG_LEVEL_WARN, "fetcher: a file.download could not be recorded");
    return false;
}

/* PASV or EPSV said, with fetch = yes: the next connection from this
 * client to this address's port 21 is its data connection. */
static void ftp_pasv(struct fetch_server *s, struct conn *c)
{
    if (c->data_fd >= 0) {
        close(c->data_fd);
        c->data_fd = -1;
    }
    for (int i = 0; i < FETCH_CONN_MAX && c->slot < 0; i++)
        if (!s->ctl[i]) {
            s->ctl[i] = c;
            c->slot = i;
        }
    c->pasv = c->slot >= 0;
}

/* Every complete command line in buf, answered in turn. 1 when done. */
static int ftp_input(struct fetch_server *s, struct netsrv_conn *nc)
{
    struct conn *c = nc->state;
    for (;;) {
        struct fetch_ftp_cmd cmd;
        char reply[256];
        int rc = fetch_ftp_parse(c->buf, c->len, &cmd);
        if (rc == -EAGAIN)
            return 0;
        if (rc == -E2BIG) {
            say(nc->fd, "500 Input line too long.\r\n");
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
        bool answered = act == FETCH_FTP_RETR && ftp_retr(s, nc, &cmd, reply, sizeof(reply));
        if (s->jobs && rc == 0 && (strcmp(cmd.verb, "PASV") == 0 || strcmp(cmd.verb, "EPSV") == 0))
            ftp_pasv(s, c);
        /* The size is known only once fetched: not "550" (curl takes it
         * for a missing file), a server without SIZE. */
        if (s->jobs && rc == 0 && strcmp(cmd.verb, "SIZE") == 0 && c->session.logged_in)
            snprintf(reply, sizeof(reply), "502 Command not implemented.\r\n");
        if (!answered)
            say(nc->fd, reply);
        if (act == FETCH_FTP_CLOSE)
            return 1;
        memmove(c->buf, c->buf + used, c->len - used);
        c->len -= used;
    }
}

/* HTTPS: the ClientHello recorded (tcpip.tls). With fetch = yes it is
 * relayed (fetch/tlsrelay.h), and recorded when the relay ends; else, or
 * when no job takes it, a fatal alert, as a server that will not talk: the
 * tool fails at once. 1 when done. */
static int tls_input(struct fetch_server *s, struct netsrv_conn *nc)
{
    struct conn *c = nc->state;
    struct fetch_tls_hello h;
    char ver[8];
    int rc = fetch_tls_parse((const uint8_t *)c->buf, c->len, &h);
    if (rc == -EAGAIN && c->len < sizeof(c->buf))
        return 0;
    json_t *ev = flow_event(s, EVENT_TCPIP_TLS, nc->peer, nc->peer_port, nc->dst, nc->dst_port);
    if (rc == 0) {
        event_set_str(ev, "sni", h.sni, strlen(h.sni));
        event_set_str(ev, "alpn", h.alpn, strlen(h.alpn));
        if ((h.best_version & 0xff) == 0)
            snprintf(ver, sizeof(ver), "ssl3");
        else
            snprintf(ver, sizeof(ver), "1.%u", (h.best_version & 0xff) - 1);
        json_object_set_new(ev, "tls_version", json_string(ver));
        json_object_set_new(ev, "ciphers", json_integer(h.ciphers));
    } else {
        json_object_set_new(ev, "malformed", json_true());
        json_object_set_new(ev, "size", json_integer((json_int_t)c->len));
    }
    if (s->jobs && rc == 0) {
        struct fetch_tls_job t = {.first = (const uint8_t *)c->buf,
                                  .first_len = c->len,
                                  .sni = h.sni,
                                  .peer = nc->peer,
                                  .dst = nc->dst,
                                  .dst_port = nc->dst_port,
                                  .by_name = dns_answer_made_up(nc->dst)};
        ev = admit(s, nc->peer, ev);
        if (fetch_jobs_tls(s->jobs, nc->fd, ev, &t) == 0) {
            nc->fd = -1;
            return 1;
        }
        /* Not taken (busy, quota): refused, as with fetch = no. */
        if (ev) {
            json_object_set_new(ev, "relayed", json_false());
            if (event_emit(s->p, ev) < 0)
                LOG_RATELIMITED(LOG_LEVEL_WARN, "fetcher: a tcpip.tls could not be recorded");
        }
    } else {
        json_object_set_new(ev, "relayed", json_false());
        emit(s, nc->peer, ev);
    }
    uint8_t alert[7];
    fetch_tls_alert(alert);
    (void)send(nc->fd, alert, sizeof(alert), MSG_NOSIGNAL | MSG_DONTWAIT);
    return 1;
}

static int on_input(void *ud, struct netsrv_conn *nc)
{
    struct conn *c = nc->state;
    ssize_t n = recv(nc->fd, c->buf + c->len, sizeof(c->buf) - c->len, MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return 0;
    if (n <= 0)
        return 1;
    c->len += (size_t)n;
    return c->tls ? tls_input(ud, nc) : c->ftp ? ftp_input(ud, nc) : http_input(ud, nc);
}

/* A connection redirected here from a download port (not the fetcher's
 * own). */
static int on_accept(void *ud, struct netsrv_conn *nc)
{
    struct fetch_server *s = ud;
    if (nc->dst_port == s->port)
        return -EPERM;
    if (nc->dst_port == 21 && s->jobs)
        for (int i = 0; i < FETCH_CONN_MAX; i++) {
            struct conn *ctl = s->ctl[i];
            if (ctl && ctl->pasv && ctl->peer == nc->peer && ctl->dst == nc->dst) {
                /* Its data connection: kept by the control one (netsrv
                 * closes its own descriptor). */
                ctl->data_fd = fcntl(nc->fd, F_DUPFD_CLOEXEC, 0);
                ctl->pasv = false;
                return -EALREADY;
            }
        }
    struct conn *c = xcalloc(1, sizeof(*c));
    c->ftp = nc->dst_port == 21;
    c->tls = nc->dst_port == 443;
    c->session.dst_ip = nc->dst;
    c->data_fd = c->slot = -1;
    c->peer = nc->peer;
    c->dst = nc->dst;
    nc->state = c;
    if (c->ftp)
        say(nc->fd, fetch_ftp_greeting());
    return 0;
}

static void on_closed(void *ud, struct netsrv_conn *nc)
{
    struct fetch_server *s = ud;
    struct conn *c = nc->state;
    if (c && c->slot >= 0)
        s->ctl[c->slot] = NULL;
    if (c && c->data_fd >= 0)
        close(c->data_fd);
    free(c);
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

/* A TFTP fetch's end, on its job's thread: the transfer begins. */
struct tftp_done {
    struct fetch_tftpx *x;
    int udp; /* a descriptor of its own: the fetcher's socket may be gone */
    uint32_t peer;
    uint16_t port;
};

static void tftp_fetched(void *ud, int fd, long long size)
{
    struct tftp_done *d = ud;
    fetch_tftpx_ready(d->x, d->udp, d->peer, d->port, fd, size);
    close(d->udp);
    free(d);
}

/* With fetch = yes: a read request fetched by a job, its file then sent
 * block by block (tftpx.h). False when it is not taken (answered as with
 * fetch = no, and ev recorded by the caller); true: ev taken. */
static bool tftp_fetch(struct fetch_server *s, int fd, json_t *ev, const char *url, uint32_t peer,
                       uint16_t port, uint32_t dst, uint16_t dport)
{
    int rc = fetch_tftpx_begin(s->tftpx, peer, port);
    if (rc == -EEXIST) { /* the client asking again while it is fetched */
        json_decref(ev);
        return true;
    }
    if (rc < 0)
        return false;
    ev = admit(s, peer, ev);
    struct tftp_done *d = xcalloc(1, sizeof(*d));
    *d = (struct tftp_done){.x = s->tftpx, .peer = peer, .port = port};
    d->udp = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    struct fetch_tftp_job t = {
        .url = url, .peer = peer, .dst = dst, .dst_port = dport, .done = tftp_fetched, .ud = d};
    if (d->udp >= 0 && fetch_jobs_tftp(s->jobs, ev, &t) == 0)
        return true;
    /* Not fetched (busy, quota): "File not found", and the transfer gone. */
    fetch_tftpx_ready(s->tftpx, fd, peer, port, -1, 0);
    if (d->udp >= 0)
        close(d->udp);
    free(d);
    if (ev && event_emit(s->p, ev) < 0)
        LOG_RATELIMITED(LOG_LEVEL_WARN, "fetcher: an event could not be recorded");
    return true;
}

static void on_datagram(void *ud, int fd, const uint8_t *p, size_t n,
                        const struct sockaddr_in *from)
{
    struct fetch_server *s = ud;
    uint32_t peer = ntohl(from->sin_addr.s_addr), dst = 0;
    uint16_t peer_port = ntohs(from->sin_port), dport = 0;
    struct fetch_tftp t;
    char a[UTIL_IPV4_LEN] = "unknown", url[512];
    uint8_t reply[64];
    if (s->tftpx && n >= 4 && p[0] == 0 && p[1] == 4) { /* ACK */
        (void)fetch_tftpx_ack(s->tftpx, fd, peer, peer_port, (unsigned)p[2] << 8 | p[3]);
        return;
    }
    if (fetch_tftp_parse(p, n, &t) < 0)
        return;
    if (tftp_origdst(s, peer, peer_port, &dst, &dport) == 0)
        util_ipv4_format(dst, a);
    snprintf(url, sizeof(url), "tftp://%s%s%s", a, t.file[0] == '/' ? "" : "/", t.file);
    json_t *ev = download_event(s, "tftp", url, peer, peer_port, dst, dport);
    event_set_str(ev, "method", t.opcode == 1 ? "RRQ" : "WRQ", 3);
    event_set_str(ev, "mode", t.mode, strlen(t.mode));
    json_object_set_new(ev, "tool", json_string("tftp"));
    if (s->jobs && t.opcode == 1 && dst && tftp_fetch(s, fd, ev, url, peer, peer_port, dst, dport))
        return;
    emit(s, peer, ev);
    size_t len = t.opcode == 1 ? fetch_tftp_error(reply, sizeof(reply), 1, "File not found")
                               : fetch_tftp_error(reply, sizeof(reply), 2, "Access violation");
    (void)sendto(fd, reply, len, MSG_DONTWAIT, (const struct sockaddr *)from, sizeof(*from));
}

static const struct netsrv_ops OPS = {on_accept, on_input, on_closed, on_datagram};

int fetch_server_start(const struct config *cfg, struct event_pipeline *p, uint16_t port,
                       fetch_owner_fn owner, void *ud, struct fetch_server **out, char *err,
                       size_t errlen)
{
    struct fetch_server *s = xcalloc(1, sizeof(*s));
    struct netsrv_options o = {.name = "fetcher",
                               .port = port,
                               .pool_net = cfg->honeynet.lan_pool_net,
                               .pool_prefix = cfg->honeynet.lan_pool_prefix,
                               .conn_max = FETCH_CONN_MAX,
                               .per_source = CONN_PER_SOURCE,
                               .conn_ms = FETCH_CONN_MS};
    s->p = p;
    s->owner = owner;
    s->ud = ud;
    s->port = port;
    s->ct = xmalloc(FETCH_CONNTRACK_MAX);
    uint32_t mask = util_ipv4_mask(cfg->honeynet.lan_pool_prefix);
    if (cfg->capture.fetch) {
        s->jobs = fetch_jobs_new(cfg, p, cfg->honeynet.lan_pool_net & mask, mask);
        s->tftpx = fetch_tftpx_new();
    }
    int rc = netsrv_start(&o, &OPS, s, &s->srv, err, errlen);
    if (rc < 0) {
        fetch_jobs_free(s->jobs);
        fetch_tftpx_free(s->tftpx);
        free(s->ct);
        free(s);
        return rc;
    }
    *out = s;
    return 0;
}

void fetch_server_stop(struct fetch_server *s)
{
    if (!s)
        return;
    netsrv_stop(s->srv);
    fetch_jobs_free(s->jobs); /* its TFTP jobs end in tftpx: freed after */
    fetch_tftpx_free(s->tftpx);
    free(s->ct);
    free(s);
}
