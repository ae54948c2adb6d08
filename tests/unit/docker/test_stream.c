/* Unit tests for src/docker/stream.c: the exec stream demultiplexer, the
 * build/import progress parser, error messages, status codes, versions. */
#include "docker/stream.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- demux ---- */

struct got {
    char out[256], err[256];
    size_t out_len, err_len;
    int fail_with;
};

static int on_frame(int stream, const void *p, size_t n, void *ud)
{
    struct got *g = ud;
    if (g->fail_with)
        return g->fail_with;
    char *dst = stream == DOCKER_STREAM_STDOUT ? g->out : g->err;
    size_t *len = stream == DOCKER_STREAM_STDOUT ? &g->out_len : &g->err_len;
    assert_true(*len + n < sizeof(g->out));
    memcpy(dst + *len, p, n);
    *len += n;
    dst[*len] = '\0';
    return 0;
}

static size_t frame(uint8_t *p, int stream, const char *payload)
{
    size_t n = strlen(payload);
    uint8_t h[8] = {(uint8_t)stream,   0,         0, 0, (uint8_t)(n >> 24), (uint8_t)(n >> 16),
                    (uint8_t)(n >> 8), (uint8_t)n};
    memcpy(p, h, 8);
    memcpy(p + 8, payload, n);
    return 8 + n;
}

static void test_demux_every_split(void **state)
{
    uint8_t s[256];
    size_t n = 0;
    (void)state;
    n += frame(s + n, 1, "hello ");
    n += frame(s + n, 2, "oops\n");
    n += frame(s + n, 1, "");
    n += frame(s + n, 1, "world\n");
    for (size_t cut1 = 0; cut1 <= n; cut1++) {
        for (size_t cut2 = cut1; cut2 <= n; cut2++) {
            struct docker_demux dm;
            struct got g = {0};
            docker_demux_init(&dm);
            assert_int_equal(docker_demux_feed(&dm, s, cut1, on_frame, &g), 0);
            assert_int_equal(docker_demux_feed(&dm, s + cut1, cut2 - cut1, on_frame, &g), 0);
            assert_int_equal(docker_demux_feed(&dm, s + cut2, n - cut2, on_frame, &g), 0);
            assert_string_equal(g.out, "hello world\n");
            assert_string_equal(g.err, "oops\n");
            assert_true(docker_demux_idle(&dm));
        }
    }
}

static void test_demux_errors(void **state)
{
    uint8_t s[64];
    struct docker_demux dm;
    struct got g = {0};
    (void)state;
    size_t n = frame(s, 4, "x");
    docker_demux_init(&dm);
    assert_int_equal(docker_demux_feed(&dm, s, n, on_frame, &g), -EPROTO);

    n = frame(s, 1, "abc");
    docker_demux_init(&dm);
    g.fail_with = -EIO;
    assert_int_equal(docker_demux_feed(&dm, s, n, on_frame, &g), -EIO);

    /* A frame that promises more than comes: not idle at the end. */
    docker_demux_init(&dm);
    g.fail_with = 0;
    assert_int_equal(docker_demux_feed(&dm, s, n - 1, on_frame, &g), 0);
    assert_false(docker_demux_idle(&dm));
    docker_demux_init(&dm);
    assert_int_equal(docker_demux_feed(&dm, s, 3, on_frame, &g), 0);
    assert_false(docker_demux_idle(&dm));
}

static int count_bytes(int stream, const void *p, size_t n, void *ud)
{
    size_t *total = ud;
    (void)p;
    assert_int_equal(stream, DOCKER_STREAM_STDERR);
    *total += n;
    return 0;
}

/* A frame may announce up to 4 GiB: the demuxer passes it on in whatever
 * pieces come and never buffers it (the caps are the caller's). */
