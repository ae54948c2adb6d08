/* docker: the handle and the HTTP core. One curl easy handle per struct
 * docker, reset before each request so that options never leak from one call
 * into the next while the connection to the socket is reused. Replies are
 * collected into a capped buffer, or streamed to a file descriptor or a
 * progress parser when the call asks for it; an error reply is always
 * collected, whatever the call wanted, so its message can be reported. */
#include "docker/docker_int.h"

#include "common/util.h"
#include "common/xalloc.h"

#include <errno.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* Error replies are short JSON; this is plenty. */
#define ERROR_BODY_CAP_BYTES 65536u

static pthread_once_t global_once = PTHREAD_ONCE_INIT;

static void global_init(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

void docker_set_error(struct docker *d, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->err, sizeof(d->err), fmt, ap);
    va_end(ap);
}

const char *docker_last_error(const struct docker *d)
{
    return d->err;
}

const char *docker_socket_path(const struct docker *d)
{
    return d->sock;
}

const char *docker_api_version(const struct docker *d)
{
    return d->api;
}

char *docker_escape(const char *s)
{
    char *e = curl_easy_escape(NULL, s, 0);
    if (!e)
        abort(); /* only on allocation failure, as xalloc does */
    char *copy = xstrdup(e);
    curl_free(e);
    return copy;
}

struct sink {
    CURL *curl;
    struct buf mem; /* the reply (JSON calls) or an error reply */
    int fd;
    size_t cap;
    size_t total;
    bool over;
    int write_errno;
    struct docker_progress *pr;
};

static size_t write_fd(struct sink *s, const char *p, size_t n)
{
    size_t done = 0;
    while (done < n) {
        ssize_t w = write(s->fd, p + done, n - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0) {
            s->write_errno = errno;
            return 0;
        }
        done += (size_t)w;
    }
    return n;
}

static size_t on_data(char *p, size_t size, size_t nmemb, void *ud)
{
    struct sink *s = ud;
    size_t n = size * nmemb;
    long status = 0;

    curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &status);
    bool ok = status >= 200 && status < 300;
    if (ok && (s->fd >= 0 || s->pr)) {
        s->total += n;
        if (s->cap && s->total > s->cap) {
            s->over = true;
            return 0;
        }
        if (s->pr)
            return docker_progress_feed(s->pr, p, n) < 0 ? (s->over = true, 0) : n;
        return write_fd(s, p, n);
    }
    if (!ok && (s->fd >= 0 || s->pr)) {
        /* An error reply to a streaming call: its start is enough for the
         * message; the status decides the result. */
        size_t room = s->mem.max_bytes - s->mem.len;
        if (buf_append(&s->mem, p, n < room ? n : room) < 0)
            return 0;
        return n;
    }
    if (buf_append(&s->mem, p, n) < 0) {
        s->over = true;
        return 0;
    }
    return n;
}

struct source {
    int fd;
    int read_errno;
};

static size_t on_read(char *p, size_t size, size_t nmemb, void *ud)
{
    struct source *src = ud;
    ssize_t r;
    do {
        r = read(src->fd, p, size * nmemb);
    } while (r < 0 && errno == EINTR);
    if (r < 0) {
        src->read_errno = errno;
        return CURL_READFUNC_ABORT;
    }
    return (size_t)r;
}

struct request {
    const char *what;
    const char *method;
    const char *path; /* absolute, version prefix included */
    const char *ctype;
    const char *body; /* NULL: no body, or read from src */
    size_t body_len;
    struct source *src;
    long timeout_s;
    struct buf *stat_header; /* gets X-Docker-Container-Path-Stat, if wanted */
};

bool docker_path_stat_header(const char *line, size_t n, const char **value, size_t *vlen)
{
    static const char name[] = "x-docker-container-path-stat:";
    if (n <= sizeof(name) - 1 || strncasecmp(line, name, sizeof(name) - 1) != 0)
        return false;
    const char *v = line + sizeof(name) - 1;
    size_t vl = n - (sizeof(name) - 1);
    while (vl && (*v == ' ' || *v == '\t')) {
        v++;
        vl--;
    }
    while (vl && (v[vl - 1] == '\r' || v[vl - 1] == '\n'))
        vl--;
    *value = v;
    *vlen = vl;
    return true;
}

