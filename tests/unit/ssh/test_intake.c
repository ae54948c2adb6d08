/* Unit tests for src/ssh/intake.c: every way a session process could forge
 * what the daemon vouches for is refused, and what a correct one sends
 * passes as it did. */
#include "ssh/intake.h"
#include "ssh/monitor.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Parses the JSON text; returns kssh_intake_parse's result. */
static int parse(const char *text, struct kssh_intake *in)
{
    json_t *msg = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
    assert_non_null(msg);
    int rc = kssh_intake_parse(msg, in);
    if (rc == 0 && in->req == KSSH_REQ_EVENT) {
        assert_non_null(in->event);
    }
    if (rc == 0 && in->body)
        in->body = NULL; /* borrowed from msg, which goes now */
    json_decref(msg);
    return rc;
}

static void test_event_ok(void **state)
{
    struct kssh_intake in;
    (void)state;
    /* "PATH" and "\xff/bin" in base64 */
    assert_int_equal(parse("{\"event\": {\"type\": \"session.env\", \"name_b64\": \"UEFUSA==\", "
                           "\"value_b64\": \"/y9iaW4=\", \"truncated\": true}}",
                           &in),
                     0);
    assert_int_equal(in.req, KSSH_REQ_EVENT);
    assert_int_equal(in.type, EVENT_SESSION_ENV);
    assert_string_equal(json_string_value(json_object_get(in.event, "type")), "session.env");
    assert_string_equal(json_string_value(json_object_get(in.event, "name")), "PATH");
    assert_string_equal(json_string_value(json_object_get(in.event, "value")), "\xef\xbf\xbd/bin");
    /* the exact bytes kept alongside, by event_set_str */
    assert_string_equal(json_string_value(json_object_get(in.event, "value_b64")), "/y9iaW4=");
    assert_true(json_is_true(json_object_get(in.event, "truncated")));
    assert_null(json_object_get(in.event, "name_b64"));
    json_decref(in.event);

    assert_int_equal(parse("{\"event\": {\"type\": \"session.kex\", \"hassh\": "
                           "\"0123456789abcdef0123456789abcdef\", \"kex\": \"curve25519-sha256\"}}",
                           &in),
                     0);
    assert_string_equal(json_string_value(json_object_get(in.event, "kex")), "curve25519-sha256");
    json_decref(in.event);
    assert_int_equal(parse("{\"event\": {\"type\": \"tcpip.forward\", \"dst_port\": 80, "
                           "\"src_port_forwarded\": 5, \"opened\": false, \"dst_ip_b64\": "
                           "\"MTAuMC4wLjE=\"}}",
                           &in),
                     0);
    assert_string_equal(json_string_value(json_object_get(in.event, "dst_ip")), "10.0.0.1");
    json_decref(in.event);
}

/* Each of these was taken before: the type, time, sensor, session, source
 * or honeynet of an event rewritten by the session process. */
static void test_forgeries(void **state)
{
    static const char *const forged[] = {
        /* a backdated login.success from a session.kex: "login.success" */
        "\"type_b64\": \"bG9naW4uc3VjY2Vzcw==\"",
        "\"ts_b64\": \"MjAwMC0wMS0wMVQwMDowMDowMFo=\"",
        "\"sensor_b64\": \"eA==\"",
        "\"session_b64\": \"eA==\"",
        "\"src_ip_b64\": \"eA==\"",
        "\"src_port_b64\": \"MQ==\"",
        "\"honeynet_b64\": \"eA==\"",
        "\"honeynet\": \"src-203.0.113.9\"",
        "\"client_version\": \"x\"",
        "\"ts\": \"2000-01-01T00:00:00.000000Z\"",
        "\"sensor\": \"other\"",
        "\"session\": \"x\"",
        "\"src_ip\": \"203.0.113.9\"",
        "\"src_port\": 1",
        /* names that are not ours */
        "\"Type\": \"x\"",
        "\"a-b\": \"x\"",
        "\"\": \"x\"",
        "\"_b64\": \"eA==\"",
        "\"x_b64_b64\": \"eA==\"",
        "\"hassh\": \"x\", \"hassh_b64\": \"eA==\"",
        "\"abcdefghijklmnopqrstuvwxyz0123456\": 1",
        "\"t\\u00e9\": 1",
        /* values that are not ours */
        "\"x\": 1.5",
        "\"x\": null",
        "\"x\": [1]",
        "\"x\": {\"a\": 1}",
        "\"x_b64\": 5",
        "\"x_b64\": \"not base64!\"",
    };
    struct kssh_intake in;
    (void)state;
    for (size_t i = 0; i < sizeof(forged) / sizeof(forged[0]); i++) {
        char text[512];
        snprintf(text, sizeof(text), "{\"event\": {\"type\": \"session.kex\", %s}}", forged[i]);
        if (parse(text, &in) != -EPROTO)
            fail_msg("taken: %s", forged[i]);
    }
    /* 32 bytes is the longest name */
    assert_int_equal(parse("{\"event\": {\"type\": \"session.kex\", "
                           "\"abcdefghijklmnopqrstuvwxyz012345\": 1}}",
                           &in),
                     0);
    json_decref(in.event);
}

