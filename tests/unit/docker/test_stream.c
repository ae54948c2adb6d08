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

struct calls {
    int n;            /* callback calls */
    int zero_len;     /* of which with n == 0 */
    size_t bytes[4];  /* payload per stream */
    int fail_at_call; /* 1-based; 0: never */
};

static int count_calls(int stream, const void *p, size_t n, void *ud)
{
    struct calls *c = ud;
    (void)p;
    assert_true(stream >= DOCKER_STREAM_STDIN && stream <= DOCKER_STREAM_SYSERR);
    c->n++;
    if (n == 0)
        c->zero_len++;
    if (c->fail_at_call && c->n == c->fail_at_call)
        return -ENOSPC;
    c->bytes[stream] += n;
    return 0;
}

/* One byte at a time: the same payload as in one piece, and no empty pieces,
 * whatever the frame (stdin, stdout, stderr, the engine's own errors, empty). */
static void test_demux_byte_at_a_time(void **state)
{
    uint8_t s[256];
    size_t n = 0;
    (void)state;
    n += frame(s + n, DOCKER_STREAM_STDIN, "in");
    n += frame(s + n, DOCKER_STREAM_STDOUT, "");
    n += frame(s + n, DOCKER_STREAM_STDOUT, "out put");
    n += frame(s + n, DOCKER_STREAM_STDERR, "");
    n += frame(s + n, DOCKER_STREAM_SYSERR, "engine error");
    n += frame(s + n, DOCKER_STREAM_STDERR, "e");

    struct docker_demux whole, bytes;
    struct calls a = {0}, b = {0};
    docker_demux_init(&whole);
    assert_int_equal(docker_demux_feed(&whole, s, n, count_calls, &a), 0);
    assert_true(docker_demux_idle(&whole));
    docker_demux_init(&bytes);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(docker_demux_feed(&bytes, s + i, 1, count_calls, &b), 0);
        /* Idle exactly at the frame boundaries. */
        size_t boundaries[] = {10, 18, 33, 41, 61, 70};
        bool at_boundary = false;
        for (size_t k = 0; k < sizeof(boundaries) / sizeof(boundaries[0]); k++)
            at_boundary |= i + 1 == boundaries[k];
        assert_int_equal(docker_demux_idle(&bytes), at_boundary);
    }
    assert_int_equal(n, 70);
    assert_memory_equal(a.bytes, b.bytes, sizeof(a.bytes));
    assert_int_equal(a.bytes[DOCKER_STREAM_STDIN], 2);
    assert_int_equal(a.bytes[DOCKER_STREAM_STDOUT], 7);
    assert_int_equal(a.bytes[DOCKER_STREAM_STDERR], 1);
    assert_int_equal(a.bytes[DOCKER_STREAM_SYSERR], 12);
    /* Empty frames and empty feeds never reach the callback. */
    assert_int_equal(a.zero_len, 0);
    assert_int_equal(b.zero_len, 0);
    assert_int_equal(a.n, 4);
    assert_int_equal(docker_demux_feed(&bytes, s, 0, count_calls, &b), 0);
    assert_int_equal(b.zero_len, 0);
    assert_true(docker_demux_idle(&bytes));
}

/* A bad type after good frames: what came before is delivered, then -EPROTO,
 * however the bad header is split. A failing callback stops the feed at once. */
