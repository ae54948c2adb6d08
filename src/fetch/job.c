/* fetch job: see job.h. */
#include "fetch/job.h"

#include "common/log.h"
#include "common/util.h"
#include "common/xalloc.h"
#include "config/config.h"
#include "event/event.h"
#include "fetch/filetype.h"
#include "fetch/get.h"
#include "fetch/tls.h"
#include "fetch/tlsrelay.h"
#include "store/store.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <unistd.h>

#define QUOTA_NETS 64
/* How long the client may take to read the file handed to it. */
#define SEND_TIMEOUT_S 20

struct quota {
    uint32_t net; /* a LAN /24; 0: free */
    long long bytes;
};

struct fetch_jobs {
    const struct config *cfg;
    struct event_pipeline *p;
    uint32_t pool_net, pool_mask;
    struct fetch_local local;
    pthread_mutex_t mu;
    pthread_cond_t done;
    unsigned running;
    volatile bool stop;
    struct quota quota[QUOTA_NETS];
};

/* HTTP: the response passed on while it is fetched. */
struct relay {
    int fd;
    bool head_only; /* HEAD */
    bool started;   /* the head is sent */
    bool gone;      /* the client stopped taking it */
    long long max_bytes;
};

struct job {
    struct fetch_jobs *j;
    int fd;  /* HTTP: the client's connection; FTP: its data connection */
    int ctl; /* FTP: the control connection, -1 for HTTP */
    json_t *ev;
    char *url, *ua, *user, *pass;
    uint32_t peer, dst;
    uint16_t dst_port;
    bool head;
    void (*done)(void *ud, int fd, long long size); /* TFTP */
    void *done_ud;
    bool tls; /* HTTPS: relayed (first: its ClientHello, sni its name) */
    uint8_t *first;
    size_t first_len;
    char *sni;
};

struct fetch_jobs *fetch_jobs_new(const struct config *cfg, struct event_pipeline *p,
                                  uint32_t pool_net, uint32_t pool_mask)
{
    struct fetch_jobs *j = xcalloc(1, sizeof(*j));
    j->cfg = cfg;
    j->p = p;
    j->pool_net = pool_net;
    j->pool_mask = pool_mask;
    fetch_get_local(&j->local);
    pthread_mutex_init(&j->mu, NULL);
    pthread_cond_init(&j->done, NULL);
    return j;
}

/* The /24's entry (made, or the least used one taken over); under mu. */
static struct quota *quota_of(struct fetch_jobs *j, uint32_t peer)
{
    uint32_t net = peer & 0xffffff00u;
    struct quota *least = &j->quota[0];
    for (size_t i = 0; i < QUOTA_NETS; i++) {
        if (j->quota[i].net == net)
            return &j->quota[i];
        if (!j->quota[i].net || j->quota[i].bytes < least->bytes)
            least = &j->quota[i];
    }
    *least = (struct quota){.net = net};
    return least;
}

static void say_flags(int fd, const char *text, size_t n, int flags)
{
    for (size_t off = 0; off < n;) {
        ssize_t w = send(fd, text + off, n - off, MSG_NOSIGNAL | flags);
        if (w <= 0)
            return;
        off += (size_t)w;
    }
}

static void say(int fd, const char *text, size_t n)
{
    say_flags(fd, text, n, 0);
}

static const char NOT_FOUND[] = "HTTP/1.1 404 Not Found\r\nServer: nginx\r\nContent-Type: "
                                "text/html\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";

static const char *reason_of(long status)
{
    switch (status) {
    case 200:
        return "OK";
    case 206:
        return "Partial Content";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    default:
        return status < 400 ? "OK" : "Error";
    }
}

/* The response's head as the server gave it (status, type; its length
 * when known, cut to max_bytes; else the body ends with the connection). */
static void send_head(struct relay *rl, long status, const char *type, long long length)
{
    char head[512], len[64] = "";
    if (status < 200 || status >= 600)
        status = 200;
    if (length >= 0)
        snprintf(len, sizeof(len), "Content-Length: %lld\r\n",
                 length < rl->max_bytes ? length : rl->max_bytes);
    int n =
        snprintf(head, sizeof(head),
                 "HTTP/1.1 %ld %s\r\nServer: nginx\r\nContent-Type: %.200s\r\n%s"
                 "Connection: close\r\n\r\n",
                 status, reason_of(status), type && *type ? type : "application/octet-stream", len);
    /* The head and the body's first bytes in one segment. */
    say_flags(rl->fd, head, (size_t)n, rl->head_only ? 0 : MSG_MORE);
    rl->started = true;
}

