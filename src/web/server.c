/* server: the web API's HTTP side on libmicrohttpd (web.h). Everything is
 * decided on the first call of the access handler, when the headers are in:
 * a request never has a body here, so none is ever read or buffered. Order
 * of the checks: method and body, the source's limits, the token, the
 * route. */
#include "web/web.h"

#include "common/log.h"
#include "common/util.h"
#include "common/xalloc.h"
#include "config/config.h"
#include "query/query.h"
#include "store/store.h"
#include "web/api.h"
#include "web/asset.h"
#include "web/follow.h"
#include "web/sse.h"
#include "web/token.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

struct web_server {
    struct MHD_Daemon *mhd;
    struct web_follow *follow; /* the events streams */
    struct web_api api;
    struct web_limit limit;
    char token[WEB_TOKEN_HEX + 1];
    uint16_t port;
    /* owned copies of what api borrows */
    char *dir, *url, *sensor, *docker_host;
};

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    char msg[256], esc[512];
    (void)cls;
    vsnprintf(msg, sizeof(msg), fmt, ap);
    log_escape(msg, strcspn(msg, "\n"), esc, sizeof(esc));
    LOG_RATELIMITED(LOG_LEVEL_DEBUG, "web: %s", esc);
}

static void add_headers(struct MHD_Response *r, const char *type)
{
    MHD_add_response_header(r, "Content-Type", type);
    for (const struct web_header *h = web_security_headers; h->name; h++)
        MHD_add_response_header(r, h->name, h->value);
}

/* The page's files (asset.h): no token, as they hold no data. */
static enum MHD_Result reply_asset(struct MHD_Connection *c, const char *url)
{
    const struct web_asset *a = web_asset_find(url);
    if (!a) {
        struct MHD_Response *r = MHD_create_response_from_buffer(
            sizeof("not found\n") - 1, (void *)"not found\n", MHD_RESPMEM_PERSISTENT);
        if (!r)
            return MHD_NO;
        add_headers(r, "text/plain; charset=utf-8");
        enum MHD_Result res = MHD_queue_response(c, 404, r);
        MHD_destroy_response(r);
        return res;
    }
    struct MHD_Response *r =
        MHD_create_response_from_buffer(a->len, (void *)a->data, MHD_RESPMEM_PERSISTENT);
    if (!r)
        return MHD_NO;
    add_headers(r, a->type);
    enum MHD_Result res = MHD_queue_response(c, 200, r);
    MHD_destroy_response(r);
    return res;
}

/* Queues the answer; takes a->body. extra: one more header (name, value) or
 * NULLs. */
static enum MHD_Result reply(struct MHD_Connection *c, struct web_answer *a, const char *xname,
                             const char *xvalue)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(a->len, a->body, MHD_RESPMEM_MUST_COPY);
    free(a->body);
    a->body = NULL;
    if (!r)
        return MHD_NO;
    add_headers(r, "application/json");
    if (xname)
        MHD_add_response_header(r, xname, xvalue);
    enum MHD_Result res = MHD_queue_response(c, a->status, r);
    MHD_destroy_response(r);
    return res;
}

static enum MHD_Result reply_error(struct MHD_Connection *c, unsigned status, const char *why,
                                   const char *xname, const char *xvalue)
{
    struct web_answer a = {.status = status};
    char *body = xasprintf("{\"error\":\"%s\"}\n", why); /* why is ours: no quotes in it */
    a.body = body;
    a.len = strlen(body);
    return reply(c, &a, xname, xvalue);
}

/* artifacts/SHA256: the file itself, as an attachment that is never
 * rendered; opened without following a link, and only a regular file. */
static enum MHD_Result reply_artifact(struct MHD_Connection *c, const struct web_server *s,
                                      const char *sha, bool attachment)
{
    char *path = store_artifact_path(s->dir, sha);
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    free(path);
    struct stat st;
    if (fd < 0)
        return reply_error(c, 404, "no such artifact", NULL, NULL);
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return reply_error(c, 404, "no such artifact", NULL, NULL);
    }
    struct MHD_Response *r = MHD_create_response_from_fd((uint64_t)st.st_size, fd);
    if (!r) {
        close(fd);
        return MHD_NO;
    }
    char disp[96];
    snprintf(disp, sizeof(disp), "attachment; filename=\"%s\"", sha);
    add_headers(r, attachment ? "application/octet-stream" : "application/x-asciicast");
    if (attachment)
        MHD_add_response_header(r, "Content-Disposition", disp);
    enum MHD_Result res = MHD_queue_response(c, 200, r);
    MHD_destroy_response(r); /* closes fd with the response */
    return res;
}

