/* ssh accept: the listener (see server_int.h). A connection is turned away
 * (recorded as a refused session.connect) when descriptors run short, past
 * the caps on unauthenticated connections, or when no session process can
 * be had; else the zygote forks its session process, which is handed the
 * connection, its monitor socket and the host keys it shows. */
#include "common/log.h"
#include "common/util.h"
#include "common/xalloc.h"
#include "config/config.h"
#include "contain/firewall.h"
#include "event/event.h"
#include "honeynet/honeynet.h"
#include "ssh/hostkeys.h"
#include "ssh/keypool.h"
#include "ssh/monitor.h"
#include "ssh/server_int.h"
#include "ssh/zygote.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/netfilter_ipv4.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int kssh_srv_listen(struct kssh_server *s, char *err, size_t errlen)
{
    const struct config *cfg = s->cfg;
    struct sockaddr_storage ss = {0};
    socklen_t sl;
    char ebuf[128];
    int one = 1;
    bool v6 = strchr(cfg->ssh.listen_host, ':') != NULL;

    if (v6) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
        a->sin6_family = AF_INET6;
        a->sin6_port = htons(cfg->ssh.listen_port);
        inet_pton(AF_INET6, cfg->ssh.listen_host, &a->sin6_addr);
        sl = sizeof(*a);
    } else {
        struct sockaddr_in *a = (struct sockaddr_in *)&ss;
        a->sin_family = AF_INET;
        a->sin_port = htons(cfg->ssh.listen_port);
        inet_pton(AF_INET, cfg->ssh.listen_host, &a->sin_addr);
        sl = sizeof(*a);
    }
    s->lfd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (s->lfd < 0 || setsockopt(s->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
        bind(s->lfd, (struct sockaddr *)&ss, sl) < 0 || listen(s->lfd, 512) < 0 ||
        getsockname(s->lfd, (struct sockaddr *)&ss, &sl) < 0) {
        int e = errno;
        snprintf(err, errlen, "cannot listen on %s:%u: %s", cfg->ssh.listen_host,
                 cfg->ssh.listen_port, util_strerror(e, ebuf, sizeof(ebuf)));
        return -e;
    }
    s->port =
        ntohs(v6 ? ((struct sockaddr_in6 *)&ss)->sin6_port : ((struct sockaddr_in *)&ss)->sin_port);
    return 0;
}

static void new_session_id(char out[25])
{
    unsigned char r[12];
    if (RAND_bytes(r, sizeof(r)) != 1)
        abort();
    util_hex(r, sizeof(r), out);
}

static void refuse(struct kssh_server *s, struct conn *c, int fd, const char *why)
{
    json_t *ev = event_new(EVENT_SESSION_CONNECT);
    json_object_set_new(ev, "dst_port", json_integer(s->port));
    json_object_set_new(ev, "refused", json_string(why));
    kssh_srv_emit(s, c, ev);
    close(fd);
}

/* Out of descriptors: the spare one makes room to take the connection off
 * the queue and close it (else poll wakes at once, forever), and accepts
 * pause for a moment. Recorded as a refused connection. */
static void fds_short(struct kssh_server *s)
{
    s->paused_until = util_now_us() + 100000;
    s->fd_refused++;
    LOG_RATELIMITED(LOG_LEVEL_WARN,
                    "ssh: out of file descriptors; connections are turned away (%llu so far)",
                    s->fd_refused);
}

static int out_of_fds(struct kssh_server *s, struct sockaddr_storage *ss, socklen_t *sl)
{
    fds_short(s);
    if (s->reserve >= 0)
        close(s->reserve);
    int fd = accept4(s->lfd, (struct sockaddr *)ss, sl, SOCK_CLOEXEC);
    s->reserve = open("/dev/null", O_RDONLY | O_CLOEXEC);
    return fd;
}

/* The host keys a connection from ip is shown: its own if it has logged
 * in before, else a set of the pool's (keypool.h); never made here. */
static int shown_keys(struct kssh_server *s, const char *ip, struct kssh_keyset *out)
{
    if (s->cfg->honeynet.mode == CONFIG_MODE_SHARED) {
        kssh_keyset_copy(out, &s->shared_keys);
        return 0;
    }
    char *dir = honeynet_hostkey_dir(s->cfg, ip);
    int rc = kssh_keyset_read(dir, out);
    free(dir);
    if (rc == 0)
        return 0;
    unsigned h = 2166136261u; /* FNV-1a */
    for (const char *p = ip; *p; p++)
        h = (h ^ (unsigned char)*p) * 16777619u;
    return kssh_keypool_get(s->keypool, h, 10000, out);
}

