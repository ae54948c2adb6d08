/* Unit tests for src/docker/exec.c against a fake engine: the hijacked start
 * request (101 UPGRADED, or 200 and a raw stream as older engines answer),
 * stdin then EOF, the multiplexed output with its cap, the exit code polled
 * while the exec still runs, a TTY connection handed to the caller, and the
 * replies a broken or hostile engine can give instead. */
#include "docker/docker.h"
#include "fake_engine.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

enum start_mode {
    START_UPGRADED, /* 101, frames, stdin echoed */
    START_OK_RAW,   /* 200 and the stream, as engines before the upgrade did */
    START_NOT_FOUND,
    START_GARBAGE,
    START_HEADER_FLOOD,
    START_HANGUP,
    START_BAD_FRAME,
    START_FLOOD,       /* more stdout than the cap */
    START_IGNORE_STDIN /* closes without reading stdin */
};

static struct {
    enum start_mode mode;
    int running_polls; /* GET /exec/{id}/json says Running this many times */
    char create_body[2048];
    char start_head[16384];
    char resize[1024];
    char stdin_seen[256];
} ex;

static const char upgraded[] = "HTTP/1.1 101 UPGRADED\r\n"
                               "Content-Type: application/vnd.docker.raw-stream\r\n"
                               "Connection: Upgrade\r\nUpgrade: tcp\r\n\r\n";

static const char ok_raw[] = "HTTP/1.1 200 OK\r\n"
                             "Content-Type: application/vnd.docker.raw-stream\r\n\r\n";

/* Reads what the client sends until it half-closes. */
static size_t read_stdin(int fd, char *to, size_t cap)
{
    size_t n = 0;
    char sink[65536];
    for (;;) {
        ssize_t r = recv(fd, sink, sizeof(sink), 0);
        if (r <= 0)
            break;
        size_t keep = (size_t)r < cap - 1 - n ? (size_t)r : cap - 1 - n;
        memcpy(to + n, sink, keep);
        n += keep;
    }
    to[n] = '\0';
    return n;
}

/* The 101 header and the first frame in one write: the client must keep the
 * bytes that follow the header. */
static void upgraded_stream(int fd)
{
    char first[256];
    memcpy(first, upgraded, sizeof(upgraded) - 1);
    uint8_t h[8] = {1, 0, 0, 0, 0, 0, 0, 4};
    memcpy(first + sizeof(upgraded) - 1, h, 8);
    memcpy(first + sizeof(upgraded) - 1 + 8, "out:", 4);
    fake_send_all(fd, first, sizeof(upgraded) - 1 + 12);
    size_t n = read_stdin(fd, ex.stdin_seen, sizeof(ex.stdin_seen));
    fake_frame(fd, 2, "err\n", 4);
    /* The echo byte by byte, header included, to split every frame. */
    uint8_t eh[8] = {1,         0, 0, 0, (uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8),
                     (uint8_t)n};
    for (size_t i = 0; i < 8; i++)
        fake_send_all(fd, eh + i, 1);
    for (size_t i = 0; i < n; i++)
        fake_send_all(fd, ex.stdin_seen + i, 1);
}

static void flood(int fd)
{
    static char block[1 << 20];
    memset(block, 'x', sizeof(block));
    fake_send_all(fd, upgraded, sizeof(upgraded) - 1);
    for (int i = 0; i < 5; i++)
        fake_frame(fd, 1, block, sizeof(block));
    fake_frame(fd, 2, "tail\n", 5);
}

static void start(int fd, const struct fake_request *rq)
{
    char junk[10000];
    snprintf(ex.start_head, sizeof(ex.start_head), "%s", rq->head);
    switch (ex.mode) {
    case START_UPGRADED:
        upgraded_stream(fd);
        break;
    case START_OK_RAW:
        fake_send_all(fd, ok_raw, sizeof(ok_raw) - 1);
        fake_frame(fd, 1, "raw\n", 4);
        break;
    case START_NOT_FOUND:
        fake_reply(fd, 404, "", "{\"message\":\"No such exec instance: e1\"}");
        break;
    case START_GARBAGE:
        fake_send_all(fd, "SSH-2.0-hello\r\n\r\n", 17);
        break;
    case START_HEADER_FLOOD:
        memset(junk, 'h', sizeof(junk));
        fake_send_all(fd, "HTTP/1.1 101 UPGRADED\r\nX: ", 26);
        fake_send_all(fd, junk, sizeof(junk));
        break;
    case START_HANGUP:
        break;
    case START_BAD_FRAME:
        fake_send_all(fd, upgraded, sizeof(upgraded) - 1);
        fake_frame(fd, 9, "??", 2);
        break;
    case START_FLOOD:
        flood(fd);
        break;
    case START_IGNORE_STDIN:
        fake_send_all(fd, upgraded, sizeof(upgraded) - 1);
        fake_frame(fd, 1, "bye\n", 4);
        usleep(20000); /* the client is writing stdin by now */
        break;
    }
}

