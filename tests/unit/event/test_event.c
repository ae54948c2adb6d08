#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <ctype.h>
#include <errno.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "event/event.h"

#define FFFD "\xef\xbf\xbd"

/* The groups DESIGN.md names; every type must be in one of them. */
static const char *const groups[] = {"sensor", "session",   "login",   "command", "file",
                                     "tty",    "tcpip",     "lan",     "proc",    "capture",
                                     "port",   "intercept", "contain", "dns"};

static bool group_known(const char *name)
{
    const char *dot = strchr(name, '.');
    for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++)
        if (dot && strlen(groups[i]) == (size_t)(dot - name) &&
            strncmp(groups[i], name, (size_t)(dot - name)) == 0)
            return true;
    return false;
}

static void test_type_list(void **state)
{
    (void)state;
    assert_true(EVENT_TYPE_COUNT > 30);
    for (int t = 0; t < EVENT_TYPE_COUNT; t++) {
        const char *name = event_type_name((enum event_type)t);
        const char *desc = event_type_description((enum event_type)t);
        assert_non_null(name);
        assert_non_null(desc);
        assert_true(strlen(desc) > 10);
        /* Dotted, lower case, one dot, in a known group. */
        const char *dot = strchr(name, '.');
        assert_non_null(dot);
        assert_null(strchr(dot + 1, '.'));
        assert_true(dot > name && dot[1] != '\0');
        for (const char *c = name; *c; c++)
            assert_true(*c == '.' || *c == '_' || (islower((unsigned char)*c)));
        assert_true(group_known(name));
        for (int u = t + 1; u < EVENT_TYPE_COUNT; u++)
            assert_string_not_equal(name, event_type_name((enum event_type)u));
        enum event_type back = EVENT_TYPE_COUNT;
        assert_int_equal(event_type_from_name(name, &back), 0);
        assert_int_equal(back, t);
    }
    assert_null(event_type_name(EVENT_TYPE_COUNT));
    assert_null(event_type_description((enum event_type) - 1));
}

static void test_type_names_from_issue(void **state)
{
    (void)state;
    static const char *const must[] = {
        "sensor.start",        "sensor.stop",       "session.connect", "session.closed",
        "login.success",       "login.failed",      "login.publickey", "command.input",
        "file.upload",         "file.download",     "file.changed",    "tty.log",
        "tcpip.forward",       "lan.arp",           "lan.icmp",        "lan.flow",
        "lan.decoy_started",   "lan.decoy_stopped", "proc.exec",       "capture.pcap",
        "port.probe",          "port.opened",       "port.payload",    "port.closed",
        "intercept.triggered", "intercept.cloned",  "contain.cap_hit", "contain.limit",
        "contain.blocked",     "contain.cleanup",
    };
    for (size_t i = 0; i < sizeof(must) / sizeof(must[0]); i++) {
        enum event_type t;
        assert_int_equal(event_type_from_name(must[i], &t), 0);
    }
    assert_string_equal(event_type_name(EVENT_SENSOR_START), "sensor.start");
    assert_string_equal(event_type_name(EVENT_LOGIN_FAILED), "login.failed");
}

static void test_type_from_name_unknown(void **state)
{
    (void)state;
    enum event_type t = EVENT_TTY_LOG;
    assert_int_equal(event_type_from_name("login", &t), -EINVAL);
    assert_int_equal(event_type_from_name("login.nope", &t), -EINVAL);
    assert_int_equal(event_type_from_name("", &t), -EINVAL);
    assert_int_equal(event_type_from_name(NULL, &t), -EINVAL);
    assert_int_equal(t, EVENT_TTY_LOG); /* untouched on error */
}

static void test_type_matches(void **state)
{
    (void)state;
    assert_true(event_type_matches(EVENT_LOGIN_FAILED, "login.failed"));
    assert_true(event_type_matches(EVENT_LOGIN_FAILED, "login"));
    assert_false(event_type_matches(EVENT_LOGIN_FAILED, "log"));
    assert_false(event_type_matches(EVENT_LOGIN_FAILED, "login."));
    assert_false(event_type_matches(EVENT_LOGIN_FAILED, "login.success"));
    assert_false(event_type_matches(EVENT_LOGIN_FAILED, ""));
    assert_true(event_type_matches_any("lan"));
    assert_true(event_type_matches_any("port.payload"));
    assert_true(event_type_matches_any("sensor"));
    assert_false(event_type_matches_any("store"));
    assert_false(event_type_matches_any("lan.nope"));
    assert_false(event_type_matches_any(NULL));
}

