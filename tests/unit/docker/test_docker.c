/* Unit tests for src/docker/docker.c and calls.c against a fake engine: a
 * thread serving canned HTTP replies on a unix socket of the test's own, so
 * that what a real dockerd rarely does (refuse the version, answer garbage,
 * answer too much, hang up) can be forced. */
#include "docker/docker.h"
#include "fake_engine.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

enum reply_mode { REPLY_CANNED, REPLY_HANGUP, REPLY_HUGE, REPLY_RAW };

static struct {
    enum reply_mode mode;
    int status;
    const char *headers; /* extra reply headers, NULL for none */
    const char *body;
    const char *raw;         /* REPLY_RAW: sent as it is, then the connection closes */
    size_t huge_bytes;       /* REPLY_HUGE: the body's size; 0 for the cap + 1 MiB */
    char last_request[1024]; /* request line of the last non-version call */
    char last_head[8192];
    char last_body[4096];
} canned;

/* A JSON list of huge_bytes bytes: "[", blanks, "]". */
static void reply_huge(int fd)
{
    size_t total = canned.huge_bytes ? canned.huge_bytes : DOCKER_BODY_CAP_BYTES + 1024 * 1024;
    char head[256], chunk[65536];
    int n = snprintf(head, sizeof(head),
                     "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                     "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                     total);
    memset(chunk, ' ', sizeof(chunk));
    if (fake_send_all(fd, head, (size_t)n) < 0 || fake_send_all(fd, "[", 1) < 0)
        return;
    for (size_t left = total - 2; left;) {
        size_t k = left < sizeof(chunk) ? left : sizeof(chunk);
        if (fake_send_all(fd, chunk, k) < 0)
            return;
        left -= k;
    }
    fake_send_all(fd, "]", 1);
}

static void handler(int fd, const struct fake_request *rq)
{
    snprintf(canned.last_request, sizeof(canned.last_request), "%s", rq->line);
    snprintf(canned.last_head, sizeof(canned.last_head), "%s", rq->head);
    snprintf(canned.last_body, sizeof(canned.last_body), "%s", rq->body);
    if (canned.mode == REPLY_HUGE)
        reply_huge(fd);
    else if (canned.mode == REPLY_CANNED)
        fake_reply(fd, canned.status, canned.headers ? canned.headers : "", canned.body);
    else if (canned.mode == REPLY_RAW)
        fake_send_all(fd, canned.raw, strlen(canned.raw));
}

static int setup(void **state)
{
    (void)state;
    memset(&canned, 0, sizeof(canned));
    return fake_engine_start(handler);
}

static int teardown(void **state)
{
    (void)state;
    fake_engine_stop();
    return 0;
}

static void test_open(void **state)
{
    struct docker *d = NULL;
    char err[512];
    (void)state;
    assert_int_equal(docker_open(fake.url, &d, err, sizeof(err)), 0);
    assert_string_equal(docker_api_version(d), "1.41");
    assert_string_equal(docker_socket_path(d), fake.sock);
    docker_close(d);

    fake.api = "1.47";
    setenv("DOCKER_HOST", fake.url, 1);
    assert_int_equal(docker_open(NULL, &d, err, sizeof(err)), 0);
    assert_string_equal(docker_api_version(d), DOCKER_API_MAX);
    docker_close(d);
    unsetenv("DOCKER_HOST");

    fake.api = "1.30";
    d = NULL;
    assert_int_equal(docker_open(fake.url, &d, err, sizeof(err)), -ENOTSUP);
    assert_null(d);
    assert_non_null(strstr(err, fake.sock));
    assert_non_null(strstr(err, "1.30"));

    fake.api = "garbage";
    assert_int_equal(docker_open(fake.url, &d, err, sizeof(err)), -ENOTSUP);
    assert_null(d);
}

