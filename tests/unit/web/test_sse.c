/* sse: an event framed as Server-Sent Events (one data line, whatever its
 * strings hold), the cursor of Last-Event-ID, follow and Accept read, and
 * the capped buffer's put and take. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "web/sse.h"

static void test_frame(void **state)
{
    char *f = NULL;
    size_t len = 0;
    (void)state;
    assert_int_equal(
        web_sse_frame(42, "{\"type\":\"login.failed\", \"ts\":\"2026-12-01T10:00:00Z\"}", &f, &len),
        0);
    assert_string_equal(f,
                        "id: 42\ndata: {\"type\":\"login.failed\",\"ts\":\"2026-12-01T10:00:00Z\"}"
                        "\n\n");
    assert_int_equal(len, strlen(f));
    free(f);
    /* line breaks in a field (an attacker's input) stay escaped: one data line */
    assert_int_equal(web_sse_frame(7, "{\"input\":\"a\\nid: 99\\r\\n\\ndata: x\"}", &f, &len), 0);
    assert_string_equal(f, "id: 7\ndata: {\"input\":\"a\\nid: 99\\r\\n\\ndata: x\"}\n\n");
    assert_null(memchr(f, '\r', len));
    assert_ptr_equal(strstr(f, "\n\n"), f + len - 2);
    free(f);
    /* pretty-printed JSON comes out on one line */
    assert_int_equal(web_sse_frame(1, "{\n  \"a\": 1\n}", &f, &len), 0);
    assert_string_equal(f, "id: 1\ndata: {\"a\":1}\n\n");
    free(f);
    assert_int_equal(web_sse_frame(1, "[1]", &f, &len), -EINVAL);
    assert_int_equal(web_sse_frame(1, "not json", &f, &len), -EINVAL);
    assert_int_equal(web_sse_frame(1, "", &f, &len), -EINVAL);
    assert_int_equal(web_sse_frame(1, NULL, &f, &len), -EINVAL);
}

static void test_cursor(void **state)
{
    long long v = -1;
    (void)state;
    assert_int_equal(web_sse_cursor_parse("0", &v), 0);
    assert_int_equal(v, 0);
    assert_int_equal(web_sse_cursor_parse("12345", &v), 0);
    assert_int_equal(v, 12345);
    assert_int_equal(web_sse_cursor_parse("9223372036854775807", &v), 0);
    assert_true(v == 9223372036854775807LL);
    static const char *const bad[] = {
        "",
        "-1",
        "+1",
        " 1",
        "1 ",
        "0x10",
        "1e3",
        "9223372036854775808",
        "99999999999999999999",
        "12a",
        "1.5",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(web_sse_cursor_parse(bad[i], &v), -EINVAL);
    assert_int_equal(web_sse_cursor_parse(NULL, &v), -EINVAL);
}

static void test_follow_accept(void **state)
{
    (void)state;
    assert_int_equal(web_sse_follow_parse(NULL), 0);
    assert_int_equal(web_sse_follow_parse("0"), 0);
    assert_int_equal(web_sse_follow_parse("false"), 0);
    assert_int_equal(web_sse_follow_parse("1"), 1);
    assert_int_equal(web_sse_follow_parse("true"), 1);
    assert_int_equal(web_sse_follow_parse("yes"), -EINVAL);
    assert_int_equal(web_sse_follow_parse(""), -EINVAL);

    assert_true(web_sse_accepts(NULL));
    assert_true(web_sse_accepts("text/event-stream"));
    assert_true(web_sse_accepts("Text/Event-Stream"));
    assert_true(web_sse_accepts("application/json, text/event-stream;q=0.5"));
    assert_true(web_sse_accepts("*/*"));
    assert_true(web_sse_accepts("text/*"));
    assert_true(web_sse_accepts(" text/event-stream ; charset=utf-8"));
    assert_false(web_sse_accepts("application/json"));
    assert_false(web_sse_accepts("text/event-stream;q=0"));
    assert_false(web_sse_accepts("text/event-stream; q=0.000"));
    assert_true(web_sse_accepts("text/event-stream; q=0.1"));
    assert_false(web_sse_accepts("text/event-streamx"));
    assert_false(web_sse_accepts(""));
    assert_false(web_sse_accepts(",,;"));
}

static void test_buf(void **state)
{
    struct web_sse_buf b;
    char out[64];
    (void)state;
    web_sse_buf_init(&b, 10);
    assert_int_equal(web_sse_buf_waiting(&b), 0);
    assert_int_equal(web_sse_buf_take(&b, out, sizeof(out)), 0);
    assert_int_equal(web_sse_buf_put(&b, "abcdef", 6), 0);
    assert_int_equal(web_sse_buf_put(&b, "ghijk", 5), -ENOBUFS); /* 11 > 10: nothing put */
    assert_int_equal(web_sse_buf_waiting(&b), 6);
    assert_int_equal(web_sse_buf_take(&b, out, 4), 4);
    assert_memory_equal(out, "abcd", 4);
    assert_int_equal(web_sse_buf_put(&b, "ghijklmn", 8), 0); /* 2 + 8: the cap exactly */
    assert_int_equal(web_sse_buf_put(&b, "o", 1), -ENOBUFS);
    assert_int_equal(web_sse_buf_take(&b, out, sizeof(out)), 10);
    assert_memory_equal(out, "efghijklmn", 10);
    assert_int_equal(web_sse_buf_waiting(&b), 0);
    assert_int_equal(web_sse_buf_put(&b, "0123456789x", 11), -ENOBUFS);
    web_sse_buf_free(&b);

    /* a large buffer grows as bytes come */
    web_sse_buf_init(&b, WEB_SSE_BUF_CAP);
    static char chunk[1000];
    memset(chunk, 'x', sizeof(chunk));
    size_t put = 0;
    while (web_sse_buf_put(&b, chunk, sizeof(chunk)) == 0)
        put += sizeof(chunk);
    assert_int_equal(put, (WEB_SSE_BUF_CAP / 1000) * 1000);
    assert_int_equal(web_sse_buf_waiting(&b), put);
    web_sse_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_frame),
        cmocka_unit_test(test_cursor),
        cmocka_unit_test(test_follow_accept),
        cmocka_unit_test(test_buf),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