static void test_new(void **state)
{
    (void)state;
    json_t *ev = event_new(EVENT_SESSION_CONNECT);
    assert_true(json_is_null(json_object_get(ev, "ts")));
    assert_true(json_is_null(json_object_get(ev, "sensor")));
    assert_string_equal(json_string_value(json_object_get(ev, "type")), "session.connect");
    json_decref(ev);
}

static json_t *encode_back(json_t *ev, const char *sensor, long long now, struct event_record **r)
{
    assert_int_equal(event_encode(ev, sensor, now, r), 0);
    assert_int_equal((*r)->line[(*r)->len], '\n');
    assert_int_equal((*r)->line[(*r)->len + 1], '\0');
    assert_null(memchr((*r)->line, '\n', (*r)->len)); /* one line */
    json_error_t jerr;
    json_t *back = json_loadb((*r)->line, (*r)->len, 0, &jerr);
    assert_non_null(back);
    return back;
}

static void test_encode_fields(void **state)
{
    (void)state;
    json_t *ev = event_new(EVENT_LOGIN_FAILED);
    json_object_set_new(ev, "session", json_string("s-42"));
    json_object_set_new(ev, "honeynet", json_integer(7));
    json_object_set_new(ev, "src_ip", json_string("192.0.2.5"));
    json_object_set_new(ev, "src_port", json_integer(51234));
    json_object_set_new(ev, "username", json_string("root"));
    struct event_record *r;
    long long now = 1795999323123456LL;
    json_t *back = encode_back(ev, "sensor-1", now, &r);

    /* ts, type, sensor come first, in that order. */
    assert_memory_equal(r->line, "{\"ts\":\"", 7);
    assert_non_null(strstr(r->line, "\",\"type\":\"login.failed\",\"sensor\":\"sensor-1\","));
    char ts[UTIL_RFC3339_LEN];
    util_rfc3339(now, ts);
    assert_string_equal(json_string_value(json_object_get(back, "ts")), ts);
    assert_string_equal(r->ts, ts);
    assert_true(r->ts_us == now);
    assert_int_equal(r->type, EVENT_LOGIN_FAILED);
    assert_string_equal(r->type_name, "login.failed");
    assert_string_equal(r->sensor, "sensor-1");
    assert_string_equal(r->session, "s-42");
    assert_string_equal(r->honeynet, "7");
    assert_string_equal(r->src_ip, "192.0.2.5");
    assert_int_equal(json_integer_value(json_object_get(back, "src_port")), 51234);
    assert_string_equal(json_string_value(json_object_get(back, "username")), "root");
    json_decref(back);
    json_decref(ev);
    event_record_free(r);
}

static void test_encode_optional_columns(void **state)
{
    (void)state;
    json_t *ev = event_new(EVENT_SENSOR_START);
    json_object_set_new(ev, "session", json_array()); /* neither string nor integer */
    struct event_record *r;
    json_t *back = encode_back(ev, "s", 1, &r);
    assert_null(r->session);
    assert_null(r->honeynet);
    assert_null(r->src_ip);
    json_decref(back);
    json_decref(ev);
    event_record_free(r);
}

static void test_encode_ts(void **state)
{
    (void)state;
    struct event_record *r;
    json_t *ev = event_new(EVENT_SENSOR_START);
    /* A given RFC 3339 time is kept, in the canonical form. */
    json_object_set_new(ev, "ts", json_string("2026-11-24T11:00:00+01:00"));
    json_t *back = encode_back(ev, "s", 5, &r);
    assert_string_equal(r->ts, "2026-11-24T10:00:00.000000Z");
    assert_string_equal(json_string_value(json_object_get(back, "ts")), r->ts);
    json_decref(back);
    event_record_free(r);
    /* Anything else is replaced by now. */
    json_object_set_new(ev, "ts", json_string("yesterday"));
    back = encode_back(ev, "s", 1500000, &r);
    assert_string_equal(r->ts, "1970-01-01T00:00:01.500000Z");
    json_decref(back);
    event_record_free(r);
    json_object_set_new(ev, "ts", json_integer(12));
    back = encode_back(ev, "s", 0, &r);
    assert_string_equal(r->ts, "1970-01-01T00:00:00.000000Z");
    json_decref(back);
    event_record_free(r);
    json_decref(ev);
}