static void test_open_failures(void **state)
{
    struct docker *d = NULL;
    char err[512];
    (void)state;
    assert_int_equal(docker_open("unix:///nonexistent/d.sock", &d, err, sizeof(err)),
                     -ECONNREFUSED);
    assert_non_null(strstr(err, "/nonexistent/d.sock"));
    assert_non_null(strstr(err, "No such file"));
    assert_int_equal(docker_open("tcp://127.0.0.1:2375", &d, err, sizeof(err)), -EINVAL);
    assert_int_equal(docker_open("unix://relative", &d, err, sizeof(err)), -EINVAL);
    assert_null(d);
}

static struct docker *open_fake(void)
{
    struct docker *d = NULL;
    char err[512];
    fake.api = "1.41";
    assert_int_equal(docker_open(fake.url, &d, err, sizeof(err)), 0);
    return d;
}

static void expect(struct docker *d, int status, const char *body, int want_rc, const char *msg)
{
    json_t *v = NULL;
    canned.mode = REPLY_CANNED;
    canned.status = status;
    canned.body = body;
    assert_int_equal(docker_container_inspect(d, "abc", &v), want_rc);
    assert_null(v);
    if (!strstr(docker_last_error(d), msg))
        fail_msg("error '%s' lacks '%s'", docker_last_error(d), msg);
}

static void test_errors(void **state)
{
    struct docker *d = open_fake();
    json_t *v = NULL;
    (void)state;
    expect(d, 404, "{\"message\":\"No such container: abc\"}", -ENOENT, "No such container: abc");
    assert_string_equal(canned.last_request, "GET /v1.41/containers/abc/json HTTP/1.1");
    expect(d, 409, "{\"message\":\"in use\"}", -EEXIST, "in use");
    expect(d, 500, "plain text failure", -EIO, "plain text failure");
    expect(d, 200, "{not json", -EPROTO, "malformed reply");
    canned.mode = REPLY_HUGE;
    assert_int_equal(docker_container_inspect(d, "abc", &v), -EFBIG);
    assert_non_null(strstr(docker_last_error(d), "larger than allowed"));
    canned.mode = REPLY_HANGUP;
    assert_true(docker_container_inspect(d, "abc", &v) < 0);
    assert_null(v);
    /* And the handle still works afterwards. */
    canned.mode = REPLY_CANNED;
    canned.status = 200;
    canned.body = "{\"Id\":\"abc\"}";
    assert_int_equal(docker_container_inspect(d, "abc", &v), 0);
    assert_string_equal(json_string_value(json_object_get(v, "Id")), "abc");
    json_decref(v);
    docker_close(d);
}

static void test_paths(void **state)
{
    struct docker *d = open_fake();
    json_t *v = NULL, *f = json_pack("{s:[s]}", "label", "karakuri.managed=1");
    char *id = NULL;
    (void)state;
    canned.mode = REPLY_CANNED;
    canned.status = 200;
    canned.body = "[]";
    assert_int_equal(docker_container_list(d, true, f, &v), 0);
    assert_true(json_is_array(v));
    json_decref(v);
    assert_non_null(strstr(canned.last_request,
                           "/v1.41/containers/json?all=1&filters="
                           "%7B%22label%22%3A%5B%22karakuri.managed%3D1%22%5D%7D"));
    canned.body = "{}";
    assert_int_equal(docker_container_list(d, true, f, &v), -EPROTO);
    canned.status = 201;
    canned.body = "{\"Id\":\"0123\"}";
    assert_int_equal(docker_container_create(d, "a b/c", f, &id), 0);
    assert_string_equal(id, "0123");
    assert_non_null(strstr(canned.last_request, "POST /v1.41/containers/create?name=a%20b%2Fc "));
    free(id);
    canned.body = "{\"NoId\":1}";
    id = NULL;
    assert_int_equal(docker_network_create(d, f, &id), -EPROTO);
    assert_null(id);
    canned.status = 304;
    canned.body = "";
    assert_int_equal(docker_container_start(d, "x"), 0);
    json_decref(f);
    docker_close(d);
}

/* A pipe that reads s and then EOF. */
static int fd_with(const char *s)
{
    int p[2];
    assert_int_equal(pipe(p), 0);
    assert_int_equal(write(p[1], s, strlen(s)), (ssize_t)strlen(s));
    close(p[1]);
    return p[0];
}