static void new_conn(struct conn *c)
{
    *c = (struct conn){.mon = -1, .hop_up = -1, .start_us = util_now_us()};
    for (int i = 0; i < MAX_TTYS; i++)
        c->tty[i].fd = -1;
    for (int i = 0; i < MAX_UPFILES; i++)
        c->up[i].fd = -1;
}

static void peer_of(const struct sockaddr_storage *ss, char *ip, size_t iplen, unsigned *port)
{
    if (ss->ss_family == AF_INET6) {
        struct sockaddr_in6 a;
        memcpy(&a, ss, sizeof(a));
        inet_ntop(AF_INET6, &a.sin6_addr, ip, (socklen_t)iplen);
        *port = ntohs(a.sin6_port);
    } else {
        struct sockaddr_in a;
        memcpy(&a, ss, sizeof(a));
        inet_ntop(AF_INET, &a.sin_addr, ip, (socklen_t)iplen);
        *port = ntohs(a.sin_port);
    }
}

/* c (its keys set) gets a session process for fd, which shows version
 * (NULL: [ssh] version), and joins s->conns; else it is refused. Takes fd
 * and c's keys. */
static void start_session(struct kssh_server *s, struct conn *c, int fd, const char *version,
                          unsigned dst_port, json_t *connect_extra)
{
    int pair[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0) {
        bool emfile = errno == EMFILE || errno == ENFILE;
        if (emfile)
            fds_short(s);
        kssh_keyset_free(&c->keys);
        json_decref(connect_extra);
        return refuse(s, c, fd, emfile ? "out of file descriptors" : "out of resources");
    }
    int rc = kssh_zygote_spawn(s->z, fd, pair[1], &c->pid);
    close(fd);
    close(pair[1]);
    json_t *msg =
        json_pack("{s:[s?,s?,s?]}", "hostkeys", c->keys.pem[0], c->keys.pem[1], c->keys.pem[2]);
    if (version)
        json_object_set_new(msg, "version", json_string(version));
    if (c->hop)
        json_object_set_new(msg, "hop", json_true());
    if (rc == 0 && kssh_msg_send(pair[0], msg) < 0)
        LOG_DEBUG("ssh: session %s went away before its host keys", c->session);
    if (rc < 0) {
        json_decref(msg);
        kssh_keyset_free(&c->keys);
        json_decref(connect_extra);
        close(pair[0]);
        if (rc == -EPIPE)
            kssh_srv_reap(s, false); /* says so, once */
        return refuse(s, c, -1, rc == -EPIPE ? "session zygote down" : "out of resources");
    }
    c->mon = pair[0];
    json_t *ev = event_new(EVENT_SESSION_CONNECT);
    json_object_set_new(ev, "dst_port", json_integer(dst_port));
    if (connect_extra)
        json_object_update_new(ev, connect_extra);
    kssh_srv_emit(s, c, ev);
    s->conns[s->nconns++] = *c;
}

/* The caps on connections not logged in (for the listener and the hop
 * listener alike): why c is turned away, or NULL. */
static const char *over_caps(struct kssh_server *s, const struct conn *c)
{
    if (s->nconns >= MAX_CONNS || kssh_srv_conn_count(s, NULL, false) >= s->cfg->ssh.max_unauth)
        return "max_unauth";
    if (kssh_srv_conn_count(s, c->ip, false) >= s->cfg->ssh.max_unauth_per_source)
        return "max_unauth_per_source";
    if (s->zygote_gone)
        return "session zygote down";
    return NULL;
}

void kssh_srv_accept(struct kssh_server *s)
{
    struct sockaddr_storage ss = {0};
    socklen_t sl = sizeof(ss);
    int fd = accept4(s->lfd, (struct sockaddr *)&ss, &sl, SOCK_CLOEXEC);
    struct conn c;
    new_conn(&c);
    int one = 1;
    bool no_fds = false;

    if (fd < 0 && (errno == EMFILE || errno == ENFILE)) {
        fd = out_of_fds(s, &ss, &sl);
        no_fds = true;
    } else if (fd >= s->fd_ceiling) {
        fds_short(s);
        no_fds = true;
    }
    if (fd < 0)
        return;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    peer_of(&ss, c.ip, sizeof(c.ip), &c.port);
    new_session_id(c.session);
    if (no_fds)
        return refuse(s, &c, fd, "out of file descriptors");
    const char *why = over_caps(s, &c);
    if (why)
        return refuse(s, &c, fd, why);
    if (shown_keys(s, c.ip, &c.keys) < 0)
        return refuse(s, &c, fd, "host keys unavailable");
    start_session(s, &c, fd, NULL, s->port, NULL);
}

/* ---- hops ---- */

