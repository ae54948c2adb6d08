/* Unit tests for src/fetch/request.c: what download tools send. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "fetch/request.h"

#include <errno.h>
#include <string.h>

static int parse(const char *s, struct fetch_http *r)
{
    return fetch_http_parse(s, strlen(s), r);
}

static void test_wget(void **state)
{
    (void)state;
    const char *req = "GET /bins/bot.x86 HTTP/1.1\r\nUser-Agent: Wget/1.21\r\nAccept: */*\r\n"
                      "Host: 203.0.113.7\r\nConnection: Keep-Alive\r\n\r\nrest";
    struct fetch_http r;
    char url[256];
    assert_int_equal(parse(req, &r), 0);
    assert_string_equal(r.method, "GET");
    assert_string_equal(r.target, "/bins/bot.x86");
    assert_string_equal(r.host, "203.0.113.7");
    assert_string_equal(r.user_agent, "Wget/1.21");
    assert_int_equal(r.version, 11);
    assert_int_equal(r.head_len, strlen(req) - 4);
    assert_false(r.truncated);
    assert_string_equal(fetch_tool_of(r.user_agent), "wget");
    fetch_http_url(&r, "203.0.113.7:80", url, sizeof(url));
    assert_string_equal(url, "http://203.0.113.7/bins/bot.x86");
}

static void test_busybox_no_host(void **state)
{
    (void)state;
    struct fetch_http r;
    char url[256];
    assert_int_equal(parse("GET /a.sh HTTP/1.0\nUser-Agent: Wget\n\n", &r), 0);
    assert_int_equal(r.version, 10);
    assert_string_equal(fetch_tool_of(r.user_agent), "busybox-wget");
    fetch_http_url(&r, "203.0.113.9:8080", url, sizeof(url));
    assert_string_equal(url, "http://203.0.113.9:8080/a.sh");
}

static void test_absolute_and_post(void **state)
{
    (void)state;
    struct fetch_http r;
    char url[256];
    assert_int_equal(parse("POST http://example.test/x?y=1 HTTP/1.1\r\nHost: "
                           "other\r\nContent-Length: 3\r\n\r\nabc",
                           &r),
                     0);
    assert_string_equal(r.method, "POST");
    fetch_http_url(&r, "ignored", url, sizeof(url));
    assert_string_equal(url, "http://example.test/x?y=1");
}

static void test_incomplete_and_caps(void **state)
{
    (void)state;
    struct fetch_http r;
    assert_int_equal(parse("GET / HTTP/1.1\r\nHost: a\r\n", &r), -EAGAIN);
    assert_int_equal(parse("", &r), -EAGAIN);
    char big[FETCH_HTTP_HEAD_MAX + 64];
    memset(big, 'a', sizeof(big));
    memcpy(big, "GET / HTTP/1.1\r\nX: ", 19);
    assert_int_equal(fetch_http_parse(big, sizeof(big), &r), -E2BIG);
    /* A long User-Agent is cut, not refused. */
    char ua[1200] = "GET / HTTP/1.1\r\nUser-Agent: ";
    size_t n = strlen(ua);
    memset(ua + n, 'u', 1000);
    memcpy(ua + n + 1000, "\r\n\r\n", 5);
    assert_int_equal(parse(ua, &r), 0);
    assert_true(r.truncated);
    assert_int_equal(strlen(r.user_agent), sizeof(r.user_agent) - 1);
}

static void test_not_http(void **state)
{
    (void)state;
    struct fetch_http r;
    static const char tls[] = "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03";
    assert_int_equal(fetch_http_parse(tls, sizeof(tls) - 1, &r), -EPROTO);
    assert_int_equal(parse("GET / HTTP/2.0\r\n\r\n", &r), -EPROTO);
    assert_int_equal(parse("HELLO\r\n\r\n", &r), -EPROTO);
}

static void test_tools(void **state)
{
    (void)state;
    assert_string_equal(fetch_tool_of("curl/7.74.0"), "curl");
    assert_string_equal(fetch_tool_of("Python-urllib/3.9"), "python");
    assert_string_equal(fetch_tool_of("python-requests/2.25"), "python");
    assert_string_equal(fetch_tool_of("libwww-perl/6.52"), "perl");
    assert_string_equal(fetch_tool_of("Go-http-client/1.1"), "go");
    assert_string_equal(fetch_tool_of("Mozilla/5.0 (X11)"), "browser");
    assert_string_equal(fetch_tool_of(""), "none");
    assert_string_equal(fetch_tool_of("zgrab/0.x"), "other");
}

static void test_tftp(void **state)
{
    (void)state;
    struct fetch_tftp t;
    static const uint8_t rrq[] = "\x00\x01"
                                 "mips\0OCTET\0blksize\0"
                                 "1428";
    assert_int_equal(fetch_tftp_parse(rrq, sizeof(rrq), &t), 0);
    assert_int_equal(t.opcode, 1);
    assert_string_equal(t.file, "mips");
    assert_string_equal(t.mode, "octet");
    static const uint8_t data[] = "\x00\x03\x00\x01xx";
    assert_int_equal(fetch_tftp_parse(data, sizeof(data), &t), -EPROTO);
    static const uint8_t no_mode[] = {0, 1, 'a', 0};
    assert_int_equal(fetch_tftp_parse(no_mode, sizeof(no_mode), &t), -EPROTO);
    static const uint8_t unterminated[] = {0, 2, 'a', 'b'};
    assert_int_equal(fetch_tftp_parse(unterminated, sizeof(unterminated), &t), -EPROTO);
}

static void test_ftp(void **state)
{
    (void)state;
    struct fetch_ftp_cmd c;
    const char *in = "retr bot.arm7\r\nQUIT\r\n";
    assert_int_equal(fetch_ftp_parse(in, strlen(in), &c), 0);
    assert_string_equal(c.verb, "RETR");
    assert_string_equal(c.arg, "bot.arm7");
    assert_int_equal(c.line_len, 15);
    assert_int_equal(fetch_ftp_parse(in + 15, strlen(in + 15), &c), 0);
    assert_string_equal(c.verb, "QUIT");
    assert_string_equal(c.arg, "");
    assert_int_equal(fetch_ftp_parse("USER anon", 9, &c), -EAGAIN);
    assert_int_equal(fetch_ftp_parse("R1 x\r\n", 6, &c), -EPROTO);
    assert_int_equal(fetch_ftp_parse("RETRX y\r\n", 9, &c), -EPROTO);
    char big[700];
    memset(big, 'a', sizeof(big));
    assert_int_equal(fetch_ftp_parse(big, sizeof(big), &c), -E2BIG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wget),
        cmocka_unit_test(test_busybox_no_host),
        cmocka_unit_test(test_absolute_and_post),
        cmocka_unit_test(test_incomplete_and_caps),
        cmocka_unit_test(test_not_http),
        cmocka_unit_test(test_tools),
        cmocka_unit_test(test_tftp),
        cmocka_unit_test(test_ftp),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