static void progress_line(const char *line, void *ud)
{
    char *all = ud;
    size_t n = strlen(all);
    snprintf(all + n, 512 - n, "%s|", line);
}

static void test_build(void **state)
{
    struct docker *d = open_fake();
    json_t *args = json_pack("{s:s}", "BASE", "a b"), *labels = json_pack("{s:s}", "k", "v");
    struct docker_build_options o = {.tag = "kk/t:1", .buildargs = args, .labels = labels};
    char lines[512] = "", *id = NULL;
    (void)state;
    canned.status = 200;
    canned.body = "{\"stream\":\"Step 1/1 : FROM x\\n\"}\r\n"
                  "{\"aux\":{\"ID\":\"sha256:0b1d\"}}\n"
                  "{\"stream\":\"Successfully built 0b1d\\n\"}\n";
    int fd = fd_with("context tar bytes");
    assert_int_equal(docker_image_build(d, fd, &o, progress_line, lines, &id), 0);
    close(fd);
    assert_string_equal(id, "sha256:0b1d");
    free(id);
    assert_string_equal(lines, "Step 1/1 : FROM x|Successfully built 0b1d|");
    assert_string_equal(canned.last_request,
                        "POST /v1.41/build?t=kk%2Ft%3A1&rm=1&forcerm=1&nocache=0"
                        "&buildargs=%7B%22BASE%22%3A%22a%20b%22%7D&labels=%7B%22k%22%3A%22v%22%7D "
                        "HTTP/1.1");
    assert_non_null(strcasestr(canned.last_head, "Content-Type: application/x-tar\r\n"));
    assert_non_null(strcasestr(canned.last_head, "Transfer-Encoding: chunked\r\n"));
    assert_string_equal(canned.last_body, "context tar bytes");

    /* An error in the stream fails the call with the engine's message. */
    canned.body = "{\"stream\":\"Step 1/2 : RUN false\\n\"}\n"
                  "{\"errorDetail\":{\"code\":1,\"message\":\"returned a non-zero code: 1\"},"
                  "\"error\":\"The command '/bin/sh -c false' returned a non-zero code: 1\"}\n";
    fd = fd_with("x");
    id = NULL;
    assert_int_equal(docker_image_build(d, fd, &o, NULL, NULL, &id), -EIO);
    close(fd);
    assert_null(id);
    assert_non_null(strstr(docker_last_error(d), "returned a non-zero code: 1"));

    /* A stream that ends without an image id. */
    canned.body = "{\"stream\":\"Step 1/1 : FROM x\\n\"}\n";
    fd = fd_with("x");
    assert_int_equal(docker_image_build(d, fd, &o, NULL, NULL, &id), -EPROTO);
    close(fd);

    /* An error status: the daemon's message. */
    canned.status = 500;
    canned.body = "{\"message\":\"dockerfile parse error line 1\"}";
    fd = fd_with("x");
    assert_int_equal(docker_image_build(d, fd, &o, NULL, NULL, &id), -EIO);
    close(fd);
    assert_non_null(strstr(docker_last_error(d), "dockerfile parse error line 1"));
    json_decref(args);
    json_decref(labels);
    docker_close(d);
}

