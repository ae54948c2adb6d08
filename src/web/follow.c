/* follow: the events stream's streams and their follower (follow.h).
 *
 * Locks: the list's (f->mu) is held by the follower for a whole round and
 * by web_follow_open to add a stream; a stream's (s->mu) guards its buffer
 * and flags between the follower and the reader on an MHD thread. The
 * follower owns every stream: the response's free callback only marks it
 * closed (it never takes f->mu), and the follower frees it on its next
 * round, so that MHD_resume_connection is never called on a connection
 * that is gone. */
#include "web/follow.h"

#include "common/log.h"
#include "common/util.h"
#include "common/xalloc.h"
#include "web/asset.h"
#include "web/sse.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

struct stream {
    pthread_mutex_t mu;
    struct MHD_Connection *conn;
    int fd; /* the connection's socket: looked at only while suspended */
    struct web_sse_buf buf;
    bool suspended; /* by the reader, not resumed yet */
    bool ending;    /* the server stops: end once the buffer is sent */
    bool overflow;  /* the client reads too slowly (poll_stream): end now */
    bool closed;    /* MHD is done with it (the free callback ran) */
    /* the follower's alone */
    struct web_events_params p;
    long long cursor;
    long long last_put_ms;
    long long full_since_ms; /* 0: not full */
    struct stream *next;
    atomic_int *active;
};

struct web_follow {
    const struct store_options *so;
    pthread_mutex_t mu;
    pthread_cond_t cond;
    bool stopping;
    struct stream *streams;
    atomic_int active; /* streams MHD still holds */
    pthread_t thread;
    bool started;
    struct store_reader *reader;
};

static long long now_ms(void)
{
    return util_mono_us() / 1000;
}

static ssize_t on_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct stream *s = cls;
    (void)pos;
    pthread_mutex_lock(&s->mu);
    if (s->overflow) {
        pthread_mutex_unlock(&s->mu);
        return MHD_CONTENT_READER_END_WITH_ERROR;
    }
    size_t n = web_sse_buf_take(&s->buf, buf, max);
    if (n == 0 && s->ending) {
        pthread_mutex_unlock(&s->mu);
        return MHD_CONTENT_READER_END_OF_STREAM;
    }
    if (n == 0) {
        /* nothing to send: wait, off MHD's loop, for the follower */
        s->suspended = true;
        MHD_suspend_connection(s->conn);
    }
    pthread_mutex_unlock(&s->mu);
    return (ssize_t)n;
}

static void on_free(void *cls)
{
    struct stream *s = cls;
    pthread_mutex_lock(&s->mu);
    s->closed = true;
    s->suspended = false;
    pthread_mutex_unlock(&s->mu);
    atomic_fetch_sub(s->active, 1);
}