int docker_path_stat_parse(const char *b64, size_t n, json_t **out)
{
    if (n > DOCKER_PATH_STAT_MAX)
        return -EPROTO;
    unsigned char *json = xmalloc(n + 4);
    int got = n ? EVP_DecodeBlock(json, (const unsigned char *)b64, (int)n) : -1;
    json_t *v =
        got > 0 ? json_loadb((const char *)json, strnlen((const char *)json, (size_t)got), 0, NULL)
                : NULL;
    free(json);
    if (!json_is_object(v)) {
        json_decref(v);
        return -EPROTO;
    }
    *out = v;
    return 0;
}

/* Keeps the value of the one header a HEAD of an archive path answers with. */
static size_t on_header(char *p, size_t size, size_t nmemb, void *ud)
{
    struct buf *b = ud;
    size_t n = size * nmemb, vl;
    const char *v;
    if (docker_path_stat_header(p, n, &v, &vl)) {
        buf_reset(b);
        if (buf_append(b, v, vl) < 0)
            return 0;
    }
    return n;
}

/* Translates a failed transfer into an errno and a message. */
static int transport_error(struct docker *d, const struct request *r, CURLcode cc,
                           const struct sink *s, const struct source *src, const char *cerr)
{
    char ebuf[128];
    long os_errno = 0;

    if (cc == CURLE_COULDNT_CONNECT) {
        curl_easy_getinfo(d->curl, CURLINFO_OS_ERRNO, &os_errno);
        docker_set_error(d, "cannot connect to the Docker engine at %s: %s", d->sock,
                         os_errno ? util_strerror((int)os_errno, ebuf, sizeof(ebuf)) : cerr);
        return -ECONNREFUSED;
    }
    if (s->over) {
        docker_set_error(d, "%s: reply larger than allowed", r->what);
        return -EFBIG;
    }
    if (s->write_errno) {
        docker_set_error(d, "%s: writing the reply: %s", r->what,
                         util_strerror(s->write_errno, ebuf, sizeof(ebuf)));
        return -s->write_errno;
    }
    if (src && src->read_errno) {
        docker_set_error(d, "%s: reading the request body: %s", r->what,
                         util_strerror(src->read_errno, ebuf, sizeof(ebuf)));
        return -src->read_errno;
    }
    docker_set_error(d, "%s: %s (Docker engine at %s)", r->what,
                     *cerr ? cerr : curl_easy_strerror(cc), d->sock);
    return cc == CURLE_OPERATION_TIMEDOUT ? -ETIMEDOUT : -EIO;
}

static void set_method(CURL *c, const struct request *r)
{
    if (r->src) {
        curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
        curl_easy_setopt(c, CURLOPT_READDATA, r->src);
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, r->method);
    } else if (strcmp(r->method, "POST") == 0) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, r->body ? r->body : "");
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, r->body ? (long)r->body_len : 0L);
    } else if (strcmp(r->method, "GET") != 0) {
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, r->method);
    }
}

/* Runs one request. Returns 0 with *status set when a reply came (whatever
 * its status), else a negative errno with the error set. */
static int perform(struct docker *d, const struct request *r, struct sink *s, long *status)
{
    CURL *c = d->curl;
    struct curl_slist *hdr = NULL;
    char cerr[CURL_ERROR_SIZE] = "";
    char *url = xasprintf("http://docker%s", r->path);
    int rc = 0;

    curl_easy_reset(c);
    curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, d->sock);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, cerr);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 5L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, r->timeout_s);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, s);
    hdr = curl_slist_append(hdr, "Expect:");
    if (r->ctype) {
        char *h = xasprintf("Content-Type: %s", r->ctype);
        hdr = curl_slist_append(hdr, h);
        free(h);
    } else {
        /* Not curl's form default: some endpoints refuse anything but JSON. */
        hdr = curl_slist_append(hdr, "Content-Type:");
    }
    if (r->src)
        hdr = curl_slist_append(hdr, "Transfer-Encoding: chunked");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
    set_method(c, r);
    if (r->stat_header) {
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
        curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
        curl_easy_setopt(c, CURLOPT_HEADERDATA, r->stat_header);
    }

    s->curl = c;
    CURLcode cc = curl_easy_perform(c);
    if (cc != CURLE_OK)
        rc = transport_error(d, r, cc, s, r->src, cerr);
    else
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
    curl_slist_free_all(hdr);
    free(url);
    return rc;
}