static void test_import(void **state)
{
    struct docker *d = open_fake();
    char lines[512] = "", *id = NULL;
    (void)state;
    canned.status = 200;
    canned.body = "{\"status\":\"Importing\",\"progressDetail\":{},\"progress\":\"[==>] 1kB\"}\n"
                  "{\"status\":\"sha256:feed\"}\n";
    int fd = fd_with("rootfs tar");
    assert_int_equal(docker_image_import(d, fd, "kk/base", "v 1", progress_line, lines, &id), 0);
    close(fd);
    assert_string_equal(id, "sha256:feed");
    free(id);
    assert_string_equal(lines, "Importing [==>] 1kB|sha256:feed|");
    assert_string_equal(canned.last_request,
                        "POST /v1.41/images/create?fromSrc=-&repo=kk%2Fbase&tag=v%201 HTTP/1.1");
    assert_string_equal(canned.last_body, "rootfs tar");

    canned.body = "{\"error\":\"archive/tar: invalid tar header\"}\n";
    fd = fd_with("junk");
    assert_int_equal(docker_image_import(d, fd, "kk/base", "1", NULL, NULL, NULL), -EIO);
    close(fd);
    assert_non_null(strstr(docker_last_error(d), "invalid tar header"));

    /* A progress line over the cap ends the transfer. */
    /* Static: the fake may still be sending it when the call has given up. */
    static char huge[200000];
    memset(huge, 'a', 199999);
    huge[199999] = '\0';
    canned.body = huge;
    fd = fd_with("x");
    assert_int_equal(docker_image_import(d, fd, "kk/base", "1", NULL, NULL, NULL), -EFBIG);
    close(fd);
    docker_close(d);
}

static void test_archive(void **state)
{
    struct docker *d = open_fake();
    char path[] = "/tmp/kk-test-archive-XXXXXX", got[8192];
    static char tar[5001]; /* static: see test_import */
    (void)state;
    memset(tar, 't', 5000);
    tar[5000] = '\0';
    int out = mkstemp(path);
    assert_true(out >= 0);
    unlink(path);
    canned.status = 200;
    canned.body = tar;
    assert_int_equal(docker_container_archive_get(d, "c1", "/etc/a b", out, 1 << 20), 0);
    assert_string_equal(canned.last_request,
                        "GET /v1.41/containers/c1/archive?path=%2Fetc%2Fa%20b HTTP/1.1");
    assert_int_equal(pread(out, got, sizeof(got), 0), 5000);
    assert_int_equal(ftruncate(out, 0), 0);
    assert_int_equal(docker_container_archive_get(d, "c1", "/etc", out, 4096), -EFBIG);
    assert_non_null(strstr(docker_last_error(d), "larger than allowed"));

    /* An error reply is reported, not written to the file. */
    assert_int_equal(ftruncate(out, 0), 0);
    canned.status = 404;
    canned.body = "{\"message\":\"Could not find the file /x in container c1\"}";
    assert_int_equal(docker_container_archive_get(d, "c1", "/x", out, 1 << 20), -ENOENT);
    assert_non_null(strstr(docker_last_error(d), "Could not find the file /x"));
    assert_int_equal(pread(out, got, sizeof(got), 0), 0);
    close(out);

    canned.status = 200;
    canned.body = "";
    int fd = fd_with("a tar to put");
    assert_int_equal(docker_container_archive_put(d, "c1", "/tmp", fd), 0);
    close(fd);
    assert_string_equal(canned.last_request,
                        "PUT /v1.41/containers/c1/archive?path=%2Ftmp HTTP/1.1");
    assert_string_equal(canned.last_body, "a tar to put");
    assert_non_null(strcasestr(canned.last_head, "Content-Type: application/x-tar\r\n"));
    docker_close(d);
}

static void test_stat_path(void **state)
{
    struct docker *d = open_fake();
    json_t *v = NULL;
    (void)state;
    canned.status = 200;
    canned.body = "";
    canned.headers = "X-Docker-Container-Path-Stat: "
                     "eyJuYW1lIjoiaGVsbG8udHh0Iiwic2l6ZSI6MywibW9kZSI6NDIwLCJtdGltZSI6IjIwMjQtMDEt"
                     "MDFUMDA6MDA6MDBaIiwibGlua1RhcmdldCI6IiJ9\r\n";
    assert_int_equal(docker_container_stat_path(d, "c1", "/tmp/hello.txt", &v), 0);
    assert_string_equal(canned.last_request,
                        "HEAD /v1.41/containers/c1/archive?path=%2Ftmp%2Fhello.txt HTTP/1.1");
    assert_string_equal(json_string_value(json_object_get(v, "name")), "hello.txt");
    assert_int_equal(json_integer_value(json_object_get(v, "size")), 3);
    json_decref(v);
    v = NULL;

    canned.headers = "X-Docker-Container-Path-Stat: !!not base64!!\r\n";
    assert_int_equal(docker_container_stat_path(d, "c1", "/x", &v), -EPROTO);
    canned.headers = NULL;
    assert_int_equal(docker_container_stat_path(d, "c1", "/x", &v), -EPROTO);
    canned.status = 404;
    assert_int_equal(docker_container_stat_path(d, "c1", "/x", &v), -ENOENT);
    assert_null(v);
    docker_close(d);
}