static void test_types(void **state)
{
    static const char *const refused[] = {
        "login.success", "login.failed", "tty.log", "session.closed", "file.changed", "nope", ""};
    struct kssh_intake in;
    char text[256];
    (void)state;
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        snprintf(text, sizeof(text), "{\"event\": {\"type\": \"%s\"}}", refused[i]);
        assert_int_equal(parse(text, &in), -EPROTO);
    }
    assert_int_equal(parse("{\"event\": {\"type_b64\": \"bG9naW4uc3VjY2Vzcw==\"}}", &in), -EPROTO);
    assert_int_equal(parse("{\"event\": {}}", &in), -EPROTO);
    assert_int_equal(parse("{\"event\": {\"type\": 1}}", &in), -EPROTO);
}

static void test_sizes(void **state)
{
    struct kssh_intake in;
    (void)state;
    /* strings up to KSSH_FIELD_MAX, plain or in base64 */
    for (size_t extra = 0; extra < 2; extra++) {
        size_t n = KSSH_FIELD_MAX + extra;
        char *val = malloc(n + 1);
        memset(val, 'a', n);
        val[n] = '\0';
        json_t *ev = json_pack("{s:s, s:s}", "type", "command.exec", "command", val);
        json_t *msg = json_pack("{s:o}", "event", ev);
        assert_int_equal(kssh_intake_parse(msg, &in), extra ? -EPROTO : 0);
        if (!extra)
            json_decref(in.event);
        json_decref(msg);
        ev = json_pack("{s:s}", "type", "command.exec");
        kssh_set_b64(ev, "command", val, n);
        msg = json_pack("{s:o}", "event", ev);
        assert_int_equal(kssh_intake_parse(msg, &in), extra ? -EPROTO : 0);
        if (!extra) {
            assert_int_equal(json_string_length(json_object_get(in.event, "command")), n);
            json_decref(in.event);
        }
        json_decref(msg);
        free(val);
    }
    /* at most KSSH_INTAKE_FIELDS_MAX fields */
    json_t *ev = json_pack("{s:s}", "type", "command.exit");
    for (int i = 0; i < KSSH_INTAKE_FIELDS_MAX; i++) {
        char k[16];
        snprintf(k, sizeof(k), "f%d", i);
        json_object_set_new(ev, k, json_integer(i));
    }
    json_t *msg = json_pack("{s:o}", "event", ev);
    assert_int_equal(kssh_intake_parse(msg, &in), -EPROTO);
    json_decref(msg);
}

