/* Unit tests for src/docker/docker.c and calls.c against a fake engine: a
 * thread serving canned HTTP replies on a unix socket of the test's own, so
 * that what a real dockerd rarely does (refuse the version, answer garbage,
 * answer too much, hang up) can be forced. */
#include "docker/docker.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

enum reply_mode { REPLY_CANNED, REPLY_HANGUP, REPLY_HUGE };

static struct {
    char dir[64], sock[128], url[160];
    int lfd;
    pthread_t th;
    volatile int stop;
    const char *api;      /* ApiVersion the fake speaks */
    enum reply_mode mode; /* for every request but /version */
    int status;
    const char *body;
    char last_request[1024]; /* request line of the last non-version call */
} fake;

static int send_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static void reply(int fd, int status, const char *body)
{
    char head[256];
    int n = snprintf(head, sizeof(head),
                     "HTTP/1.1 %d X\r\nContent-Type: application/json\r\n"
                     "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                     status, strlen(body));
    if (send_all(fd, head, (size_t)n) == 0)
        send_all(fd, body, strlen(body));
}

static void reply_huge(int fd)
{
    size_t total = DOCKER_BODY_CAP_BYTES + 1024 * 1024;
    char head[256], chunk[65536];
    int n = snprintf(head, sizeof(head),
                     "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                     "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                     total);
    memset(chunk, ' ', sizeof(chunk));
    if (send_all(fd, head, (size_t)n) < 0)
        return;
    for (size_t sent = 0; sent < total; sent += sizeof(chunk))
        if (send_all(fd, chunk, sizeof(chunk)) < 0)
            return;
}

/* Reads the request head; a body, if any, is small and read with it. */
static void serve(int fd)
{
    char req[8192];
    size_t n = 0;
    while (n + 1 < sizeof(req) && !strstr(req, "\r\n\r\n")) {
        ssize_t r = recv(fd, req + n, sizeof(req) - n - 1, 0);
        if (r <= 0)
            return;
        n += (size_t)r;
        req[n] = '\0';
    }
    char *eol = strstr(req, "\r\n");
    if (eol)
        *eol = '\0';
    if (strstr(req, " /version ")) {
        char body[128];
        snprintf(body, sizeof(body), "{\"ApiVersion\":\"%s\",\"MinAPIVersion\":\"1.12\"}",
                 fake.api);
        reply(fd, 200, body);
        return;
    }
    snprintf(fake.last_request, sizeof(fake.last_request), "%.1000s", req);
    if (fake.mode == REPLY_HUGE)
        reply_huge(fd);
    else if (fake.mode == REPLY_CANNED)
        reply(fd, fake.status, fake.body);
}

static void *server(void *arg)
{
    (void)arg;
    while (!fake.stop) {
        struct pollfd p = {.fd = fake.lfd, .events = POLLIN};
        if (poll(&p, 1, 50) <= 0)
            continue;
        int fd = accept(fake.lfd, NULL, NULL);
        if (fd < 0)
            continue;
        serve(fd);
        close(fd);
    }
    return NULL;
}

static int setup(void **state)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    (void)state;
    memset(&fake, 0, sizeof(fake));
    snprintf(fake.dir, sizeof(fake.dir), "/tmp/kk-fake-docker-XXXXXX");
    assert_non_null(mkdtemp(fake.dir));
    snprintf(fake.sock, sizeof(fake.sock), "%s/docker.sock", fake.dir);
    snprintf(fake.url, sizeof(fake.url), "unix://%s", fake.sock);
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%.100s", fake.sock);
    fake.lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(fake.lfd >= 0);
    assert_int_equal(bind(fake.lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(listen(fake.lfd, 16), 0);
    fake.api = "1.41";
    assert_int_equal(pthread_create(&fake.th, NULL, server, NULL), 0);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    fake.stop = 1;
    pthread_join(fake.th, NULL);
    close(fake.lfd);
    unlink(fake.sock);
    rmdir(fake.dir);
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
    fake.mode = REPLY_CANNED;
    fake.status = status;
    fake.body = body;
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
    assert_string_equal(fake.last_request, "GET /v1.41/containers/abc/json HTTP/1.1");
    expect(d, 409, "{\"message\":\"in use\"}", -EEXIST, "in use");
    expect(d, 500, "plain text failure", -EIO, "plain text failure");
    expect(d, 200, "{not json", -EPROTO, "malformed reply");
    fake.mode = REPLY_HUGE;
    assert_int_equal(docker_container_inspect(d, "abc", &v), -EFBIG);
    assert_non_null(strstr(docker_last_error(d), "larger than allowed"));
    fake.mode = REPLY_HANGUP;
    assert_true(docker_container_inspect(d, "abc", &v) < 0);
    assert_null(v);
    /* And the handle still works afterwards. */
    fake.mode = REPLY_CANNED;
    fake.status = 200;
    fake.body = "{\"Id\":\"abc\"}";
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
    fake.mode = REPLY_CANNED;
    fake.status = 200;
    fake.body = "[]";
    assert_int_equal(docker_container_list(d, true, f, &v), 0);
    assert_true(json_is_array(v));
    json_decref(v);
    assert_non_null(strstr(fake.last_request,
                           "/v1.41/containers/json?all=1&filters="
                           "%7B%22label%22%3A%5B%22karakuri.managed%3D1%22%5D%7D"));
    fake.body = "{}";
    assert_int_equal(docker_container_list(d, true, f, &v), -EPROTO);
    fake.status = 201;
    fake.body = "{\"Id\":\"0123\"}";
    assert_int_equal(docker_container_create(d, "a b/c", f, &id), 0);
    assert_string_equal(id, "0123");
    assert_non_null(strstr(fake.last_request, "POST /v1.41/containers/create?name=a%20b%2Fc "));
    free(id);
    fake.body = "{\"NoId\":1}";
    id = NULL;
    assert_int_equal(docker_network_create(d, f, &id), -EPROTO);
    assert_null(id);
    fake.status = 304;
    fake.body = "";
    assert_int_equal(docker_container_start(d, "x"), 0);
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
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