static void source_of(struct MHD_Connection *c, char key[WEB_LIMIT_KEY_LEN])
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *sa = ci ? ci->client_addr : NULL;
    snprintf(key, WEB_LIMIT_KEY_LEN, "?");
    if (sa && sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, key,
                  WEB_LIMIT_KEY_LEN);
    else if (sa && sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, key,
                  WEB_LIMIT_KEY_LEN);
}

static const char *get_param(void *ud, const char *key)
{
    return MHD_lookup_connection_value(ud, MHD_GET_ARGUMENT_KIND, key);
}

static bool has_body(struct MHD_Connection *c)
{
    const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
    const char *te = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Transfer-Encoding");
    return te || (cl && strcmp(cl, "0") != 0);
}

static enum MHD_Result too_many(struct MHD_Connection *c, enum web_limit_verdict v,
                                long long retry_ms)
{
    char secs[24];
    snprintf(secs, sizeof(secs), "%lld", (retry_ms + 999) / 1000);
    return reply_error(c, 429,
                       v == WEB_LIMIT_LOCKED ? "too many failed token checks: wait"
                                             : "too many requests: wait",
                       "Retry-After", secs);
}

/* events?follow=1: the stream (follow.h), from the Last-Event-ID header's
 * cursor, else after_id's, else (since given) the first event since then,
 * else the newest event now. */
static enum MHD_Result open_stream(struct web_server *s, struct MHD_Connection *c)
{
    struct web_events_params p;
    char err[256];
    long long cursor = -1;
    const char *accept = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept");
    const char *last = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Last-Event-ID");
    if (!web_sse_accepts(accept))
        return reply_error(c, 406, "the events stream is text/event-stream", NULL, NULL);
    if (web_events_params_parse(get_param, c, util_now_us(), &p, err, sizeof(err)) < 0)
        return reply_error(c, 400, err, NULL, NULL); /* "parameter KEY: why", ours */
    if (last && web_sse_cursor_parse(last, &cursor) < 0)
        return reply_error(c, 400, "Last-Event-ID: expected an event id (a number >= 0)", NULL,
                           NULL);
    if (!last && get_param(c, "after_id"))
        cursor = p.after_id;
    else if (!last && p.since_us)
        cursor = 0;
    return web_follow_open(s->follow, c, &p, cursor);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
    static int seen;
    struct web_server *s = cls;
    char src[WEB_LIMIT_KEY_LEN], id[WEB_ID_MAX + 1], sha[65], err[256];
    unsigned n = 0;
    long long retry_ms = 0;
    (void)version;
    (void)upload;

    if (*con_cls) {
        /* Only a request with a body comes back here, and it was answered. */
        *upload_size = 0;
        return MHD_YES;
    }
    *con_cls = &seen;
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
        return reply_error(c, 405, "read-only: GET or HEAD", "Allow", "GET, HEAD");
    if (has_body(c))
        return reply_error(c, 413, "a request has no body here", NULL, NULL);
    source_of(c, src);
    long long now_ms = util_mono_us() / 1000;
    enum web_limit_verdict v = web_limit_admit(&s->limit, src, now_ms, &retry_ms);
    if (v != WEB_LIMIT_OK)
        return too_many(c, v, retry_ms);
    if (web_asset_is_page_path(url))
        return reply_asset(c, url);
    const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    if (!web_token_check(auth, s->token)) {
        web_limit_failed(&s->limit, src, now_ms);
        LOG_RATELIMITED(LOG_LEVEL_INFO, "web: %s: %s token", src, auth ? "a wrong" : "no");
        return reply_error(c, 401, "a bearer token is needed (<store dir>/web.token)",
                           "WWW-Authenticate", "Bearer realm=\"karakuri\"");
    }
    web_limit_succeeded(&s->limit, src, now_ms);
    enum web_route r = web_route_parse_n(url, id, &n);
    if (r == WEB_ROUTE_EVENTS) {
        int follow = web_sse_follow_parse(get_param(c, "follow"));
        if (follow < 0)
            return reply_error(c, 400, "parameter follow: expected 1 or 0", NULL, NULL);
        if (follow)
            return open_stream(s, c);
    }
    if (r == WEB_ROUTE_ARTIFACT)
        return reply_artifact(c, s, id, true);
    if (r == WEB_ROUTE_TTY) {
        /* the session's n-th tty log, an asciicast v2 artifact of ours */
        int rc = query_session_tty(&s->api.store, id, n, sha, err, sizeof(err));
        if (rc == -ENOENT)
            return reply_error(c, 404, "no such tty log", NULL, NULL);
        if (rc < 0)
            return reply_error(c, 500, "the store could not be read", NULL, NULL);
        return reply_artifact(c, s, sha, false);
    }
    struct web_answer a = {0};
    web_api_answer(&s->api, r, id, get_param, c, &a);
    return reply(c, &a, NULL, NULL);
}

