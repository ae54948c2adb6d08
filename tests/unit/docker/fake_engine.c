/* fake_engine: see fake_engine.h. Test code: a failure to read a request just
 * drops the connection, which the client under test must survive anyway. */
#include "fake_engine.h"

#include "common/xalloc.h"

#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define REQUEST_CAP_BYTES (32u << 20)

struct fake_engine fake;

struct conn {
    int fd;
    char *buf;
    size_t len, cap;
};

int fake_send_all(int fd, const void *data, size_t n)
{
    const char *p = data;
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

void fake_reply(int fd, int status, const char *extra_headers, const char *body)
{
    char head[1024];
    int n = snprintf(head, sizeof(head),
                     "HTTP/1.1 %d X\r\nContent-Type: application/json\r\n%s"
                     "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                     status, extra_headers, strlen(body));
    if (fake_send_all(fd, head, (size_t)n) == 0)
        fake_send_all(fd, body, strlen(body));
}

void fake_frame(int fd, int stream, const void *p, size_t n)
{
    uint8_t h[8] = {(uint8_t)stream,   0,         0, 0, (uint8_t)(n >> 24), (uint8_t)(n >> 16),
                    (uint8_t)(n >> 8), (uint8_t)n};
    if (fake_send_all(fd, h, sizeof(h)) == 0)
        fake_send_all(fd, p, n);
}

/* Reads more of the request; -1 at EOF, error or over the cap. */
static int fill(struct conn *c)
{
    if (c->cap - c->len < 65536) {
        if (c->cap >= REQUEST_CAP_BYTES)
            return -1;
        c->cap = c->cap ? c->cap * 2 : 65536;
        c->buf = xrealloc(c->buf, c->cap);
    }
    ssize_t r = recv(c->fd, c->buf + c->len, c->cap - c->len - 1, 0);
    if (r <= 0)
        return -1;
    c->len += (size_t)r;
    c->buf[c->len] = '\0';
    return 0;
}

/* Waits until len bytes from pos are in. */
static int need(struct conn *c, size_t pos, size_t len)
{
    while (c->len < pos + len)
        if (fill(c) < 0)
            return -1;
    return 0;
}

static int read_chunked(struct conn *c, size_t pos, struct fake_request *rq)
{
    for (;;) {
        char *crlf;
        while (!(crlf = memmem(c->buf + pos, c->len - pos, "\r\n", 2)))
            if (fill(c) < 0)
                return -1;
        size_t size = strtoul(c->buf + pos, NULL, 16);
        pos = (size_t)(crlf - c->buf) + 2;
        if (need(c, pos, size + 2) < 0)
            return -1;
        rq->body = xrealloc(rq->body, rq->body_len + size + 1);
        memcpy(rq->body + rq->body_len, c->buf + pos, size);
        rq->body_len += size;
        rq->body[rq->body_len] = '\0';
        pos += size + 2;
        if (size == 0)
            return 0;
    }
}

static int read_request(struct conn *c, struct fake_request *rq)
{
    char *end;
    while (!c->buf || !(end = strstr(c->buf, "\r\n\r\n")))
        if (fill(c) < 0)
            return -1;
    size_t pos = (size_t)(end - c->buf) + 4;
    snprintf(rq->head, sizeof(rq->head), "%.*s", (int)pos, c->buf);
    snprintf(rq->line, sizeof(rq->line), "%.*s", (int)strcspn(c->buf, "\r"), c->buf);
    rq->body = xstrdup("");
    const char *cl = strcasestr(rq->head, "\r\nContent-Length:");
    if (strcasestr(rq->head, "\r\nTransfer-Encoding: chunked"))
        return read_chunked(c, pos, rq);
    if (!cl)
        return 0;
    size_t n = strtoul(cl + 17, NULL, 10);
    if (need(c, pos, n) < 0)
        return -1;
    free(rq->body);
    rq->body = xmalloc(n + 1);
    memcpy(rq->body, c->buf + pos, n);
    rq->body[n] = '\0';
    rq->body_len = n;
    return 0;
}

static void *serve(void *arg)
{
    struct conn c = {.fd = (int)(intptr_t)arg};
    struct fake_request rq = {0};
    if (read_request(&c, &rq) == 0) {
        if (strstr(rq.line, " /version ")) {
            char body[128];
            snprintf(body, sizeof(body), "{\"ApiVersion\":\"%s\",\"MinAPIVersion\":\"1.12\"}",
                     fake.api);
            fake_reply(c.fd, 200, "", body);
        } else {
            fake.handler(c.fd, &rq);
        }
    }
    free(rq.body);
    free(c.buf);
    close(c.fd);
    return NULL;
}

static void *accept_loop(void *arg)
{
    (void)arg;
    while (!fake.stop) {
        struct pollfd p = {.fd = fake.lfd, .events = POLLIN};
        if (poll(&p, 1, 20) <= 0)
            continue;
        int fd = accept4(fake.lfd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0)
            continue;
        if (fake.nconn == FAKE_MAX_CONNS ||
            pthread_create(&fake.conn_th[fake.nconn], NULL, serve, (void *)(intptr_t)fd) != 0) {
            close(fd);
            continue;
        }
        fake.nconn++;
    }
    return NULL;
}

int fake_engine_start(fake_handler_fn handler)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    memset(&fake, 0, sizeof(fake));
    fake.api = "1.41";
    fake.handler = handler;
    snprintf(fake.dir, sizeof(fake.dir), "/tmp/kk-fake-docker-XXXXXX");
    if (!mkdtemp(fake.dir))
        return -1;
    snprintf(fake.sock, sizeof(fake.sock), "%s/docker.sock", fake.dir);
    snprintf(fake.url, sizeof(fake.url), "unix://%s", fake.sock);
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%.100s", fake.sock);
    fake.lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fake.lfd < 0 || bind(fake.lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
        listen(fake.lfd, 64) < 0 || pthread_create(&fake.accept_th, NULL, accept_loop, NULL) != 0)
        return -1;
    return 0;
}

void fake_engine_stop(void)
{
    fake.stop = 1;
    pthread_join(fake.accept_th, NULL);
    for (int i = 0; i < fake.nconn; i++)
        pthread_join(fake.conn_th[i], NULL);
    close(fake.lfd);
    unlink(fake.sock);
    rmdir(fake.dir);
}