static void handler(int fd, const struct fake_request *rq)
{
    if (strstr(rq->line, "POST /v1.41/containers/c1/exec ")) {
        snprintf(ex.create_body, sizeof(ex.create_body), "%s", rq->body);
        fake_reply(fd, 201, "", "{\"Id\":\"e1\"}");
    } else if (strstr(rq->line, "POST /v1.41/exec/e1/start ")) {
        start(fd, rq);
    } else if (strstr(rq->line, "GET /v1.41/exec/e1/json ")) {
        if (ex.running_polls > 0) {
            ex.running_polls--;
            fake_reply(fd, 200, "", "{\"Running\":true,\"ExitCode\":null}");
        } else {
            fake_reply(fd, 200, "", "{\"Running\":false,\"ExitCode\":7,\"Pid\":42}");
        }
    } else if (strstr(rq->line, "/exec/e1/resize")) {
        snprintf(ex.resize, sizeof(ex.resize), "%s", rq->line);
        fake_reply(fd, 201, "", "");
    } else {
        fake_reply(fd, 404, "", "{\"message\":\"No such container: c9\"}");
    }
}

static int setup(void **state)
{
    (void)state;
    memset(&ex, 0, sizeof(ex));
    return fake_engine_start(handler);
}

static int teardown(void **state)
{
    (void)state;
    fake_engine_stop();
    return 0;
}

static struct docker *open_fake(void)
{
    struct docker *d = NULL;
    char err[512];
    assert_int_equal(docker_open(fake.url, &d, err, sizeof(err)), 0);
    return d;
}

static const char *const argv_sh[] = {"sh", "-c", "cat", NULL};

static void test_exec_upgraded(void **state)
{
    struct docker *d = open_fake();
    const char *const env[] = {"A=1", NULL};
    struct docker_exec_options o = {.argv = argv_sh,
                                    .user = "nobody",
                                    .env = env,
                                    .workdir = "/tmp",
                                    .stdin_data = "hello",
                                    .stdin_len = 5};
    struct docker_exec_result r;
    (void)state;
    ex.running_polls = 3;
    assert_int_equal(docker_exec(d, "c1", &o, &r), 0);
    assert_string_equal(r.out, "out:hello");
    assert_int_equal(r.out_len, 9);
    assert_string_equal(r.err, "err\n");
    assert_int_equal(r.exit_code, 7);
    assert_string_equal(ex.stdin_seen, "hello");
    assert_int_equal(ex.running_polls, 0);
    docker_exec_result_free(&r);

    assert_non_null(strstr(ex.create_body, "\"AttachStdin\":true"));
    assert_non_null(strstr(ex.create_body, "\"Tty\":false"));
    assert_non_null(strstr(ex.create_body, "\"Cmd\":[\"sh\",\"-c\",\"cat\"]"));
    assert_non_null(strstr(ex.create_body, "\"User\":\"nobody\""));
    assert_non_null(strstr(ex.create_body, "\"Env\":[\"A=1\"]"));
    assert_non_null(strstr(ex.create_body, "\"WorkingDir\":\"/tmp\""));
    assert_non_null(strstr(ex.start_head, "Connection: Upgrade\r\n"));
    assert_non_null(strstr(ex.start_head, "Upgrade: tcp\r\n"));

    /* No stdin: nothing attached, EOF at once. */
    struct docker_exec_options o2 = {.argv = argv_sh};
    assert_int_equal(docker_exec(d, "c1", &o2, &r), 0);
    assert_string_equal(r.out, "out:");
    assert_string_equal(ex.stdin_seen, "");
    assert_non_null(strstr(ex.create_body, "\"AttachStdin\":false"));
    docker_exec_result_free(&r);
    docker_close(d);
}

static void test_exec_raw_200(void **state)
{
    struct docker *d = open_fake();
    struct docker_exec_options o = {.argv = argv_sh};
    struct docker_exec_result r;
    (void)state;
    ex.mode = START_OK_RAW;
    assert_int_equal(docker_exec(d, "c1", &o, &r), 0);
    assert_string_equal(r.out, "raw\n");
    assert_string_equal(r.err, "");
    assert_int_equal(r.err_len, 0);
    docker_exec_result_free(&r);
    docker_close(d);
}

static void expect_fail(struct docker *d, enum start_mode mode, int want, const char *msg)
{
    struct docker_exec_options o = {.argv = argv_sh, .stdin_data = "x", .stdin_len = 1};
    struct docker_exec_result r = {.exit_code = 12345};
    ex.mode = mode;
    assert_int_equal(docker_exec(d, "c1", &o, &r), want);
    assert_int_equal(r.exit_code, 12345); /* untouched */
    assert_null(r.out);
    if (!strstr(docker_last_error(d), msg))
        fail_msg("error '%s' lacks '%s'", docker_last_error(d), msg);
}