/* fetch_get's pass: each piece to the client as it comes; a client that
 * stops taking it does not stop the fetch (the file is what is wanted). */
static void pass_on(void *ud, const struct fetch_get_head *h, const void *d, size_t n)
{
    struct relay *rl = ud;
    if (h)
        send_head(rl, h->status, h->content_type, h->length);
    for (size_t off = 0; !rl->head_only && !rl->gone && off < n;) {
        ssize_t w = send(rl->fd, (const char *)d + off, n - off, MSG_NOSIGNAL);
        if (w <= 0)
            rl->gone = true;
        else
            off += (size_t)w;
    }
}

/* FTP: the bytes on the data connection, between 150 and 226 on the
 * control one, as vsftpd says them. */
static void ftp_hand_over(const struct job *jb, const struct fetch_get_result *g)
{
    static const char FAILED[] = "550 Failed to open file.\r\n";
    char line[160];
    if (g->fd < 0) {
        say(jb->ctl, FAILED, sizeof(FAILED) - 1);
        return;
    }
    int n = snprintf(line, sizeof(line),
                     "150 Opening BINARY mode data connection (%lld bytes).\r\n", g->size);
    say(jb->ctl, line, (size_t)n);
    off_t off = 0;
    while (off < g->size) {
        ssize_t w = sendfile(jb->fd, g->fd, &off, (size_t)(g->size - off));
        if (w <= 0)
            break;
    }
    shutdown(jb->fd, SHUT_WR);
    n = snprintf(line, sizeof(line),
                 off == g->size ? "226 Transfer complete.\r\n"
                                : "426 Failure writing network stream.\r\n");
    say(jb->ctl, line, (size_t)n);
}

/* What was fetched, on the file.download. */
static void describe(struct job *jb, const struct fetch_get_result *g)
{
    json_t *ev = jb->ev;
    char sha[65], type[64];
    unsigned char first[512];
    unsigned long long size = 0;
    json_object_set_new(ev, "max_bytes", json_integer(jb->j->cfg->capture.max_bytes));
    if (g->ip[0])
        json_object_set_new(ev, "origin_ip", json_string(g->ip));
    if (g->error[0])
        event_set_str(ev, "error", g->error, strlen(g->error));
    if (g->status)
        json_object_set_new(ev, "status", json_integer(g->status));
    if (g->fd < 0)
        return;
    event_set_str(ev, "content_type", g->content_type, strlen(g->content_type));
    ssize_t n = pread(g->fd, first, sizeof(first), 0);
    fetch_filetype(first, n > 0 ? (size_t)n : 0, type, sizeof(type));
    json_object_set_new(ev, "filetype", json_string(type));
    if (g->truncated)
        json_object_set_new(ev, "truncated", json_true());
    if (store_artifact_put_fd(jb->j->cfg->store.dir, g->fd, sha, &size) == 0) {
        json_object_set_new(ev, "fetched", json_true());
        json_object_set_new(ev, "sha256", json_string(sha));
        json_object_set_new(ev, "artifact", json_string(sha));
        json_object_set_new(ev, "size", json_integer((json_int_t)size));
    } else {
        json_object_set_new(ev, "error", json_string("not stored"));
    }
}

static void job_free(struct job *jb)
{
    free(jb->url);
    free(jb->ua);
    free(jb->user);
    free(jb->pass);
    free(jb->first);
    free(jb->sni);
    free(jb);
}

/* What the relay did, on the tcpip.tls. */
static void describe_tls(json_t *ev, const struct fetch_tls_relay_result *t, long long max_bytes)
{
    const struct fetch_tls_cert *c = &t->cert;
    json_object_set_new(ev, "relayed", json_boolean(t->relayed));
    if (t->ip[0])
        json_object_set_new(ev, "origin_ip", json_string(t->ip));
    json_object_set_new(ev, "bytes_up", json_integer(t->up));
    json_object_set_new(ev, "bytes_down", json_integer(t->down));
    json_object_set_new(ev, "max_bytes", json_integer(max_bytes));
    if (t->truncated)
        json_object_set_new(ev, "truncated", json_true());
    if (t->error[0])
        json_object_set_new(ev, "error", json_string(t->error));
    if (!c->got)
        return;
    event_set_str(ev, "cert_subject", c->subject, strlen(c->subject));
    event_set_str(ev, "cert_issuer", c->issuer, strlen(c->issuer));
    event_set_str(ev, "cert_not_after", c->not_after, strlen(c->not_after));
    event_set_str(ev, "cert_san", c->san, strlen(c->san));
    json_object_set_new(ev, "cert_sha256", json_string(c->sha256));
}