/* host:port into a socket address; loopback only (web.h). */
static int make_addr(const char *host, uint16_t port, struct sockaddr_storage *ss, bool *v6,
                     char *err, size_t errlen)
{
    struct sockaddr_in *in4 = (struct sockaddr_in *)(void *)ss;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)(void *)ss;
    memset(ss, 0, sizeof(*ss));
    if (inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
        in4->sin_family = AF_INET;
        in4->sin_port = htons(port);
        *v6 = false;
        if ((ntohl(in4->sin_addr.s_addr) >> 24) == 127)
            return 0;
    } else if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons(port);
        *v6 = true;
        if (IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr))
            return 0;
    } else {
        snprintf(err, errlen, "'%s' is not a numeric IPv4 or IPv6 address", host);
        return -EINVAL;
    }
    snprintf(err, errlen, "'%s' is not a loopback address: the web API has no TLS yet", host);
    return -EINVAL;
}

static void free_server(struct web_server *s)
{
    web_follow_free(s->follow);
    web_limit_destroy(&s->limit);
    free(s->dir);
    free(s->url);
    free(s->sensor);
    free(s->docker_host);
    free(s);
}

int web_server_start(const struct config *cfg, const struct store_options *so, const char *host,
                     uint16_t port, const struct web_limit_options *limits, struct web_server **out,
                     char *err, size_t errlen)
{
    struct sockaddr_storage ss;
    bool v6 = false;
    int rc = make_addr(host, port, &ss, &v6, err, errlen);
    if (rc < 0)
        return rc;
    struct web_server *s = xcalloc(1, sizeof(*s));
    web_limit_init(&s->limit, limits);
    s->dir = xstrdup(so->dir ? so->dir : "./var");
    s->url = so->url ? xstrdup(so->url) : NULL;
    s->sensor = xstrdup(cfg->general.sensor ? cfg->general.sensor : "");
    s->docker_host = xstrdup(cfg->docker.host ? cfg->docker.host : "");
    s->api.store = *so;
    s->api.store.dir = s->dir;
    s->api.store.url = s->url;
    s->api.sensor = s->sensor;
    s->api.docker_host = s->docker_host;
    s->api.plan_hosts = cfg->honeynet.hosts;
    rc = web_token_load(s->dir, s->token, NULL, err, errlen);
    if (rc < 0) {
        free_server(s);
        return rc;
    }
    rc = web_follow_start(&s->api.store, &s->follow);
    if (rc < 0) {
        snprintf(err, errlen, "web API: cannot start the events follower");
        free_server(s);
        return rc;
    }
    unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME |
                     (v6 ? MHD_USE_IPv6 : 0);
    s->mhd = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)WEB_THREADS, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned)WEB_MAX_CONNECTIONS, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
        (unsigned)WEB_MAX_CONNECTIONS_PER_SOURCE, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned)WEB_IDLE_TIMEOUT_S, MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)WEB_REQUEST_BYTES,
        MHD_OPTION_LISTENING_ADDRESS_REUSE, 1, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL,
        MHD_OPTION_END);
    if (!s->mhd) {
        int e = errno ? errno : EADDRINUSE;
        char eb[96];
        snprintf(err, errlen, "web API: cannot listen on %s:%u: %s", host, (unsigned)port,
                 util_strerror(e, eb, sizeof(eb)));
        free_server(s);
        return -e;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->mhd, MHD_DAEMON_INFO_BIND_PORT);
    s->port = di ? di->port : port;
    *out = s;
    return 0;
}

uint16_t web_server_port(const struct web_server *s)
{
    return s ? s->port : 0;
}

void web_server_stop(struct web_server *s)
{
    if (!s)
        return;
    /* every stream ended and resumed first: MHD must not stop with a
     * connection suspended */
    web_follow_stop(s->follow);
    MHD_stop_daemon(s->mhd);
    free_server(s);
}