static void test_demux_oversize(void **state)
{
    static uint8_t chunk[65536];
    const uint8_t h[8] = {2, 0, 0, 0, 0xff, 0xff, 0xff, 0xff};
    struct docker_demux dm;
    size_t total = 0;
    (void)state;
    docker_demux_init(&dm);
    assert_int_equal(docker_demux_feed(&dm, h, sizeof(h), count_bytes, &total), 0);
    for (int i = 0; i < 64; i++)
        assert_int_equal(docker_demux_feed(&dm, chunk, sizeof(chunk), count_bytes, &total), 0);
    assert_int_equal(total, 64 * sizeof(chunk));
    assert_false(docker_demux_idle(&dm));
    assert_int_equal(dm.remaining, 0xffffffffu - 64 * sizeof(chunk));

    /* Bytes of a header that look like a bad type inside a payload are
     * payload. */
    uint8_t s[16] = {2, 0, 0, 0, 0, 0, 0, 8, 9, 9, 9, 9, 0, 0, 0, 1};
    total = 0;
    docker_demux_init(&dm);
    assert_int_equal(docker_demux_feed(&dm, s, sizeof(s), count_bytes, &total), 0);
    assert_int_equal(total, 8);
    assert_true(docker_demux_idle(&dm));
}

/* ---- progress ---- */

struct lines {
    char all[2048];
    int count;
};

static void on_line(const char *line, void *ud)
{
    struct lines *l = ud;
    size_t n = strlen(l->all);
    snprintf(l->all + n, sizeof(l->all) - n, "%s|", line);
    l->count++;
}

static void feed_split(struct docker_progress *pr, const char *s, size_t cut)
{
    assert_int_equal(docker_progress_feed(pr, s, cut), 0);
    assert_int_equal(docker_progress_feed(pr, s + cut, strlen(s) - cut), 0);
    assert_int_equal(docker_progress_finish(pr), 0);
}

static void test_progress_build(void **state)
{
    const char *s = "{\"stream\":\"Step 1/2 : FROM x\\n\"}\r\n"
                    "{\"stream\":\" ---> abc\\n\\n\"}\n"
                    "{\"aux\":{\"ID\":\"sha256:feed\"}}\n"
                    "{\"stream\":\"Successfully built feed\\n\"}\n";
    (void)state;
    for (size_t cut = 0; cut <= strlen(s); cut++) {
        struct docker_progress pr;
        struct lines l = {0};
        docker_progress_init(&pr, on_line, &l);
        feed_split(&pr, s, cut);
        assert_string_equal(l.all, "Step 1/2 : FROM x| ---> abc|Successfully built feed|");
        assert_string_equal(pr.image_id, "sha256:feed");
        assert_false(pr.failed);
        docker_progress_free(&pr);
    }
}

static void test_progress_import_and_errors(void **state)
{
    struct docker_progress pr;
    struct lines l = {0};
    (void)state;
    docker_progress_init(&pr, on_line, &l);
    const char *s = "{\"status\":\"Downloading\",\"progress\":\"[=> ] 1MB/2MB\",\"id\":\"ab\"}\n"
                    "not json at all\n"
                    "{\"status\":\"sha256:0123\"}"; /* no final newline */
    assert_int_equal(docker_progress_feed(&pr, s, strlen(s)), 0);
    assert_int_equal(docker_progress_finish(&pr), 0);
    assert_string_equal(l.all, "ab: Downloading [=> ] 1MB/2MB|not json at all|sha256:0123|");
    assert_string_equal(pr.image_id, "sha256:0123");
    docker_progress_free(&pr);

    docker_progress_init(&pr, NULL, NULL);
    const char *e = "{\"errorDetail\":{\"message\":\"returned a non-zero code: 1\"},"
                    "\"error\":\"The command '/bin/sh -c false' returned a non-zero code: 1\"}\n";
    assert_int_equal(docker_progress_feed(&pr, e, strlen(e)), 0);
    assert_true(pr.failed);
    assert_non_null(strstr(pr.error, "returned a non-zero code: 1"));
    docker_progress_free(&pr);

    docker_progress_init(&pr, NULL, NULL);
    const char *e2 = "{\"errorDetail\":{\"message\":\"detail only\\u0007\"}}\n";
    assert_int_equal(docker_progress_feed(&pr, e2, strlen(e2)), 0);
    assert_true(pr.failed);
    assert_string_equal(pr.error, "detail only\\x07");
    docker_progress_free(&pr);
}