static void test_demux_bad_type_and_cb_error(void **state)
{
    uint8_t s[128];
    (void)state;
    for (int type = 4; type <= 255; type += 251) {
        size_t n = frame(s, DOCKER_STREAM_STDOUT, "ok");
        size_t good = n;
        n += frame(s + n, type, "never");
        for (size_t cut = 0; cut <= n; cut++) {
            struct docker_demux dm;
            struct calls c = {0};
            docker_demux_init(&dm);
            int r1 = docker_demux_feed(&dm, s, cut, count_calls, &c);
            int r2 = r1 < 0 ? r1 : docker_demux_feed(&dm, s + cut, n - cut, count_calls, &c);
            if (cut >= good + 8)
                assert_int_equal(r1, -EPROTO);
            else
                assert_int_equal(r1, 0);
            assert_int_equal(r2, -EPROTO);
            assert_int_equal(c.bytes[DOCKER_STREAM_STDOUT], 2);
        }
    }

    /* The callback fails on its second call: the third frame is not seen. */
    size_t n = frame(s, DOCKER_STREAM_STDOUT, "a");
    n += frame(s + n, DOCKER_STREAM_STDERR, "bb");
    n += frame(s + n, DOCKER_STREAM_STDOUT, "ccc");
    struct docker_demux dm;
    struct calls c = {.fail_at_call = 2};
    docker_demux_init(&dm);
    assert_int_equal(docker_demux_feed(&dm, s, n, count_calls, &c), -ENOSPC);
    assert_int_equal(c.n, 2);
    assert_int_equal(c.bytes[DOCKER_STREAM_STDOUT], 1);
    assert_int_equal(c.bytes[DOCKER_STREAM_STDERR], 0);
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

/* "stream" text: one callback per line, blank lines and trailing CR/blanks
 * dropped, a CR inside a line (a progress bar redrawn) escaped. */
static void test_progress_stream_text(void **state)
{
    const char *s = "{\"stream\":\"line one\\r\\nline two\\rstill two\\n\\n   \\r\\n\"}\n"
                    "\n\r\n"
                    "{\"stream\":\"tab\\there \\u001b[1mbold\\n\"}\n"
                    "{\"stream\":\"no newline\"}";
    (void)state;
    for (size_t cut = 0; cut <= strlen(s); cut++) {
        struct docker_progress pr;
        struct lines l = {0};
        docker_progress_init(&pr, on_line, &l);
        feed_split(&pr, s, cut);
        assert_string_equal(l.all, "line one|line two\\x0dstill two|"
                                   "tab\\x09here \\x1b[1mbold|no newline|");
        assert_int_equal(l.count, 4);
        assert_string_equal(pr.image_id, "");
        assert_false(pr.failed);
        docker_progress_free(&pr);
    }
}

/* "status" lines, with and without "id" and "progress". */
static void test_progress_status(void **state)
{
    const char *s = "{\"status\":\"Pulling fs layer\",\"id\":\"a1\"}\n"
                    "{\"status\":\"Downloading\",\"progress\":\"[==>  ] 3MB/9MB\"}\n"
                    "{\"status\":\"Extracting\",\"progressDetail\":{\"current\":1},"
                    "\"progress\":\"[=====] 9MB/9MB\",\"id\":\"a1\"}\n"
                    "{\"status\":\"Digest: sha256:abcd\"}\n";
    struct docker_progress pr;
    struct lines l = {0};
    (void)state;
    docker_progress_init(&pr, on_line, &l);
    assert_int_equal(docker_progress_feed(&pr, s, strlen(s)), 0);
    assert_int_equal(docker_progress_finish(&pr), 0);
    assert_string_equal(l.all, "a1: Pulling fs layer|Downloading [==>  ] 3MB/9MB|"
                               "a1: Extracting [=====] 9MB/9MB|Digest: sha256:abcd|");
    /* Only a status that is an id names the image. */
    assert_string_equal(pr.image_id, "");
    docker_progress_free(&pr);
}

static void expect_error(const char *line, const char *want)
{
    struct docker_progress pr;
    struct lines l = {0};
    docker_progress_init(&pr, on_line, &l);
    assert_int_equal(docker_progress_feed(&pr, line, strlen(line)), 0);
    assert_int_equal(docker_progress_finish(&pr), 0);
    assert_true(pr.failed);
    assert_string_equal(pr.error, want);
    assert_int_equal(l.count, 0); /* an error line is not progress */
    docker_progress_free(&pr);
}

static void test_progress_errors(void **state)
{
    (void)state;
    expect_error("{\"error\":\"boom\"}\n", "boom");
    expect_error("{\"error\":\"\",\"errorDetail\":{\"message\":\"from detail\"}}", "from detail");
    expect_error("{\"errorDetail\":{\"code\":2}}\n",
                 "the engine reported an error without a message");
    expect_error("{\"error\":\"multi\\nline\"}\n", "multi\\x0aline");

    /* The error is kept when progress follows it; a later aux ID still counts
     * (the caller checks failed first). */
    struct docker_progress pr;
    struct lines l = {0};
    const char *s = "{\"stream\":\"Step 1/2\\n\"}\n{\"error\":\"first\"}\n"
                    "{\"stream\":\"after\\n\"}\n";
    docker_progress_init(&pr, on_line, &l);
    assert_int_equal(docker_progress_feed(&pr, s, strlen(s)), 0);
    assert_true(pr.failed);
    assert_string_equal(pr.error, "first");
    assert_string_equal(l.all, "Step 1/2|after|");
    docker_progress_free(&pr);

    /* A long message is truncated inside the buffer. */
    char big[4096];
    int n = snprintf(big, sizeof(big), "{\"error\":\"");
    memset(big + n, 'e', 3000);
    snprintf(big + n + 3000, sizeof(big) - (size_t)n - 3000, "\"}\n");
    docker_progress_init(&pr, NULL, NULL);
    assert_int_equal(docker_progress_feed(&pr, big, strlen(big)), 0);
    assert_true(pr.failed);
    assert_true(strlen(pr.error) < sizeof(pr.error));
    assert_non_null(strstr(pr.error, "..."));
    docker_progress_free(&pr);
}

static void test_progress_image_id(void **state)
{
    struct docker_progress pr;
    char line[512];
    (void)state;

    /* Build: the last aux.ID wins; an aux without an ID, or with one too long
     * for the buffer, changes nothing. */
    const char *b = "{\"aux\":{\"ID\":\"sha256:1111\"}}\n"
                    "{\"aux\":{\"ID\":\"sha256:2222\"}}\n"
                    "{\"aux\":{\"Other\":\"x\"}}\n"
                    "{\"aux\":{\"ID\":7}}\n";
    docker_progress_init(&pr, NULL, NULL);
    assert_int_equal(docker_progress_feed(&pr, b, strlen(b)), 0);
    assert_string_equal(pr.image_id, "sha256:2222");
    int n = snprintf(line, sizeof(line), "{\"aux\":{\"ID\":\"sha256:");
    memset(line + n, 'f', 200);
    snprintf(line + n + 200, sizeof(line) - (size_t)n - 200, "\"}}\n");
    assert_int_equal(docker_progress_feed(&pr, line, strlen(line)), 0);
    assert_string_equal(pr.image_id, "sha256:2222");
    docker_progress_free(&pr);

    /* Import: a status that is an id; one too long is ignored. */
    docker_progress_init(&pr, NULL, NULL);
    n = snprintf(line, sizeof(line), "{\"status\":\"sha256:");
    memset(line + n, 'a', 200);
    snprintf(line + n + 200, sizeof(line) - (size_t)n - 200, "\"}\n");
    assert_int_equal(docker_progress_feed(&pr, line, strlen(line)), 0);
    assert_string_equal(pr.image_id, "");
    const char *i = "{\"status\":\"sha256:9f86d081884c7d659a2feaa0c55ad015\"}";
    assert_int_equal(docker_progress_feed(&pr, i, strlen(i)), 0);
    assert_string_equal(pr.image_id, ""); /* not a line yet */
    assert_int_equal(docker_progress_finish(&pr), 0);
    assert_string_equal(pr.image_id, "sha256:9f86d081884c7d659a2feaa0c55ad015");
    docker_progress_free(&pr);
}

/* Lines that are not a JSON object are reported as they are (escaped). */
static void test_progress_raw(void **state)
{
    const char *s = "plain text\n[1,2]\n\"a string\"\n{\"a\":1,\"a\":2}\nctl\x01\x7f end\n"
                    "{\"unknown\":true}\n{broken";
    struct docker_progress pr;
    struct lines l = {0};
    (void)state;
    docker_progress_init(&pr, on_line, &l);
    assert_int_equal(docker_progress_feed(&pr, s, strlen(s)), 0);
    assert_int_equal(docker_progress_finish(&pr), 0);
    /* A known object without stream/status says nothing. */
    assert_string_equal(l.all, "plain text|[1,2]|\"a string\"|{\"a\":1,\"a\":2}|"
                               "ctl\\x01\\x7f end|{broken|");
    assert_false(pr.failed);
    /* finish with nothing pending, and twice, reports nothing more. */
    assert_int_equal(docker_progress_finish(&pr), 0);
    assert_int_equal(l.count, 6);
    docker_progress_free(&pr);
}

/* The cap is on one line, whatever the chunking: a line of exactly the cap
 * passes, one byte more fails, and lines before it do not count. */
static void test_progress_line_cap_boundary(void **state)
{
    size_t cap = DOCKER_LINE_CAP_BYTES;
    char *big = malloc(cap + 2);
    struct docker_progress pr;
    struct lines l = {0};
    (void)state;
    assert_non_null(big);
    memset(big, 'a', cap + 1);
    big[cap + 1] = '\n';

    docker_progress_init(&pr, on_line, &l);
    for (int i = 0; i < 3; i++) { /* several lines of the cap in a row */
        assert_int_equal(docker_progress_feed(&pr, big, cap / 2), 0);
        assert_int_equal(docker_progress_feed(&pr, big, cap - cap / 2), 0);
        assert_int_equal(docker_progress_feed(&pr, "\n", 1), 0);
    }
    assert_int_equal(l.count, 3);
    assert_true(strlen(l.all) < sizeof(l.all));
    /* One over, split across chunks. */
    assert_int_equal(docker_progress_feed(&pr, big, cap), 0);
    assert_int_equal(docker_progress_feed(&pr, "a", 1), -EFBIG);
    docker_progress_free(&pr);

    /* One over, in one chunk with its newline. */
    docker_progress_init(&pr, NULL, NULL);
    assert_int_equal(docker_progress_feed(&pr, big, cap + 2), -EFBIG);
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

static void test_error_message_exact(void **state)
{
    char out[64], small[16];
    (void)state;
    /* Control bytes and backslashes in the daemon's message or the body are
     * escaped. */
    const char *j = "{\"message\":\"bad\\u001b[2Jname\\nhere\\\\\"}";
    docker_error_message(j, strlen(j), out, sizeof(out));
    assert_string_equal(out, "bad\\x1b[2Jname\\x0ahere\\x5c");
    const char *esc = "a\x1b[31mb\n\r\n";
    docker_error_message(esc, strlen(esc), out, sizeof(out));
    assert_string_equal(out, "a\\x1b[31mb");
    docker_error_message("in\0side", 7, out, sizeof(out));
    assert_string_equal(out, "in\\x00side");

    /* JSON without a string message: the body as text. */
    const char *nm = "{\"message\":5}";
    docker_error_message(nm, strlen(nm), out, sizeof(out));
    assert_string_equal(out, nm);
    docker_error_message("{}", 2, out, sizeof(out));
    assert_string_equal(out, "{}");
    docker_error_message("[\"message\"]", 11, out, sizeof(out));
    assert_string_equal(out, "[\"message\"]");
    /* An empty message stays empty (the caller says "no message"). */
    docker_error_message("{\"message\":\"\"}", 14, out, sizeof(out));
    assert_string_equal(out, "");

    /* Empty bodies. */
    snprintf(out, sizeof(out), "stale");
    docker_error_message("", 0, out, sizeof(out));
    assert_string_equal(out, "");
    docker_error_message("\r\n", 2, out, sizeof(out));
    assert_string_equal(out, "");

    /* Truncation: marked, and always terminated inside the buffer. */
    char big[500];
    memset(big, 'x', sizeof(big));
    docker_error_message(big, sizeof(big), small, sizeof(small));
    assert_string_equal(small, "xxxxxxxxxxxx...");
    const char *jl = "{\"message\":\"0123456789abcdefghijklmnop\"}";
    docker_error_message(jl, strlen(jl), small, sizeof(small));
    assert_string_equal(small, "0123456789ab...");
    char one[1] = {'z'};
    docker_error_message(big, sizeof(big), one, sizeof(one));
    assert_int_equal(one[0], '\0');
    /* outlen 0: nothing is written. */
    one[0] = 'z';
    docker_error_message("text", 4, one, 0);
    assert_int_equal(one[0], 'z');
}

static void test_status_more(void **state)
{
    (void)state;
    assert_int_equal(docker_status_errno(202), 0);
    assert_int_equal(docker_status_errno(299), 0);
    assert_int_equal(docker_status_errno(0), -EIO);
    assert_int_equal(docker_status_errno(100), -EIO);
    assert_int_equal(docker_status_errno(300), -EIO);
    assert_int_equal(docker_status_errno(301), -EIO);
    assert_int_equal(docker_status_errno(305), -EIO);
    assert_int_equal(docker_status_errno(401), -EIO);
    assert_int_equal(docker_status_errno(405), -EIO);
    assert_int_equal(docker_status_errno(502), -EIO);
    assert_int_equal(docker_status_errno(503), -EIO);
    assert_int_equal(docker_status_errno(-1), -EIO);
}

static void test_versions_more(void **state)
{
    char v[16];
    (void)state;
    /* Numeric, not lexical. */
    assert_true(docker_version_cmp("1.41", "1.5") > 0);
    assert_true(docker_version_cmp("1.5", "1.41") < 0);
    assert_true(docker_version_cmp("10.0", "9.99") > 0);
    assert_true(docker_version_cmp("1.041", "1.41") == 0);
    /* Unparsable sorts lowest, and equal to any other unparsable. */
    const char *bad[] = {NULL,    "",      "1",   "1.",    ".41",  "1.41.0", "v1.41",
                         " 1.41", "1.41 ", "1.x", "-1.41", "1.-1", "1..41"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_true(docker_version_cmp(bad[i], "0.0") < 0);
        assert_true(docker_version_cmp("0.0", bad[i]) > 0);
        assert_int_equal(docker_version_cmp(bad[i], "junk"), 0);
        assert_int_equal(docker_api_negotiate(bad[i], NULL, v, sizeof(v)), -ENOTSUP);
    }

    /* The bounds themselves. */
    assert_int_equal(docker_api_negotiate(DOCKER_API_MIN, NULL, v, sizeof(v)), 0);
    assert_string_equal(v, DOCKER_API_MIN);
    assert_int_equal(docker_api_negotiate(DOCKER_API_MAX, NULL, v, sizeof(v)), 0);
    assert_string_equal(v, DOCKER_API_MAX);
    assert_int_equal(docker_api_negotiate("1.43", "1.43", v, sizeof(v)), 0);
    assert_string_equal(v, "1.43");
    assert_int_equal(docker_api_negotiate("2.0", DOCKER_API_MAX, v, sizeof(v)), 0);
    assert_string_equal(v, DOCKER_API_MAX);
    assert_int_equal(docker_api_negotiate("2.0", "1.46", v, sizeof(v)), -ENOTSUP);
    assert_int_equal(docker_api_negotiate("1.47", "2.0", v, sizeof(v)), -ENOTSUP);
    /* An unreadable minimum is no objection. */
    assert_int_equal(docker_api_negotiate("1.44", "garbage", v, sizeof(v)), 0);
    assert_string_equal(v, "1.44");
    /* Too small an output buffer. */
    assert_int_equal(docker_api_negotiate("1.41", NULL, v, 4), -ENOBUFS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_demux_every_split),
        cmocka_unit_test(test_demux_errors),
        cmocka_unit_test(test_demux_oversize),
        cmocka_unit_test(test_demux_byte_at_a_time),
        cmocka_unit_test(test_demux_bad_type_and_cb_error),
        cmocka_unit_test(test_progress_build),
        cmocka_unit_test(test_progress_import_and_errors),
        cmocka_unit_test(test_progress_line_cap),
        cmocka_unit_test(test_progress_stream_text),
        cmocka_unit_test(test_progress_status),
        cmocka_unit_test(test_progress_errors),
        cmocka_unit_test(test_progress_image_id),
        cmocka_unit_test(test_progress_raw),
        cmocka_unit_test(test_progress_line_cap_boundary),
        cmocka_unit_test(test_error_message),
        cmocka_unit_test(test_status),
        cmocka_unit_test(test_versions),
        cmocka_unit_test(test_error_message_exact),
        cmocka_unit_test(test_status_more),
        cmocka_unit_test(test_versions_more),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