void kssh_srv_hop_listen(struct kssh_server *s)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(CONTAIN_HOP_PORT)};
    char eb[128];
    int one = 1;
    s->hop_lfd = -1;
    if (!s->cfg->honeynet.hops)
        return;
    /* Every address: only what KARAKURI-HOP redirects gets in (firewall.h). */
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
        bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 128) < 0) {
        LOG_WARN("ssh: cannot listen for SSH hops on port %d: %s; SSH within the LANs is refused",
                 CONTAIN_HOP_PORT, util_strerror(errno, eb, sizeof(eb)));
        if (fd >= 0)
            close(fd);
        return;
    }
    s->hop_lfd = fd;
}

void kssh_srv_hop_accept(struct kssh_server *s)
{
    struct sockaddr_storage ss = {0};
    struct sockaddr_in orig = {0};
    socklen_t sl = sizeof(ss), ol = sizeof(orig);
    int fd = accept4(s->hop_lfd, (struct sockaddr *)&ss, &sl, SOCK_CLOEXEC);
    struct conn c;
    new_conn(&c);
    int one = 1;
    if (fd < 0)
        return;
    if (fd >= s->fd_ceiling) {
        fds_short(s);
        close(fd);
        return;
    }
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    peer_of(&ss, c.ip, sizeof(c.ip), &c.port);
    new_session_id(c.session);
    /* Where it was going, before the redirect. */
    if (getsockopt(fd, SOL_IP, SO_ORIGINAL_DST, &orig, &ol) < 0 || orig.sin_family != AF_INET) {
        close(fd);
        return;
    }
    const char *why = s->nhop_waits >= MAX_HOP_WAITS ? "max_unauth" : over_caps(s, &c);
    if (why)
        return refuse(s, &c, fd, why);
    struct hop_wait *w = &s->hop_waits[s->nhop_waits++];
    *w = (struct hop_wait){.fd = fd, .port = c.port, .start_us = c.start_us};
    snprintf(w->session, sizeof(w->session), "%s", c.session);
    snprintf(w->ip, sizeof(w->ip), "%s", c.ip);
    inet_ntop(AF_INET, &orig.sin_addr, w->dst, sizeof(w->dst));
    struct honeynet_who who = {.port = c.port};
    snprintf(who.session, sizeof(who.session), "%s", c.session);
    snprintf(who.ip, sizeof(who.ip), "%s", c.ip);
    honeynet_hop_reach(s->hn, &who, w->dst);
}

void kssh_srv_hop_ready(struct kssh_server *s, struct honeynet_done *d)
{
    size_t i;
    for (i = 0; i < s->nhop_waits && strcmp(s->hop_waits[i].session, d->who.session) != 0; i++)
        ;
    if (i == s->nhop_waits) {
        if (d->up >= 0)
            close(d->up);
        return;
    }
    struct hop_wait w = s->hop_waits[i];
    s->hop_waits[i] = s->hop_waits[--s->nhop_waits];
    struct conn c;
    new_conn(&c);
    c.start_us = w.start_us;
    c.port = w.port;
    snprintf(c.session, sizeof(c.session), "%s", w.session);
    snprintf(c.ip, sizeof(c.ip), "%s", w.ip);
    if (!d->ok) {
        /* The host is not there after all: as a port nobody listens on. */
        char why[160];
        snprintf(why, sizeof(why), "hop: %.150s", d->why);
        return refuse(s, &c, w.fd, why);
    }
    c.hop = true;
    c.hop_pid = d->pid;
    c.hop_up = d->up;
    snprintf(c.hop_dst, sizeof(c.hop_dst), "%s", w.dst);
    snprintf(c.container, sizeof(c.container), "%s", d->container);
    snprintf(c.honeynet, sizeof(c.honeynet), "%s", d->honeynet);
    /* Shown as that host's sshd shows itself: its derived Ed25519 key (the
     * one the LAN's known_hosts name) and its identification. */
    c.keys.pem[2] = xstrdup(d->key_pem);
    const char *from = kssh_srv_session_on(s, d->honeynet, w.ip);
    json_t *extra = json_pack("{s:b}", "hop", 1);
    size_t before = s->nconns;
    start_session(s, &c, w.fd, d->version, 22, extra);
    if (s->nconns == before) {
        close(c.hop_up);
        return;
    }
    json_t *ev = event_new(EVENT_SESSION_HOP);
    if (*from)
        json_object_set_new(ev, "from_session", json_string(from));
    json_object_set_new(ev, "honeynet", json_string(d->honeynet));
    json_object_set_new(ev, "dst_ip", json_string(w.dst));
    json_object_set_new(ev, "host", json_string(d->hostname));
    json_object_set_new(ev, "container", json_string(d->container));
    json_object_set_new(ev, "depth", json_integer(d->depth));
    kssh_srv_emit(s, &c, ev);
}