static void test_progress_line_cap(void **state)
{
    struct docker_progress pr;
    size_t n = DOCKER_LINE_CAP_BYTES + 1;
    char *big = malloc(n);
    (void)state;
    memset(big, 'a', n);
    docker_progress_init(&pr, NULL, NULL);
    assert_int_equal(docker_progress_feed(&pr, big, n), -EFBIG);
    docker_progress_free(&pr);
    free(big);
}

/* ---- replies, status, versions ---- */

static void test_error_message(void **state)
{
    char out[64];
    (void)state;
    const char *j = "{\"message\":\"No such container: x\"}\n";
    docker_error_message(j, strlen(j), out, sizeof(out));
    assert_string_equal(out, "No such container: x");
    const char *t = "page not found\r\n";
    docker_error_message(t, strlen(t), out, sizeof(out));
    assert_string_equal(out, "page not found");
    docker_error_message(NULL, 0, out, sizeof(out));
    assert_string_equal(out, "");
    docker_error_message("a\x1b[31mb", 7, out, sizeof(out));
    assert_null(strchr(out, '\x1b'));
    char big[500];
    memset(big, 'x', sizeof(big));
    docker_error_message(big, sizeof(big), out, sizeof(out));
    assert_true(strlen(out) < sizeof(out));
}

static void test_status(void **state)
{
    (void)state;
    assert_int_equal(docker_status_errno(200), 0);
    assert_int_equal(docker_status_errno(201), 0);
    assert_int_equal(docker_status_errno(204), 0);
    assert_int_equal(docker_status_errno(304), 0);
    assert_int_equal(docker_status_errno(400), -EINVAL);
    assert_int_equal(docker_status_errno(403), -EPERM);
    assert_int_equal(docker_status_errno(404), -ENOENT);
    assert_int_equal(docker_status_errno(409), -EEXIST);
    assert_int_equal(docker_status_errno(500), -EIO);
    assert_int_equal(docker_status_errno(101), -EIO);
}

static void test_versions(void **state)
{
    char v[16];
    (void)state;
    assert_true(docker_version_cmp("1.41", "1.41") == 0);
    assert_true(docker_version_cmp("1.9", "1.41") < 0);
    assert_true(docker_version_cmp("2.0", "1.41") > 0);
    assert_true(docker_version_cmp("junk", "1.0") < 0);
    assert_int_equal(docker_api_negotiate("1.41", "1.12", v, sizeof(v)), 0);
    assert_string_equal(v, "1.41");
    assert_int_equal(docker_api_negotiate("1.47", "1.24", v, sizeof(v)), 0);
    assert_string_equal(v, DOCKER_API_MAX);
    assert_int_equal(docker_api_negotiate("1.40", NULL, v, sizeof(v)), -ENOTSUP);
    assert_int_equal(docker_api_negotiate("x.y", NULL, v, sizeof(v)), -ENOTSUP);
    assert_int_equal(docker_api_negotiate(NULL, NULL, v, sizeof(v)), -ENOTSUP);
    assert_int_equal(docker_api_negotiate("1.60", "1.50", v, sizeof(v)), -ENOTSUP);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_demux_every_split),
        cmocka_unit_test(test_demux_errors),
        cmocka_unit_test(test_demux_oversize),
        cmocka_unit_test(test_progress_build),
        cmocka_unit_test(test_progress_import_and_errors),
        cmocka_unit_test(test_progress_line_cap),
        cmocka_unit_test(test_error_message),
        cmocka_unit_test(test_status),
        cmocka_unit_test(test_versions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