static void test_encode_ts_many(void **state)
{
    (void)state;
    /* The per-thread cache of the seconds must never show a stale second. */
    static const long long us[] = {0,
                                   999999,
                                   1000000,
                                   -1,
                                   -1000000,
                                   -1000001,
                                   1795999323999999,
                                   1795999324000000,
                                   1795999323123456,
                                   1795999323123457,
                                   253402300799999999};
    json_t *ev = event_new(EVENT_SENSOR_START);
    for (size_t i = 0; i < sizeof(us) / sizeof(us[0]); i++) {
        struct event_record *r;
        char want[UTIL_RFC3339_LEN];
        json_object_set_new(ev, "ts", json_null());
        assert_int_equal(event_encode(ev, "s", us[i], &r), 0);
        util_rfc3339(us[i], want);
        assert_string_equal(r->ts, want);
        assert_true(r->ts_us == us[i]);
        event_record_free(r);
    }
    json_decref(ev);
}

static void test_encode_sensor_overwritten(void **state)
{
    (void)state;
    struct event_record *r;
    json_t *ev = event_new(EVENT_SENSOR_START);
    json_object_set_new(ev, "sensor", json_string("forged"));
    json_t *back = encode_back(ev, "real", 1, &r);
    assert_string_equal(json_string_value(json_object_get(back, "sensor")), "real");
    json_decref(back);
    json_decref(ev);
    event_record_free(r);
}

static void test_encode_rejects(void **state)
{
    (void)state;
    struct event_record *r = (struct event_record *)0x1;
    json_t *arr = json_array();
    assert_int_equal(event_encode(arr, "s", 1, &r), -EINVAL);
    json_decref(arr);
    json_t *ev = json_object();
    assert_int_equal(event_encode(ev, "s", 1, &r), -EINVAL); /* no type */
    json_object_set_new(ev, "type", json_string("made.up"));
    assert_int_equal(event_encode(ev, "s", 1, &r), -EINVAL);
    json_object_set_new(ev, "type", json_string("login.failed"));
    assert_int_equal(event_encode(ev, "bad\xff", 1, &r), -EINVAL); /* sensor not UTF-8 */
    assert_int_equal(event_encode(ev, NULL, 1, &r), -EINVAL);
    assert_ptr_equal(r, (struct event_record *)0x1); /* untouched on error */
    json_decref(ev);
}

static void test_encode_sizes(void **state)
{
    (void)state;
    struct event_record *r;
    /* Over the stack buffer: still one exact line. */
    size_t n = 100000;
    char *big = malloc(n);
    memset(big, 'a', n);
    json_t *ev = event_new(EVENT_COMMAND_INPUT);
    json_object_set_new(ev, "input", json_stringn(big, n));
    json_t *back = encode_back(ev, "s", 1, &r);
    assert_int_equal(json_string_length(json_object_get(back, "input")), n);
    json_decref(back);
    event_record_free(r);
    json_decref(ev);
    free(big);
    /* Over the cap: refused. */
    n = EVENT_MAX_BYTES + 1;
    big = malloc(n);
    memset(big, 'b', n);
    ev = event_new(EVENT_COMMAND_INPUT);
    json_object_set_new(ev, "input", json_stringn(big, n));
    assert_int_equal(event_encode(ev, "s", 1, &r), -EMSGSIZE);
    json_decref(ev);
    free(big);
}

static void test_encode_hostile_strings(void **state)
{
    (void)state;
    static const char hostile[] = "a\nb\r\"c\\d\x01\x1b[31m\x7f</script>\xe2\x80\xa8z";
    const size_t n = sizeof(hostile) - 1;
    struct event_record *r;
    json_t *ev = event_new(EVENT_COMMAND_INPUT);
    event_set_str(ev, "input", hostile, n);
    event_set_str(ev, "nul", "x\0y", 3);
    json_t *back = encode_back(ev, "s", 1, &r);
    json_t *in = json_object_get(back, "input");
    assert_int_equal(json_string_length(in), n);
    assert_memory_equal(json_string_value(in), hostile, n);
    assert_null(json_object_get(back, "input_b64")); /* valid UTF-8: no copy */
    /* NUL is replaced (C consumers would cut the string there) and kept in _b64. */
    assert_string_equal(json_string_value(json_object_get(back, "nul")), "x" FFFD "y");
    assert_string_equal(json_string_value(json_object_get(back, "nul_b64")), "eAB5");
    /* Control characters are escaped in the line itself. */
    for (size_t i = 0; i < r->len; i++)
        assert_true((unsigned char)r->line[i] >= 0x20);
    assert_true(event_utf8_valid(r->line, r->len));
    json_decref(back);
    json_decref(ev);
    event_record_free(r);
}