static void test_exec_failures(void **state)
{
    struct docker *d = open_fake();
    struct docker_exec_options o = {.argv = argv_sh};
    struct docker_exec_result r = {0};
    (void)state;
    expect_fail(d, START_NOT_FOUND, -ENOENT, "No such exec instance: e1");
    expect_fail(d, START_GARBAGE, -EPROTO, "malformed reply");
    expect_fail(d, START_HEADER_FLOOD, -EPROTO, "");
    expect_fail(d, START_HANGUP, -ECONNRESET, fake.sock);
    expect_fail(d, START_BAD_FRAME, -EPROTO, "");
    assert_int_equal(docker_exec(d, "c9", &o, &r), -ENOENT);
    assert_non_null(strstr(docker_last_error(d), "No such container: c9"));
    /* And the handle still works. */
    ex.mode = START_OK_RAW;
    assert_int_equal(docker_exec(d, "c1", &o, &r), 0);
    docker_exec_result_free(&r);
    docker_close(d);
}

static void test_exec_caps(void **state)
{
    struct docker *d = open_fake();
    struct docker_exec_options o = {.argv = argv_sh};
    struct docker_exec_result r;
    (void)state;
    ex.mode = START_FLOOD;
    assert_int_equal(docker_exec(d, "c1", &o, &r), 0);
    assert_int_equal(r.out_len, DOCKER_EXEC_CAP_BYTES);
    assert_int_equal(strlen(r.out), DOCKER_EXEC_CAP_BYTES);
    assert_string_equal(r.err, "tail\n");
    docker_exec_result_free(&r);

    /* stdin the process never reads is no failure. */
    size_t big_len = 8u << 20;
    char *big = calloc(1, big_len);
    struct docker_exec_options ob = {.argv = argv_sh, .stdin_data = big, .stdin_len = big_len};
    ex.mode = START_IGNORE_STDIN;
    assert_int_equal(docker_exec(d, "c1", &ob, &r), 0);
    assert_string_equal(r.out, "bye\n");
    assert_int_equal(r.exit_code, 7);
    docker_exec_result_free(&r);
    free(big);
    docker_close(d);
}

static void tty_handler_echo(int fd)
{
    char b[256];
    fake_send_all(fd, upgraded, sizeof(upgraded) - 1);
    fake_send_all(fd, "$ ", 2);
    for (;;) {
        ssize_t r = recv(fd, b, sizeof(b), 0);
        if (r <= 0)
            return;
        fake_send_all(fd, b, (size_t)r);
    }
}

static void tty_handler(int fd, const struct fake_request *rq)
{
    if (strstr(rq->line, "POST /v1.41/exec/e1/start ")) {
        snprintf(ex.start_head, sizeof(ex.start_head), "%s%s", rq->head, rq->body);
        tty_handler_echo(fd);
    } else {
        handler(fd, rq);
    }
}

static void test_exec_tty(void **state)
{
    struct docker *d = open_fake();
    struct docker_exec_options o = {.argv = argv_sh};
    char *exec_id = NULL, got[16] = "";
    int fd = -1;
    json_t *v = NULL;
    (void)state;
    fake.handler = tty_handler;
    assert_int_equal(docker_exec_tty(d, "c1", &o, 24, 80, &fd, &exec_id), 0);
    assert_string_equal(exec_id, "e1");
    assert_non_null(strstr(ex.create_body, "\"Tty\":true"));
    assert_non_null(strstr(ex.create_body, "\"AttachStdin\":true"));
    assert_non_null(strstr(ex.start_head, "\"Tty\":true"));
    assert_string_equal(ex.resize, "POST /v1.41/exec/e1/resize?h=24&w=80 HTTP/1.1");
    /* The prompt sent right after the header was not swallowed. */
    assert_int_equal(recv(fd, got, 2, MSG_WAITALL), 2);
    assert_memory_equal(got, "$ ", 2);
    assert_int_equal(send(fd, "ls\n", 3, MSG_NOSIGNAL), 3);
    assert_int_equal(recv(fd, got, 3, MSG_WAITALL), 3);
    assert_memory_equal(got, "ls\n", 3);
    assert_int_equal(docker_exec_resize(d, exec_id, 40, 100), 0);
    assert_string_equal(ex.resize, "POST /v1.41/exec/e1/resize?h=40&w=100 HTTP/1.1");
    assert_int_equal(docker_exec_inspect(d, exec_id, &v), 0);
    assert_int_equal(json_integer_value(json_object_get(v, "ExitCode")), 7);
    json_decref(v);
    close(fd);
    free(exec_id);

    fd = -1;
    exec_id = NULL;
    fake.handler = handler;
    ex.mode = START_NOT_FOUND;
    assert_int_equal(docker_exec_tty(d, "c1", &o, 24, 80, &fd, &exec_id), -ENOENT);
    assert_int_equal(fd, -1);
    assert_null(exec_id);
    docker_close(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_exec_upgraded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exec_raw_200, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exec_failures, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exec_caps, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exec_tty, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