/* HTTPS: relayed, then recorded; the client gets an alert when it could
 * not be. */
static long long tls_job(struct job *jb)
{
    struct fetch_jobs *j = jb->j;
    struct fetch_tls_relay_result t;
    struct fetch_tls_relay_req r = {.client = jb->fd,
                                    .first = jb->first,
                                    .first_len = jb->first_len,
                                    .dst = jb->dst,
                                    .dst_port = jb->dst_port,
                                    .sni = jb->sni,
                                    .max_bytes = j->cfg->capture.max_bytes,
                                    .pool_net = j->pool_net,
                                    .pool_mask = j->pool_mask,
                                    .local = &j->local,
                                    .stop = &j->stop};
    if (fetch_tls_relay(&r, &t) < 0) {
        uint8_t alert[7];
        fetch_tls_alert(alert);
        say(jb->fd, (const char *)alert, sizeof(alert));
    }
    if (jb->ev) {
        describe_tls(jb->ev, &t, r.max_bytes);
        if (event_emit(j->p, jb->ev) < 0)
            LOG_RATELIMITED(LOG_LEVEL_WARN, "fetcher: a tcpip.tls could not be recorded");
    }
    return t.down + t.up;
}

/* The job's bytes counted against its honeynet's quota; jb freed. */
static void finish(struct job *jb, long long used)
{
    struct fetch_jobs *j = jb->j;
    pthread_mutex_lock(&j->mu);
    quota_of(j, jb->peer)->bytes += used;
    j->running--;
    pthread_cond_broadcast(&j->done);
    pthread_mutex_unlock(&j->mu);
    job_free(jb);
}