static void stream_free(struct stream *s)
{
    web_sse_buf_free(&s->buf);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

/* Under s->mu: lets the reader run again. */
static void wake(struct stream *s)
{
    if (s->suspended && !s->closed) {
        s->suspended = false;
        MHD_resume_connection(s->conn);
    }
}

struct batch {
    struct web_sse_buf out; /* the frames of this round, at most the room left */
    long long last_id;
    unsigned n;
    bool full; /* more events wait than the stream's buffer has room for */
};

static int on_event(long long id, const char *line, void *ud)
{
    struct batch *b = ud;
    char *frame = NULL;
    size_t len = 0;
    if (web_sse_frame(id, line, &frame, &len) == 0) {
        int rc = web_sse_buf_put(&b->out, frame, len);
        free(frame);
        if (rc < 0 && len <= WEB_SSE_BUF_CAP) {
            b->full = true;
            return 1; /* the rest comes once the client has read */
        }
        /* (an event larger than a whole buffer is passed over) */
    }
    b->last_id = id; /* so is a row that is not an object */
    return ++b->n >= WEB_PAGE_MAX ? 1 : 0;
}

static struct store_reader *reader_of(struct web_follow *f)
{
    char err[256];
    if (!f->reader && store_reader_open(f->so, &f->reader, err, sizeof(err)) < 0)
        f->reader = NULL; /* no store yet: the next round tries again */
    return f->reader;
}

/* Under s->mu: whether the client of a suspended stream has gone (MHD
 * does not look while it is suspended), so that its place is given back
 * now rather than at the next ping. The socket stays open while the
 * connection is suspended. */
static bool client_gone(const struct stream *s)
{
    char c;
    if (!s->suspended || s->closed || s->fd < 0)
        return false;
    ssize_t n = recv(s->fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
    return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}

/* One stream's round: its new events (as many as its buffer has room
 * for), or a ping when it has been quiet. A stream whose buffer stays full
 * for WEB_FOLLOW_PING_S (its client reads too slowly) is ended. */
static void poll_stream(struct web_follow *f, struct stream *s, long long now)
{
    struct batch b = {.last_id = s->cursor};
    const struct web_events_params *p = &s->p;
    struct store_event_filter flt = {
        .since_us = p->since_us,
        .after_id = s->cursor,
        .type = p->type[0] ? p->type : NULL,
        .session = p->session[0] ? p->session : NULL,
        .honeynet = p->honeynet[0] ? p->honeynet : NULL,
        .src_ip = p->src_ip[0] ? p->src_ip : NULL,
    };
    char err[256];

    pthread_mutex_lock(&s->mu);
    if (client_gone(s)) {
        s->ending = true;
        wake(s);
    }
    bool gone = s->closed || s->overflow || s->ending;
    size_t room = WEB_SSE_BUF_CAP - web_sse_buf_waiting(&s->buf); /* only grows meanwhile */
    pthread_mutex_unlock(&s->mu);
    if (gone)
        return;
    web_sse_buf_init(&b.out, room);
    struct store_reader *r = reader_of(f);
    if (r) {
        int rc = store_reader_query(r, &flt, on_event, &b, err, sizeof(err));
        if (rc < 0 && rc != -ENOENT) {
            LOG_RATELIMITED(LOG_LEVEL_WARN, "web: events stream: %s", err);
            store_reader_close(f->reader); /* opened again on the next round */
            f->reader = NULL;
        }
    }
    size_t n = web_sse_buf_waiting(&b.out);
    pthread_mutex_lock(&s->mu);
    if (n && web_sse_buf_put(&s->buf, b.out.data + b.out.off, n) < 0)
        s->overflow = true; /* cannot be: the room only grew */
    s->cursor = b.last_id;
    if (n)
        s->last_put_ms = now;
    else if (now - s->last_put_ms >= WEB_FOLLOW_PING_S * 1000LL &&
             web_sse_buf_waiting(&s->buf) == 0) {
        if (web_sse_buf_put(&s->buf, WEB_SSE_PING, sizeof(WEB_SSE_PING) - 1) == 0)
            s->last_put_ms = now;
    }
    if (!b.full)
        s->full_since_ms = 0;
    else if (!s->full_since_ms)
        s->full_since_ms = now;
    else if (now - s->full_since_ms >= WEB_FOLLOW_PING_S * 1000LL)
        s->overflow = true;
    if (web_sse_buf_waiting(&s->buf) || s->overflow)
        wake(s);
    pthread_mutex_unlock(&s->mu);
    web_sse_buf_free(&b.out);
}

/* Frees the streams MHD is done with; under f->mu. */
static void reap(struct web_follow *f)
{
    struct stream **pp = &f->streams;
    while (*pp) {
        struct stream *s = *pp;
        pthread_mutex_lock(&s->mu);
        bool closed = s->closed;
        pthread_mutex_unlock(&s->mu);
        if (closed) {
            *pp = s->next;
            stream_free(s);
        } else {
            pp = &s->next;
        }
    }
}

static void *follower(void *arg)
{
    struct web_follow *f = arg;
    pthread_mutex_lock(&f->mu);
    while (!f->stopping) {
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_nsec += (long)WEB_FOLLOW_POLL_MS * 1000000L;
        until.tv_sec += until.tv_nsec / 1000000000L;
        until.tv_nsec %= 1000000000L;
        while (!f->stopping && pthread_cond_timedwait(&f->cond, &f->mu, &until) == 0)
            ;
        if (f->stopping)
            break;
        reap(f);
        long long now = now_ms();
        for (struct stream *s = f->streams; s; s = s->next)
            poll_stream(f, s, now);
    }
    /* stopping: every stream ends once its buffer is sent */
    for (struct stream *s = f->streams; s; s = s->next) {
        pthread_mutex_lock(&s->mu);
        s->ending = true;
        wake(s);
        pthread_mutex_unlock(&s->mu);
    }
    pthread_mutex_unlock(&f->mu);
    return NULL;
}

int web_follow_start(const struct store_options *so, struct web_follow **out)
{
    struct web_follow *f = xcalloc(1, sizeof(*f));
    pthread_condattr_t ca;
    f->so = so;
    atomic_init(&f->active, 0);
    pthread_mutex_init(&f->mu, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&f->cond, &ca);
    pthread_condattr_destroy(&ca);
    int rc = pthread_create(&f->thread, NULL, follower, f);
    if (rc != 0) {
        web_follow_free(f);
        return -rc;
    }
    f->started = true;
    *out = f;
    return 0;
}

static int newest_cb(long long id, const char *line, void *ud)
{
    (void)line;
    *(long long *)ud = id;
    return 1;
}

static enum MHD_Result busy(struct MHD_Connection *c, const char *why)
{
    char *body = xasprintf("{\"error\":\"%s\"}\n", why); /* why is ours */
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(body);
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", "application/json");
    for (const struct web_header *h = web_security_headers; h->name; h++)
        MHD_add_response_header(r, h->name, h->value);
    MHD_add_response_header(r, "Retry-After", "5");
    enum MHD_Result res = MHD_queue_response(c, 503, r);
    MHD_destroy_response(r);
    return res;
}

enum MHD_Result web_follow_open(struct web_follow *f, struct MHD_Connection *c,
                                const struct web_events_params *p, long long cursor)
{
    if (cursor < 0) {
        /* from now on: the events after the newest one */
        struct store_event_filter nf = {.newest_first = true};
        char err[256];
        cursor = 0;
        if (store_events_query(f->so, &nf, newest_cb, &cursor, err, sizeof(err)) < 0)
            cursor = 0; /* no store yet: every event will be new */
    }
    pthread_mutex_lock(&f->mu);
    if (f->stopping || atomic_load(&f->active) >= WEB_FOLLOW_MAX_STREAMS) {
        bool stopping = f->stopping;
        pthread_mutex_unlock(&f->mu);
        return busy(c, stopping ? "the server stops" : "too many event streams: wait");
    }
    struct stream *s = xcalloc(1, sizeof(*s));
    pthread_mutex_init(&s->mu, NULL);
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
    s->conn = c;
    s->fd = ci ? ci->connect_fd : -1;
    s->p = *p;
    s->cursor = cursor;
    s->last_put_ms = now_ms();
    s->active = &f->active;
    web_sse_buf_init(&s->buf, WEB_SSE_BUF_CAP);
    struct MHD_Response *r =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, on_read, s, on_free);
    if (!r) {
        pthread_mutex_unlock(&f->mu);
        stream_free(s);
        return MHD_NO;
    }
    atomic_fetch_add(&f->active, 1);
    s->next = f->streams;
    f->streams = s;
    pthread_mutex_unlock(&f->mu);
    MHD_add_response_header(r, "Content-Type", WEB_SSE_TYPE);
    for (const struct web_header *h = web_security_headers; h->name; h++)
        MHD_add_response_header(r, h->name, h->value);
    MHD_add_response_header(r, "X-Accel-Buffering", "no");
    enum MHD_Result res = MHD_queue_response(c, 200, r);
    MHD_destroy_response(r); /* on_free runs when MHD is done with it */
    return res;
}

void web_follow_stop(struct web_follow *f)
{
    if (!f || !f->started)
        return;
    pthread_mutex_lock(&f->mu);
    f->stopping = true;
    pthread_cond_signal(&f->cond);
    pthread_mutex_unlock(&f->mu);
    pthread_join(f->thread, NULL);
    f->started = false;
}

void web_follow_free(struct web_follow *f)
{
    if (!f)
        return;
    web_follow_stop(f);
    while (f->streams) {
        struct stream *s = f->streams;
        f->streams = s->next;
        stream_free(s);
    }
    store_reader_close(f->reader);
    pthread_cond_destroy(&f->cond);
    pthread_mutex_destroy(&f->mu);
    free(f);
}