/* Maps the status of a completed request; on an error status the message is
 * the daemon's. */
static int status_result(struct docker *d, const char *what, long status, const struct sink *s)
{
    int rc = docker_status_errno(status);
    if (rc < 0) {
        char msg[768];
        docker_error_message(s->mem.data, s->mem.len, msg, sizeof(msg));
        docker_set_error(d, "%s: %s (HTTP %ld)", what, *msg ? msg : "no message", status);
    }
    return rc;
}

static int parse_reply(struct docker *d, const char *what, const struct sink *s, json_t **out)
{
    json_error_t je;
    if (!out)
        return 0;
    if (s->mem.len == 0) {
        *out = NULL;
        return 0;
    }
    json_t *v = json_loadb(s->mem.data, s->mem.len, 0, &je);
    if (!v) {
        docker_set_error(d, "%s: malformed reply from the engine: %s", what, je.text);
        return -EPROTO;
    }
    *out = v;
    return 0;
}

static int json_request(struct docker *d, const char *what, const char *method, const char *path,
                        const json_t *body, long timeout_s, long *status, json_t **out)
{
    struct sink s = {.fd = -1};
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    struct request r = {.what = what,
                        .method = method,
                        .path = path,
                        .ctype = body ? "application/json" : NULL,
                        .body = text,
                        .body_len = text ? strlen(text) : 0,
                        .timeout_s = timeout_s};
    long st = 0;

    buf_init(&s.mem, DOCKER_BODY_CAP_BYTES);
    int rc = perform(d, &r, &s, &st);
    if (rc == 0) {
        *status = st;
        rc = status_result(d, what, st, &s);
    }
    if (rc == 0)
        rc = parse_reply(d, what, &s, out);
    buf_free(&s.mem);
    free(text);
    return rc;
}

int docker_call_timeout(struct docker *d, const char *what, const char *method, const char *path,
                        const json_t *body, long timeout_s, json_t **out)
{
    char *full = xasprintf("/v%s%s", d->api, path);
    long status;
    json_t *v = NULL;
    int rc = json_request(d, what, method, full, body, timeout_s, &status, out ? &v : NULL);
    free(full);
    if (rc == 0 && out)
        *out = v;
    return rc;
}

int docker_call(struct docker *d, const char *what, const char *method, const char *path,
                const json_t *body, json_t **out)
{
    return docker_call_timeout(d, what, method, path, body, DOCKER_CALL_TIMEOUT_S, out);
}

int docker_request(struct docker *d, const char *method, const char *path, const json_t *body,
                   long *status, json_t **out)
{
    char *full = xasprintf("/v%s%s", d->api, path);
    long st = 0;
    json_t *v = NULL;
    int rc = json_request(d, path, method, full, body, DOCKER_CALL_TIMEOUT_S, &st, out ? &v : NULL);
    free(full);
    if (status)
        *status = st;
    if (rc == 0 && out)
        *out = v;
    return rc;
}

int docker_call_stream(struct docker *d, const struct docker_stream_call *c)
{
    struct sink s = {.fd = c->out_fd, .cap = c->out_cap, .pr = c->pr};
    struct source src = {.fd = c->in_fd};
    char *path = xasprintf("/v%s%s", d->api, c->path);
    struct request r = {.what = c->what,
                        .method = c->method,
                        .path = path,
                        .ctype = c->ctype,
                        .src = c->in_fd >= 0 ? &src : NULL};
    long status = 0;

    buf_init(&s.mem, ERROR_BODY_CAP_BYTES);
    int rc = perform(d, &r, &s, &status);
    if (rc == 0)
        rc = status_result(d, c->what, status, &s);
    if (rc == 0 && c->pr) {
        rc = docker_progress_finish(c->pr);
        if (rc == 0 && c->pr->failed) {
            docker_set_error(d, "%s: %s", c->what, c->pr->error);
            rc = -EIO;
        }
    }
    buf_free(&s.mem);
    free(path);
    return rc;
}