static void expect_str(const char *in, size_t n, const char *want, size_t want_n)
{
    json_t *s = event_str(in, n);
    assert_int_equal(json_string_length(s), want_n);
    assert_memory_equal(json_string_value(s), want, want_n);
    json_decref(s);
}

#define EXPECT_STR(in, want) expect_str(in, sizeof(in) - 1, want, sizeof(want) - 1)

static void test_str_invalid_utf8(void **state)
{
    (void)state;
    EXPECT_STR("plain", "plain");
    EXPECT_STR("caf\xc3\xa9 \xf0\x9f\x98\x80", "caf\xc3\xa9 \xf0\x9f\x98\x80");
    EXPECT_STR("a\xffz", "a" FFFD "z");
    EXPECT_STR("\xc0\xaf", FFFD FFFD);                   /* overlong '/' */
    EXPECT_STR("\xe0\x80\xaf", FFFD FFFD FFFD);          /* overlong, 3 bytes */
    EXPECT_STR("\xed\xa0\x80", FFFD FFFD FFFD);          /* surrogate */
    EXPECT_STR("\xf4\x90\x80\x80", FFFD FFFD FFFD FFFD); /* above U+10FFFF */
    EXPECT_STR("ok\xe2\x82", "ok" FFFD FFFD);            /* cut short at the end */
    EXPECT_STR("\x80\xbf", FFFD FFFD);                   /* lone continuation bytes */
    EXPECT_STR("\xf5\xf8\xfe", FFFD FFFD FFFD);
    EXPECT_STR("a\0b", "a" FFFD "b");
    expect_str("", 0, "", 0);
    assert_true(event_utf8_valid("\xf4\x8f\xbf\xbf", 4)); /* U+10FFFF itself */
    assert_true(event_utf8_valid("\xed\x9f\xbf", 3));     /* U+D7FF */
    assert_false(event_utf8_valid("\xed\xbf\xbf", 3));
}

static void test_set_str_keeps_bytes(void **state)
{
    (void)state;
    static const char pw[] = "p\xffss\x00\xc3";
    json_t *ev = event_new(EVENT_LOGIN_FAILED);
    event_set_str(ev, "password", pw, sizeof(pw) - 1);
    const char *shown = json_string_value(json_object_get(ev, "password"));
    assert_string_equal(shown, "p" FFFD "ss" FFFD FFFD);
    const char *b64 = json_string_value(json_object_get(ev, "password_b64"));
    assert_non_null(b64);
    unsigned char raw[32];
    int n = EVP_DecodeBlock(raw, (const unsigned char *)b64, (int)strlen(b64));
    /* EVP_DecodeBlock counts the padding's zero bytes too. */
    assert_true(n >= (int)sizeof(pw) - 1);
    assert_memory_equal(raw, pw, sizeof(pw) - 1);
    json_decref(ev);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_type_list),
        cmocka_unit_test(test_type_names_from_issue),
        cmocka_unit_test(test_type_from_name_unknown),
        cmocka_unit_test(test_type_matches),
        cmocka_unit_test(test_new),
        cmocka_unit_test(test_encode_fields),
        cmocka_unit_test(test_encode_optional_columns),
        cmocka_unit_test(test_encode_ts),
        cmocka_unit_test(test_encode_ts_many),
        cmocka_unit_test(test_encode_sensor_overwritten),
        cmocka_unit_test(test_encode_rejects),
        cmocka_unit_test(test_encode_sizes),
        cmocka_unit_test(test_encode_hostile_strings),
        cmocka_unit_test(test_str_invalid_utf8),
        cmocka_unit_test(test_set_str_keeps_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