static void test_request_and_paths(void **state)
{
    struct docker *d = open_fake();
    json_t *v = NULL, *body = json_pack("{s:i}", "x", 1);
    long status = 0;
    (void)state;
    canned.status = 201;
    canned.body = "{\"ok\":true}";
    assert_int_equal(docker_request(d, "POST", "/anything?x=1", body, &status, &v), 0);
    assert_int_equal(status, 201);
    assert_true(json_is_true(json_object_get(v, "ok")));
    json_decref(v);
    assert_string_equal(canned.last_request, "POST /v1.41/anything?x=1 HTTP/1.1");
    assert_string_equal(canned.last_body, "{\"x\":1}");
    assert_non_null(strcasestr(canned.last_head, "Content-Type: application/json\r\n"));

    canned.status = 403;
    canned.body = "{\"message\":\"forbidden\"}";
    v = NULL;
    assert_int_equal(docker_request(d, "DELETE", "/x", NULL, &status, &v), -EPERM);
    assert_int_equal(status, 403);
    assert_null(v);
    canned.status = 400;
    assert_int_equal(docker_request(d, "GET", "/x", NULL, NULL, NULL), -EINVAL);

    canned.status = 204;
    canned.body = "";
    assert_int_equal(docker_container_stop(d, "c 1", 5), 0);
    assert_string_equal(canned.last_request, "POST /v1.41/containers/c%201/stop?t=5 HTTP/1.1");
    assert_int_equal(docker_container_kill(d, "c1", NULL), 0);
    assert_string_equal(canned.last_request, "POST /v1.41/containers/c1/kill?signal=KILL HTTP/1.1");
    assert_int_equal(docker_container_remove(d, "c1", true, false), 0);
    assert_string_equal(canned.last_request, "DELETE /v1.41/containers/c1?force=1&v=0 HTTP/1.1");
    assert_int_equal(docker_network_connect(d, "n1", "c1", "10.213.0.5"), 0);
    assert_string_equal(canned.last_body,
                        "{\"Container\":\"c1\",\"EndpointConfig\":{\"IPAMConfig\":"
                        "{\"IPv4Address\":\"10.213.0.5\"}}}");
    assert_int_equal(docker_image_tag(d, "sha256:ab", "kk/x", "1"), 0);
    assert_string_equal(canned.last_request,
                        "POST /v1.41/images/sha256%3Aab/tag?repo=kk%2Fx&tag=1 HTTP/1.1");
    canned.body = "null";
    assert_int_equal(docker_container_diff(d, "c1", &v), 0);
    assert_true(json_is_array(v) && json_array_size(v) == 0);
    json_decref(v);
    canned.status = 200;
    canned.body = "OK";
    assert_int_equal(docker_ping(d), 0);
    json_decref(body);
    docker_close(d);
}

