/* docker exec: commands in running containers.
 *
 * POST /exec/{id}/start is sent by hand over a plain AF_UNIX socket with
 * "Connection: Upgrade", because after the engine's "101 UPGRADED" the
 * connection carries the process's stdin one way and its output the other,
 * and curl cannot write stdin after an upgrade. Only the request line and the
 * reply's header are handled here; the header is read one byte at a time so
 * that no byte of the stream after it is swallowed. */
#include "docker/docker_int.h"

#include "common/util.h"
#include "common/xalloc.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define HEADER_CAP_BYTES 8192
#define HIJACK_TIMEOUT_S 30
/* A non-TTY exec is for short administrative commands. */
#define EXEC_TIMEOUT_MS (300 * 1000)

static json_t *string_array(const char *const *v)
{
    json_t *a = json_array();
    for (; v && *v; v++)
        json_array_append_new(a, json_string(*v));
    return a;
}

static int exec_create(struct docker *d, const char *id, const struct docker_exec_options *o,
                       bool tty, char **exec_id)
{
    json_t *spec =
        json_pack("{s:b, s:b, s:b, s:b, s:o}", "AttachStdin", tty || o->stdin_data, "AttachStdout",
                  1, "AttachStderr", 1, "Tty", tty, "Cmd", string_array(o->argv));
    json_t *reply = NULL;
    if (o->user)
        json_object_set_new(spec, "User", json_string(o->user));
    if (o->env)
        json_object_set_new(spec, "Env", string_array(o->env));
    if (o->workdir)
        json_object_set_new(spec, "WorkingDir", json_string(o->workdir));
    int rc = docker_call_arg(d, "POST", "/containers/", id, "/exec", spec, &reply);
    if (rc == 0) {
        const char *xid = json_string_value(json_object_get(reply, "Id"));
        if (xid) {
            *exec_id = xstrdup(xid);
        } else {
            docker_set_error(d, "POST /containers/{id}/exec: no Id in the reply");
            rc = -EPROTO;
        }
    }
    json_decref(reply);
    json_decref(spec);
    return rc;
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return -errno;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int set_rcvtimeo(int fd, int secs)
{
    struct timeval tv = {.tv_sec = secs};
    return setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ? -errno : 0;
}

static int unix_connect(struct docker *d, int *fd_out)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    char ebuf[128];

    if (strlen(d->sock) >= sizeof(sa.sun_path)) {
        docker_set_error(d, "socket path too long: %s", d->sock);
        return -ENAMETOOLONG;
    }
    memcpy(sa.sun_path, d->sock, strlen(d->sock) + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        int rc = -errno;
        docker_set_error(d, "cannot connect to the Docker engine at %s: %s", d->sock,
                         util_strerror(-rc, ebuf, sizeof(ebuf)));
        if (fd >= 0)
            close(fd);
        return rc;
    }
    *fd_out = fd;
    return 0;
}

int docker_hijack_status(const char *hdr, size_t len, long *status)
{
    /* "HTTP/1.1 101 UPGRADED" */
    char *end = NULL;
    long st = strncmp(hdr, "HTTP/1.", 7) == 0 && len > 12 ? strtol(hdr + 9, &end, 10) : 0;
    if (!end || (*end != ' ' && *end != '\r') || st < 100 || st > 599)
        return -EPROTO;
    *status = st;
    return 0;
}