static int negotiate(struct docker *d)
{
    json_t *v = NULL;
    long status = 0;
    int rc = json_request(d, "GET /version", "GET", "/version", NULL, DOCKER_CALL_TIMEOUT_S,
                          &status, &v);
    if (rc < 0)
        return rc;
    const char *api = json_string_value(json_object_get(v, "ApiVersion"));
    const char *min = json_string_value(json_object_get(v, "MinAPIVersion"));
    rc = docker_api_negotiate(api, min, d->api, sizeof(d->api));
    if (rc < 0)
        docker_set_error(d,
                         "the Docker engine at %s speaks API %s (minimum %s); karakuri needs one "
                         "from %s to %s: upgrade the engine",
                         d->sock, api ? api : "?", min ? min : "?", DOCKER_API_MIN, DOCKER_API_MAX);
    json_decref(v);
    return rc;
}

int docker_open(const char *host, struct docker **out, char *err, size_t errlen)
{
    if (!host || !*host)
        host = getenv("DOCKER_HOST");
    if (!host || !*host)
        host = "unix:///var/run/docker.sock";
    if (strncmp(host, "unix://", 7) != 0 || host[7] != '/') {
        snprintf(err, errlen, "unsupported Docker host '%s': only unix:///path sockets", host);
        return -EINVAL;
    }
    pthread_once(&global_once, global_init);
    struct docker *d = xcalloc(1, sizeof(*d));
    d->sock = xstrdup(host + 7);
    d->curl = curl_easy_init();
    if (!d->curl)
        abort();
    int rc = negotiate(d);
    if (rc < 0) {
        if (strstr(d->err, d->sock))
            snprintf(err, errlen, "%s", d->err);
        else
            snprintf(err, errlen, "%s (Docker engine at %s)", d->err, d->sock);
        docker_close(d);
        return rc;
    }
    *out = d;
    return 0;
}

void docker_close(struct docker *d)
{
    if (!d)
        return;
    curl_easy_cleanup(d->curl);
    free(d->sock);
    free(d);
}

int docker_ping(struct docker *d)
{
    struct sink s = {.fd = -1};
    struct request r = {.what = "GET /_ping",
                        .method = "GET",
                        .path = "/_ping",
                        .timeout_s = DOCKER_CALL_TIMEOUT_S};
    long status = 0;

    buf_init(&s.mem, ERROR_BODY_CAP_BYTES);
    int rc = perform(d, &r, &s, &status);
    if (rc == 0)
        rc = status_result(d, r.what, status, &s);
    buf_free(&s.mem);
    return rc;
}

int docker_version(struct docker *d, json_t **out)
{
    return docker_call(d, "GET /version", "GET", "/version", NULL, out);
}

int docker_container_stat_path(struct docker *d, const char *id, const char *path, json_t **out)
{
    char *e = docker_escape(id), *pe = docker_escape(path);
    char *full = xasprintf("/v%s/containers/%s/archive?path=%s", d->api, e, pe);
    struct sink s = {.fd = -1};
    struct buf hdr;
    struct request r = {.what = "HEAD /containers/{id}/archive",
                        .method = "HEAD",
                        .path = full,
                        .timeout_s = DOCKER_CALL_TIMEOUT_S,
                        .stat_header = &hdr};
    long status = 0;

    buf_init(&s.mem, ERROR_BODY_CAP_BYTES);
    buf_init(&hdr, DOCKER_PATH_STAT_MAX);
    int rc = perform(d, &r, &s, &status);
    if (rc == 0 && (rc = docker_status_errno(status)) < 0)
        docker_set_error(d, "%s: HTTP %ld", r.what, status);
    if (rc == 0 && (rc = docker_path_stat_parse(hdr.data, hdr.len, out)) < 0)
        docker_set_error(d, "%s: no readable stat header", r.what);
    buf_free(&hdr);
    buf_free(&s.mem);
    free(full);
    free(pe);
    free(e);
    return rc;
}