/* Engines that cannot be reached, or hosts that are not ours to try. */
static void test_open_unreachable(void **state)
{
    struct docker *d = NULL;
    char err[512], url[256], path[100];
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    (void)state;

    /* A socket file nobody listens on. */
    snprintf(path, sizeof(path), "%s/dead.sock", fake.dir);
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%.100s", path);
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    assert_true(s >= 0);
    assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
    close(s);
    snprintf(url, sizeof(url), "unix://%s", path);
    assert_int_equal(docker_open(url, &d, err, sizeof(err)), -ECONNREFUSED);
    assert_null(d);
    assert_non_null(strstr(err, path));
    assert_non_null(strstr(err, "refused"));
    unlink(path);

    /* $DOCKER_HOST is read only when no host is given, and checked as one. */
    setenv("DOCKER_HOST", "tcp://10.0.0.1:2376", 1);
    assert_int_equal(docker_open(NULL, &d, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "tcp://10.0.0.1:2376"));
    assert_int_equal(docker_open("", &d, err, sizeof(err)), -EINVAL);
    assert_int_equal(docker_open(fake.url, &d, err, sizeof(err)), 0);
    assert_string_equal(docker_socket_path(d), fake.sock);
    docker_close(d);
    d = NULL;
    unsetenv("DOCKER_HOST");

    assert_int_equal(docker_open("unix://", &d, err, sizeof(err)), -EINVAL);
    assert_int_equal(docker_open("http://x/var/run/docker.sock", &d, err, sizeof(err)), -EINVAL);
    assert_int_equal(docker_open("npipe:////./pipe/docker_engine", &d, err, sizeof(err)), -EINVAL);
    assert_null(d);
    docker_close(NULL);
}

/* A /version reply that is not JSON fails the open; the handle is not kept. */
static void test_open_bad_version_reply(void **state)
{
    struct docker *d = NULL;
    char err[512];
    (void)state;
    fake.api = "1.41\"";
    assert_int_equal(docker_open(fake.url, &d, err, sizeof(err)), -EPROTO);
    assert_null(d);
    assert_non_null(strstr(err, "malformed"));
    fake.api = "";
    assert_int_equal(docker_open(fake.url, &d, err, sizeof(err)), -ENOTSUP);
    assert_non_null(strstr(err, fake.sock));
    assert_null(d);
}

/* Replies that are broken at the HTTP level: each fails the call with a
 * negative errno and leaves the handle usable. */
