/* Unit tests for src/ssh/monitor.c: framing over a SOCK_SEQPACKET pair and
 * the base64 fields, with bytes that are not UTF-8. */
#include "ssh/monitor.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void test_round_trip(void **state)
{
    int sv[2];
    json_t *got = NULL;
    (void)state;
    assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
    json_t *msg = json_object();
    const char bytes[] = "\xff\x00\xfe ok";
    kssh_set_b64(msg, "password", bytes, sizeof(bytes) - 1);
    assert_int_equal(kssh_msg_send(sv[0], msg), 0);
    assert_int_equal(kssh_msg_recv(sv[1], &got), 0);
    size_t n = 0;
    char *back = kssh_get_b64(got, "password_b64", &n);
    assert_int_equal(n, sizeof(bytes) - 1);
    assert_memory_equal(back, bytes, n);
    free(back);
    for (size_t len = 0; len < 5; len++) {
        json_t *o = json_object();
        kssh_set_b64(o, "k", "abcd", len);
        char *b = kssh_get_b64(o, "k_b64", &n);
        assert_int_equal(n, len);
        assert_memory_equal(b, "abcd", len);
        free(b);
        json_decref(o);
    }
    json_decref(got);

    /* Not JSON, too big, EOF. */
    assert_int_equal(send(sv[0], "nope", 4, 0), 4);
    assert_int_equal(kssh_msg_recv(sv[1], &got), -EPROTO);
    char *big = calloc(1, KSSH_MSG_MAX + 10);
    memset(big, ' ', KSSH_MSG_MAX + 9);
    assert_int_equal(send(sv[0], big, KSSH_MSG_MAX + 9, 0), KSSH_MSG_MAX + 9);
    assert_int_equal(kssh_msg_recv(sv[1], &got), -EMSGSIZE);
    free(big);
    close(sv[0]);
    got = (json_t *)1;
    assert_int_equal(kssh_msg_recv(sv[1], &got), 0);
    assert_null(got);
    close(sv[1]);
}

static void test_bad_b64(void **state)
{
    size_t n;
    (void)state;
    json_t *o = json_pack("{s:s, s:i}", "a", "not base64!", "b", 1);
    assert_null(kssh_get_b64(o, "a", &n));
    assert_null(kssh_get_b64(o, "b", &n));
    assert_null(kssh_get_b64(o, "missing", &n));
    json_decref(o);
}

static json_t *sent; /* what kssh_send_tty sent, in order */

static void capture(json_t *msg)
{
    json_array_append_new(sent, msg);
}

/* 200 KB of terminal output in one callback: several messages, each under
 * the cap the daemon enforces, that add up to the bytes in order. */
static void test_tty_split(void **state)
{
    (void)state;
    size_t n = 200 * 1000;
    char *big = malloc(n);
    for (size_t i = 0; i < n; i++)
        big[i] = (char)(i * 7 + i / 251);
    sent = json_array();
    kssh_send_tty(capture, 3, 1.5, "o", big, n);
    assert_int_equal(json_array_size(sent), (n + KSSH_TTY_CHUNK - 1) / KSSH_TTY_CHUNK);
    size_t off = 0, i;
    json_t *m;
    json_array_foreach(sent, i, m)
    {
        char *text = json_dumps(m, JSON_COMPACT);
        assert_true(strlen(text) <= KSSH_MSG_MAX);
        free(text);
        json_t *body = json_object_get(m, "tty");
        assert_int_equal(json_integer_value(json_object_get(body, "ch")), 3);
        assert_string_equal(json_string_value(json_object_get(body, "k")), "o");
        size_t len = 0;
        char *b = kssh_get_b64(body, "data_b64", &len);
        assert_non_null(b);
        assert_true(len <= KSSH_TTY_CHUNK && off + len <= n);
        assert_memory_equal(b, big + off, len);
        off += len;
        free(b);
    }
    assert_int_equal(off, n);
    json_decref(sent);
    sent = json_array();
    kssh_send_tty(capture, 0, 0, "i", big, 0);
    assert_int_equal(json_array_size(sent), 0);
    json_decref(sent);
    free(big);
}

/* A long field is cut to KSSH_FIELD_MAX and says so; a short one is not. */
static void test_capped(void **state)
{
    (void)state;
    size_t n = 3 * KSSH_FIELD_MAX, got = 0;
    char *big = malloc(n);
    memset(big, 'x', n);
    json_t *o = json_object();
    kssh_set_b64_capped(o, "command", big, n);
    char *b = kssh_get_b64(o, "command_b64", &got);
    assert_int_equal(got, KSSH_FIELD_MAX);
    assert_true(json_is_true(json_object_get(o, "truncated")));
    free(b);
    json_decref(o);
    o = json_object();
    kssh_set_b64_capped(o, "command", big, KSSH_FIELD_MAX);
    assert_null(json_object_get(o, "truncated"));
    json_decref(o);
    free(big);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_bad_b64),
        cmocka_unit_test(test_tty_split),
        cmocka_unit_test(test_capped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