/* Reads the reply header (up to the blank line) into hdr; returns its length. */
static ssize_t read_header(int fd, char *hdr, size_t cap)
{
    size_t n = 0;
    while (n + 1 < cap) {
        ssize_t r = recv(fd, hdr + n, 1, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return r < 0 ? -errno : -ECONNRESET;
        n++;
        hdr[n] = '\0';
        if (n >= 4 && memcmp(hdr + n - 4, "\r\n\r\n", 4) == 0)
            return (ssize_t)n;
    }
    return -EPROTO;
}

/* An error reply to the start request: its status and the daemon's message. */
static int start_error(struct docker *d, int fd, long status)
{
    char body[4096], msg[768];
    ssize_t n = recv(fd, body, sizeof(body), 0);
    docker_error_message(body, n > 0 ? (size_t)n : 0, msg, sizeof(msg));
    docker_set_error(d, "POST /exec/{id}/start: %s (HTTP %ld)", *msg ? msg : "no message", status);
    int rc = docker_status_errno(status);
    return rc < 0 ? rc : -EPROTO;
}

/* Starts exec_id and returns the upgraded connection. */
static int exec_start(struct docker *d, const char *exec_id, bool tty, int *fd_out)
{
    char body[64], req[1024], hdr[HEADER_CAP_BYTES], ebuf[128];
    int fd = -1, rc,
        bl = snprintf(body, sizeof(body), "{\"Detach\":false,\"Tty\":%s}", tty ? "true" : "false");
    char *e = docker_escape(exec_id);
    int rl = snprintf(req, sizeof(req),
                      "POST /v%s/exec/%s/start HTTP/1.1\r\nHost: docker\r\n"
                      "Connection: Upgrade\r\nUpgrade: tcp\r\n"
                      "Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
                      d->api, e, bl, body);
    free(e);
    if (rl < 0 || (size_t)rl >= sizeof(req)) {
        docker_set_error(d, "exec id too long");
        return -EINVAL;
    }
    if ((rc = unix_connect(d, &fd)) < 0)
        return rc;
    if ((rc = set_rcvtimeo(fd, HIJACK_TIMEOUT_S)) < 0 || (rc = write_all(fd, req, (size_t)rl)) < 0)
        goto io_error;
    ssize_t hl = read_header(fd, hdr, sizeof(hdr));
    if (hl < 0) {
        rc = (int)hl;
        goto io_error;
    }
    long status = 0;
    if (docker_hijack_status(hdr, (size_t)hl, &status) < 0) {
        docker_set_error(d, "POST /exec/{id}/start: malformed reply from the engine");
        rc = -EPROTO;
        goto out;
    }
    if (status != 101 && status != 200) {
        rc = start_error(d, fd, status);
        goto out;
    }
    if ((rc = set_rcvtimeo(fd, 0)) < 0)
        goto io_error;
    *fd_out = fd;
    return 0;
io_error:
    docker_set_error(d, "POST /exec/{id}/start on %s: %s", d->sock,
                     util_strerror(-rc, ebuf, sizeof(ebuf)));
out:
    close(fd);
    return rc;
}

/* ---- without a TTY ---- */

struct collect {
    struct buf out, err;
};

static void keep(struct buf *b, const void *p, size_t n)
{
    size_t room = b->max_bytes - b->len;
    /* Past the cap the output is read and dropped, so the process never blocks. */
    if (buf_append(b, p, n < room ? n : room) < 0)
        return;
}

static int on_frame(int stream, const void *p, size_t n, void *ud)
{
    struct collect *c = ud;
    keep(stream == DOCKER_STREAM_STDOUT ? &c->out : &c->err, p, n);
    return 0;
}

/* Writes stdin (then half-closes) and demultiplexes the output to EOF. */
static int pump(int fd, const struct docker_exec_options *o, struct collect *c)
{
    struct docker_demux dm;
    const char *in = o->stdin_data;
    size_t in_left = o->stdin_data ? o->stdin_len : 0;
    long long deadline = util_mono_us() + (long long)EXEC_TIMEOUT_MS * 1000;
    char chunk[65536];

    docker_demux_init(&dm);
    if (!in_left)
        shutdown(fd, SHUT_WR);
    for (;;) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN | (in_left ? POLLOUT : 0)};
        long long left_ms = (deadline - util_mono_us()) / 1000;
        if (left_ms <= 0)
            return -ETIMEDOUT;
        int pr = poll(&pfd, 1, (int)left_ms);
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr < 0)
            return -errno;
        if (in_left && (pfd.revents & POLLOUT)) {
            ssize_t w = send(fd, in, in_left, MSG_NOSIGNAL | MSG_DONTWAIT);
            if (w < 0 && (errno == EPIPE || errno == ECONNRESET)) {
                /* The process ended without reading all of its stdin: not
                 * an error, its output and exit code are still to come. */
                in_left = 0;
                continue;
            }
            if (w < 0 && errno != EAGAIN && errno != EINTR)
                return -errno;
            if (w > 0) {
                in += w;
                in_left -= (size_t)w;
                if (!in_left)
                    shutdown(fd, SHUT_WR);
            }
        }
        if (pfd.revents & (POLLIN | POLLHUP | POLLERR)) {
            ssize_t r = recv(fd, chunk, sizeof(chunk), MSG_DONTWAIT);
            /* A reset after stdin we wrote went unread ends the stream as
             * EOF does: the output before it has been read. */
            if (r == 0 || (r < 0 && errno == ECONNRESET))
                return 0;
            if (r < 0 && errno != EAGAIN && errno != EINTR)
                return -errno;
            if (r > 0) {
                int rc = docker_demux_feed(&dm, chunk, (size_t)r, on_frame, c);
                if (rc < 0)
                    return rc;
            }
        }
    }
}

