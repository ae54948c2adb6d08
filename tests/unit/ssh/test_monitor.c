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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_bad_b64),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