static void test_broken_replies(void **state)
{
    struct docker *d = open_fake();
    json_t *v = NULL;
    const char *raw[] = {
        /* a body shorter than announced */
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n"
        "Connection: close\r\n\r\n{\"Id\":",
        /* not HTTP at all */
        "SSH-2.0-OpenSSH_9.2\r\n",
        /* a chunked body cut short */
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        "10\r\n{\"Id\":\"a",
        /* a bad chunk size */
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        "zz\r\n{}\r\n0\r\n\r\n",
    };
    (void)state;
    for (size_t i = 0; i < sizeof(raw) / sizeof(raw[0]); i++) {
        canned.mode = REPLY_RAW;
        canned.raw = raw[i];
        int rc = docker_container_inspect(d, "abc", &v);
        if (rc >= 0)
            fail_msg("reply %zu accepted", i);
        assert_null(v);
        assert_true(strlen(docker_last_error(d)) > 0);
    }

    /* Headers cut short by the end of the connection: libcurl (7.88) takes
     * them as a complete empty 200, so the call cannot tell; it must at least
     * not invent a reply. */
    canned.raw = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n";
    int rc = docker_container_inspect(d, "abc", &v);
    assert_true(rc < 0 || v == NULL);

    /* A well-formed chunked reply is read whole. */
    canned.raw = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                 "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                 "6\r\n{\"Id\":\r\n6\r\n\"abc\"}\r\n0\r\n\r\n";
    assert_int_equal(docker_container_inspect(d, "abc", &v), 0);
    assert_string_equal(json_string_value(json_object_get(v, "Id")), "abc");
    json_decref(v);
    v = NULL;

    /* An error status without a body, and one whose message is hostile. */
    canned.mode = REPLY_CANNED;
    canned.status = 500;
    canned.body = "";
    assert_int_equal(docker_container_inspect(d, "abc", &v), -EIO);
    assert_non_null(strstr(docker_last_error(d), "no message"));
    assert_non_null(strstr(docker_last_error(d), "HTTP 500"));
    canned.status = 404;
    canned.body = "{\"message\":\"No such container: \\u001b[2Jx\\nFAKE LOG LINE\"}";
    assert_int_equal(docker_container_inspect(d, "abc", &v), -ENOENT);
    assert_null(strchr(docker_last_error(d), '\x1b'));
    assert_null(strchr(docker_last_error(d), '\n'));
    assert_non_null(strstr(docker_last_error(d), "No such container: \\x1b[2Jx\\x0aFAKE"));
    assert_non_null(strstr(docker_last_error(d), "HTTP 404"));

    /* A long non-JSON error body is cut to fit the error. */
    static char page[100000]; /* static: see test_import */
    memset(page, 'p', sizeof(page) - 1);
    canned.status = 502;
    canned.body = page;
    assert_int_equal(docker_container_inspect(d, "abc", &v), -EIO);
    assert_true(strlen(docker_last_error(d)) < 1024);
    assert_non_null(strstr(docker_last_error(d), "ppp..."));

    /* 409 on create: -EEXIST and no id. */
    char *id = NULL;
    canned.status = 409;
    canned.body = "{\"message\":\"Conflict. The container name \\\"/x\\\" is already in use\"}";
    assert_int_equal(docker_container_create(d, "x", NULL, &id), -EEXIST);
    assert_null(id);
    assert_non_null(strstr(docker_last_error(d), "is already in use"));
    docker_close(d);
}

/* A reply of exactly the cap is accepted; one byte more is not. */
static void test_body_cap_boundary(void **state)
{
    struct docker *d = open_fake();
    json_t *v = NULL;
    (void)state;
    canned.mode = REPLY_HUGE;
    canned.huge_bytes = DOCKER_BODY_CAP_BYTES;
    assert_int_equal(docker_container_list(d, false, NULL, &v), 0);
    assert_true(json_is_array(v) && json_array_size(v) == 0);
    json_decref(v);
    v = NULL;
    canned.huge_bytes = DOCKER_BODY_CAP_BYTES + 1;
    assert_int_equal(docker_container_list(d, false, NULL, &v), -EFBIG);
    assert_null(v);
    docker_close(d);
}

/* List paths without filters, and the escaping of filters with a character
 * that means something in a query. */
static void test_list_paths(void **state)
{
    struct docker *d = open_fake();
    json_t *v = NULL, *f = json_pack("{s:[s]}", "name", "a&b=c d#e");
    (void)state;
    canned.status = 200;
    canned.body = "[{\"Id\":\"x\"}]";
    assert_int_equal(docker_container_list(d, false, NULL, &v), 0);
    assert_int_equal(json_array_size(v), 1);
    json_decref(v);
    assert_string_equal(canned.last_request, "GET /v1.41/containers/json? HTTP/1.1");
    assert_int_equal(docker_network_list(d, f, &v), 0);
    json_decref(v);
    assert_string_equal(canned.last_request,
                        "GET /v1.41/networks?filters="
                        "%7B%22name%22%3A%5B%22a%26b%3Dc%20d%23e%22%5D%7D HTTP/1.1");
    assert_int_equal(docker_image_list(d, NULL, &v), 0);
    json_decref(v);
    assert_string_equal(canned.last_request, "GET /v1.41/images/json? HTTP/1.1");
    /* An id with a slash or a query stays one path segment. */
    canned.body = "{}";
    assert_int_equal(docker_container_inspect(d, "../../x?y=1", &v), 0);
    json_decref(v);
    assert_string_equal(canned.last_request,
                        "GET /v1.41/containers/..%2F..%2Fx%3Fy%3D1/json HTTP/1.1");
    json_decref(f);
    docker_close(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_open, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_failures, setup, teardown),
        cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_paths, setup, teardown),
        cmocka_unit_test_setup_teardown(test_build, setup, teardown),
        cmocka_unit_test_setup_teardown(test_import, setup, teardown),
        cmocka_unit_test_setup_teardown(test_archive, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stat_path, setup, teardown),
        cmocka_unit_test_setup_teardown(test_request_and_paths, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_unreachable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_bad_version_reply, setup, teardown),
        cmocka_unit_test_setup_teardown(test_broken_replies, setup, teardown),
        cmocka_unit_test_setup_teardown(test_body_cap_boundary, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_paths, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
