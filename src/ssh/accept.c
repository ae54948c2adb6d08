/* ssh accept: the listener (see server_int.h). A connection is turned away
 * (recorded as a refused session.connect) when descriptors run short, past
 * the caps on unauthenticated connections, or when no session process can
 * be had; else the zygote forks its session process, which is handed the
 * connection, its monitor socket and the host keys it shows. */
#include "common/log.h"
#include "common/util.h"
#include "config/config.h"
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

void kssh_srv_accept(struct kssh_server *s)
{
    struct sockaddr_storage ss = {0};
    socklen_t sl = sizeof(ss);
    int fd = accept4(s->lfd, (struct sockaddr *)&ss, &sl, SOCK_CLOEXEC);
    struct conn c = {.mon = -1, .start_us = util_now_us()};
    for (int i = 0; i < MAX_TTYS; i++)
        c.tty[i].fd = -1;
    for (int i = 0; i < MAX_UPFILES; i++)
        c.up[i].fd = -1;
    int one = 1, pair[2];
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
    if (ss.ss_family == AF_INET6) {
        struct sockaddr_in6 a;
        memcpy(&a, &ss, sizeof(a));
        inet_ntop(AF_INET6, &a.sin6_addr, c.ip, sizeof(c.ip));
        c.port = ntohs(a.sin6_port);
    } else {
        struct sockaddr_in a;
        memcpy(&a, &ss, sizeof(a));
        inet_ntop(AF_INET, &a.sin_addr, c.ip, sizeof(c.ip));
        c.port = ntohs(a.sin_port);
    }
    new_session_id(c.session);
    if (no_fds)
        return refuse(s, &c, fd, "out of file descriptors");
    if (s->nconns >= MAX_CONNS || kssh_srv_conn_count(s, NULL, false) >= s->cfg->ssh.max_unauth)
        return refuse(s, &c, fd, "max_unauth");
    if (kssh_srv_conn_count(s, c.ip, false) >= s->cfg->ssh.max_unauth_per_source)
        return refuse(s, &c, fd, "max_unauth_per_source");
    if (s->zygote_gone)
        return refuse(s, &c, fd, "session zygote down");
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0) {
        bool emfile = errno == EMFILE || errno == ENFILE;
        if (emfile)
            fds_short(s);
        return refuse(s, &c, fd, emfile ? "out of file descriptors" : "out of resources");
    }
    if (shown_keys(s, c.ip, &c.keys) < 0) {
        close(pair[0]);
        close(pair[1]);
        return refuse(s, &c, fd, "host keys unavailable");
    }
    int rc = kssh_zygote_spawn(s->z, fd, pair[1], &c.pid);
    close(fd);
    close(pair[1]);
    if (rc == 0 && kssh_msg_send(pair[0], json_pack("{s:[s,s,s]}", "hostkeys", c.keys.pem[0],
                                                    c.keys.pem[1], c.keys.pem[2])) < 0)
        LOG_DEBUG("ssh: session %s went away before its host keys", c.session);
    if (rc < 0) {
        kssh_keyset_free(&c.keys);
        close(pair[0]);
        if (rc == -EPIPE)
            kssh_srv_reap(s, false); /* says so, once */
        return refuse(s, &c, -1, rc == -EPIPE ? "session zygote down" : "out of resources");
    }
    c.mon = pair[0];
    json_t *ev = event_new(EVENT_SESSION_CONNECT);
    json_object_set_new(ev, "dst_port", json_integer(s->port));
    kssh_srv_emit(s, &c, ev);
    s->conns[s->nconns++] = c;
}