static void test_requests(void **state)
{
    struct kssh_intake in;
    (void)state;
    assert_int_equal(parse("{\"auth\": {\"method\": \"password\", \"username_b64\": \"cm9vdA==\", "
                           "\"password_b64\": \"\"}}",
                           &in),
                     0);
    assert_int_equal(in.req, KSSH_REQ_AUTH);
    assert_int_equal(parse("{\"auth\": {\"username_b64\": \"cm9vdA==\"}}", &in), -EPROTO);
    /* A hop's key login: the key instead of a password, signed or a probe. */
    assert_int_equal(parse("{\"auth\": {\"method\": \"publickey\", \"signed\": false, "
                           "\"username_b64\": \"cm9vdA==\", \"key_b64\": \"eA==\"}}",
                           &in),
                     0);
    assert_int_equal(parse("{\"auth\": {\"method\": \"publickey\", \"username_b64\": "
                           "\"cm9vdA==\", \"password_b64\": \"eA==\"}}",
                           &in),
                     -EPROTO);
    assert_int_equal(parse("{\"auth\": {\"method\": \"publickey\", \"signed\": 1, "
                           "\"username_b64\": \"cm9vdA==\", \"key_b64\": \"eA==\"}}",
                           &in),
                     -EPROTO);
    assert_int_equal(
        parse("{\"tty\": {\"ch\": 0, \"t\": 0.5, \"k\": \"o\", \"data_b64\": \"\"}}", &in), 0);
    assert_int_equal(in.req, KSSH_REQ_TTY);
    assert_int_equal(
        parse("{\"tty\": {\"ch\": 0, \"t\": 0.5, \"k\": \"x\", \"data_b64\": \"\"}}", &in),
        -EPROTO);
    assert_int_equal(
        parse("{\"tty\": {\"ch\": \"0\", \"t\": 0, \"k\": \"i\", \"data_b64\": \"\"}}", &in),
        -EPROTO);
    assert_int_equal(
        parse("{\"tty_open\": {\"ch\": 1, \"width\": 80, \"height\": 24, \"term_b64\": \"\"}}",
              &in),
        0);
    assert_int_equal(in.req, KSSH_REQ_TTY_OPEN);
    assert_int_equal(parse("{\"tty_open\": {\"ch\": 1, \"width\": 80}}", &in), -EPROTO);
    assert_int_equal(parse("{\"tty_close\": {\"ch\": 1}}", &in), 0);
    assert_int_equal(in.req, KSSH_REQ_TTY_CLOSE);
    assert_int_equal(parse("{\"bytes\": {\"in\": 10, \"out\": 20}}", &in), 0);
    assert_int_equal(in.req, KSSH_REQ_BYTES);
    assert_int_equal(in.bytes_in, 10);
    assert_int_equal(in.bytes_out, 20);
    assert_int_equal(parse("{\"bytes\": {\"in\": 10}}", &in), -EPROTO);
    assert_int_equal(parse("{\"closed\": \"client disconnected\"}", &in), 0);
    assert_int_equal(in.req, KSSH_REQ_CLOSED);
    assert_string_equal(in.reason, "client disconnected");
    assert_int_equal(parse("{\"closed\": 1}", &in), -EPROTO);
    /* files sent in */
    assert_int_equal(
        parse("{\"up_open\": {\"ch\": 0, \"f\": 0, \"proto\": \"scp\", \"path_b64\": \"\"}}", &in),
        0);
    assert_int_equal(in.req, KSSH_REQ_UP_OPEN);
    assert_int_equal(
        parse("{\"up_open\": {\"ch\": 0, \"f\": 0, \"proto\": \"ftp\", \"path_b64\": \"\"}}", &in),
        -EPROTO);
    assert_int_equal(
        parse("{\"up_data\": {\"ch\": 0, \"f\": 1, \"off\": 5, \"data_b64\": \"\"}}", &in), 0);
    assert_int_equal(in.req, KSSH_REQ_UP_DATA);
    assert_int_equal(
        parse("{\"up_data\": {\"ch\": 0, \"f\": 1, \"off\": -1, \"data_b64\": \"\"}}", &in),
        -EPROTO);
    assert_int_equal(parse("{\"up_data\": {\"ch\": 0, \"f\": 1, \"data_b64\": \"\"}}", &in),
                     -EPROTO);
    assert_int_equal(parse("{\"up_close\": {\"ch\": 0, \"f\": 1}}", &in), 0);
    assert_int_equal(in.req, KSSH_REQ_UP_CLOSE);
    assert_int_equal(parse("{\"up_close\": {\"ch\": 0}}", &in), -EPROTO);
    assert_int_equal(parse("{\"up_what\": {\"ch\": 0, \"f\": 1}}", &in), -EPROTO);
    /* one request per message, and only known ones */
    assert_int_equal(parse("{}", &in), -EPROTO);
    assert_int_equal(parse("{\"closed\": \"a\", \"bytes\": {\"in\": 1, \"out\": 1}}", &in),
                     -EPROTO);
    assert_int_equal(parse("{\"accept\": true}", &in), -EPROTO);
    assert_int_equal(parse("{\"auth\": 1}", &in), -EPROTO);
}

/* A long reason is cut at a character boundary. */
static void test_reason_cut(void **state)
{
    struct kssh_intake in;
    (void)state;
    json_t *r = json_string("");
    char text[400] = "a";
    for (int i = 0; i < 100; i++)
        memcpy(text + 1 + 2 * i, "\xc3\xa9", 3);
    json_string_set(r, text);
    json_t *msg = json_pack("{s:o}", "closed", r);
    assert_int_equal(kssh_intake_parse(msg, &in), 0);
    assert_true(strlen(in.reason) <= sizeof(in.reason) - 1);
    json_t *back = json_string(in.reason);
    assert_non_null(back); /* valid UTF-8 still */
    json_decref(back);
    json_decref(msg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_event_ok), cmocka_unit_test(test_forgeries),
        cmocka_unit_test(test_types),    cmocka_unit_test(test_sizes),
        cmocka_unit_test(test_requests), cmocka_unit_test(test_reason_cut),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