static void *job_main(void *arg)
{
    struct job *jb = arg;
    struct fetch_jobs *j = jb->j;
    struct fetch_get_result g;
    struct fetch_get_req r = {.url = jb->url,
                              .user_agent = jb->ua,
                              .username = jb->user,
                              .password = jb->pass,
                              .connect_ip = jb->dst,
                              .connect_port = jb->dst_port,
                              .max_bytes = j->cfg->capture.max_bytes,
                              .dir = j->cfg->store.dir,
                              .pool_net = j->pool_net,
                              .pool_mask = j->pool_mask,
                              .local = &j->local,
                              .stop = &j->stop};
    /* The sockets were the fetcher's poll loop's: blocking from here,
     * with a time cap for a client that does not read. */
    struct timeval tv = {.tv_sec = SEND_TIMEOUT_S};
    int one = 1;
    for (int k = 0; k < 2; k++) {
        int fd = k ? jb->ctl : jb->fd;
        if (fd < 0)
            continue;
        (void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
        (void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
        /* The file's last segment not held back for an ACK (Nagle). */
        (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    }
    if (jb->tls) {
        long long used = tls_job(jb);
        close(jb->fd);
        finish(jb, used);
        return NULL;
    }
    struct relay rl = {.fd = jb->fd, .head_only = jb->head, .max_bytes = r.max_bytes};
    if (jb->ctl < 0 && !jb->done) {
        r.pass = pass_on;
        r.pass_ud = &rl;
    }
    (void)fetch_get(&r, &g);
    if (jb->done)
        jb->done(jb->done_ud, g.fd >= 0 ? fcntl(g.fd, F_DUPFD_CLOEXEC, 0) : -1, g.size);
    else if (jb->ctl >= 0)
        ftp_hand_over(jb, &g);
    else if (g.fd >= 0 && !rl.started)
        send_head(&rl, g.status, g.content_type, 0); /* an empty body */
    else if (!rl.started)
        say(jb->fd, NOT_FOUND, sizeof(NOT_FOUND) - 1);
    if (jb->fd >= 0)
        close(jb->fd);
    if (jb->ctl >= 0)
        close(jb->ctl);
    if (jb->ev) {
        if (g.fd >= 0 && lseek(g.fd, 0, SEEK_SET) != 0) {
            close(g.fd);
            g.fd = -1;
        }
        describe(jb, &g);
        if (event_emit(j->p, jb->ev) < 0)
            LOG_RATELIMITED(LOG_LEVEL_WARN, "fetcher: a file.download could not be recorded");
    }
    if (g.fd >= 0)
        close(g.fd);
    finish(jb, g.size);
    return NULL;
}

/* Counts a job in, or says why not (and notes it on ev). */
static int admit_job(struct fetch_jobs *j, uint32_t peer, json_t *ev)
{
    int rc = 0;
    pthread_mutex_lock(&j->mu);
    if (j->running >= FETCH_JOBS_MAX || j->stop)
        rc = -EBUSY;
    else if (quota_of(j, peer)->bytes >= j->cfg->capture.quota)
        rc = -EDQUOT;
    else
        j->running++;
    pthread_mutex_unlock(&j->mu);
    if (rc < 0 && ev)
        json_object_set_new(ev, "error", json_string(rc == -EBUSY ? "too many at once" : "quota"));
    return rc;
}

/* Starts jb (counted in by admit_job); on failure it is freed, its
 * descriptors left to the caller. */
static int start_job(struct job *jb)
{
    pthread_t th;
    pthread_attr_t at;
    pthread_attr_init(&at);
    pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
    int rc = pthread_create(&th, &at, job_main, jb);
    pthread_attr_destroy(&at);
    if (rc == 0)
        return 0;
    if (jb->ev)
        json_object_set_new(jb->ev, "error", json_string("too many at once"));
    pthread_mutex_lock(&jb->j->mu);
    jb->j->running--;
    pthread_mutex_unlock(&jb->j->mu);
    job_free(jb);
    return -EBUSY;
}

/* What a job is given to copy: borrowed, each NULL or copied. */
struct job_copies {
    const char *url, *ua, *user, *pass, *sni;
    const uint8_t *first;
    size_t first_len;
};

static char *dup_or_null(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

/* t counted in and started, with what c names copied into it; on failure
 * nothing of t is taken. */
static int launch(struct job t, const struct job_copies *c)
{
    int rc = admit_job(t.j, t.peer, t.ev);
    if (rc < 0)
        return rc;
    struct job *jb = xmalloc(sizeof(*jb));
    *jb = t;
    jb->url = dup_or_null(c->url);
    jb->ua = dup_or_null(c->ua);
    jb->user = dup_or_null(c->user);
    jb->pass = dup_or_null(c->pass);
    jb->sni = dup_or_null(c->sni);
    jb->first = c->first_len ? xmalloc(c->first_len) : NULL;
    if (jb->first)
        memcpy(jb->first, c->first, c->first_len);
    jb->first_len = c->first_len;
    return start_job(jb);
}

int fetch_jobs_http(struct fetch_jobs *j, int fd, json_t *ev, const struct fetch_http_job *h)
{
    return launch((struct job){.j = j,
                               .fd = fd,
                               .ctl = -1,
                               .ev = ev,
                               .peer = h->peer,
                               .dst = h->by_name ? 0 : h->dst,
                               .dst_port = h->dst_port,
                               .head = h->head},
                  &(struct job_copies){.url = h->url, .ua = h->user_agent ? h->user_agent : ""});
}

int fetch_jobs_ftp(struct fetch_jobs *j, int ctl, int data, json_t *ev,
                   const struct fetch_ftp_job *f)
{
    return launch((struct job){.j = j,
                               .fd = data,
                               .ctl = ctl,
                               .ev = ev,
                               .peer = f->peer,
                               .dst = f->dst,
                               .dst_port = f->dst_port},
                  &(struct job_copies){.url = f->url,
                                       .user = f->username ? f->username : "",
                                       .pass = f->password ? f->password : ""});
}

int fetch_jobs_tftp(struct fetch_jobs *j, json_t *ev, const struct fetch_tftp_job *t)
{
    return launch((struct job){.j = j,
                               .fd = -1,
                               .ctl = -1,
                               .ev = ev,
                               .peer = t->peer,
                               .dst = t->dst,
                               .dst_port = t->dst_port,
                               .done = t->done,
                               .done_ud = t->ud},
                  &(struct job_copies){.url = t->url});
}

int fetch_jobs_tls(struct fetch_jobs *j, int fd, json_t *ev, const struct fetch_tls_job *t)
{
    return launch((struct job){.j = j,
                               .fd = fd,
                               .ctl = -1,
                               .ev = ev,
                               .peer = t->peer,
                               .dst = t->by_name ? 0 : t->dst,
                               .dst_port = t->dst_port,
                               .tls = true},
                  &(struct job_copies){
                      .sni = t->sni ? t->sni : "", .first = t->first, .first_len = t->first_len});
}

void fetch_jobs_free(struct fetch_jobs *j)
{
    if (!j)
        return;
    pthread_mutex_lock(&j->mu);
    j->stop = true;
    while (j->running)
        pthread_cond_wait(&j->done, &j->mu);
    pthread_mutex_unlock(&j->mu);
    pthread_mutex_destroy(&j->mu);
    pthread_cond_destroy(&j->done);
    free(j);
}