/* The process may still be reported running for a moment after its output
 * ended. */
static int exit_code(struct docker *d, const char *exec_id, int *code)
{
    for (int i = 0; i < 500; i++) {
        json_t *v = NULL;
        int rc = docker_exec_inspect(d, exec_id, &v);
        if (rc < 0)
            return rc;
        bool running = json_is_true(json_object_get(v, "Running"));
        json_t *ec = json_object_get(v, "ExitCode");
        if (!running && json_is_integer(ec)) {
            *code = (int)json_integer_value(ec);
            json_decref(v);
            return 0;
        }
        json_decref(v);
        struct timespec ts = {.tv_nsec = 10000000L};
        nanosleep(&ts, NULL);
    }
    docker_set_error(d, "exec %s still running after its output ended", exec_id);
    return -ETIMEDOUT;
}

int docker_exec(struct docker *d, const char *id, const struct docker_exec_options *o,
                struct docker_exec_result *res)
{
    struct collect c;
    char *exec_id = NULL, ebuf[128];
    int fd = -1, code = -1;

    buf_init(&c.out, DOCKER_EXEC_CAP_BYTES);
    buf_init(&c.err, DOCKER_EXEC_CAP_BYTES);
    int rc = exec_create(d, id, o, false, &exec_id);
    if (rc == 0)
        rc = exec_start(d, exec_id, false, &fd);
    if (rc == 0) {
        rc = pump(fd, o, &c);
        if (rc < 0)
            docker_set_error(d, "exec in %.12s: %s", id, util_strerror(-rc, ebuf, sizeof(ebuf)));
    }
    if (rc == 0)
        rc = exit_code(d, exec_id, &code);
    if (rc == 0) {
        res->exit_code = code;
        res->out_len = c.out.len;
        res->err_len = c.err.len;
        res->out = c.out.data ? buf_steal(&c.out) : xstrdup("");
        res->err = c.err.data ? buf_steal(&c.err) : xstrdup("");
    }
    if (fd >= 0)
        close(fd);
    buf_free(&c.out);
    buf_free(&c.err);
    free(exec_id);
    return rc;
}

void docker_exec_result_free(struct docker_exec_result *res)
{
    free(res->out);
    free(res->err);
    memset(res, 0, sizeof(*res));
}

/* ---- with a TTY ---- */

int docker_exec_tty(struct docker *d, const char *id, const struct docker_exec_options *o,
                    unsigned rows, unsigned cols, int *fd_out, char **exec_id_out)
{
    char *exec_id = NULL;
    int fd = -1;
    int rc = exec_create(d, id, o, true, &exec_id);
    if (rc == 0)
        rc = exec_start(d, exec_id, true, &fd);
    /* The size is set once the process runs; a failure there is not fatal
     * to the session, the terminal just keeps the engine's default. */
    if (rc == 0 && rows && cols)
        (void)!docker_exec_resize(d, exec_id, rows, cols);
    if (rc < 0) {
        free(exec_id);
        return rc;
    }
    *fd_out = fd;
    *exec_id_out = exec_id;
    return 0;
}

int docker_exec_resize(struct docker *d, const char *exec_id, unsigned rows, unsigned cols)
{
    char *e = docker_escape(exec_id);
    char *path = xasprintf("/exec/%s/resize?h=%u&w=%u", e, rows, cols);
    int rc = docker_call(d, "POST /exec/{id}/resize", "POST", path, NULL, NULL);
    free(path);
    free(e);
    return rc;
}

int docker_exec_inspect(struct docker *d, const char *exec_id, json_t **out)
{
    return docker_call_arg(d, "GET", "/exec/", exec_id, "/json", NULL, out);
}
