/* Unit tests for src/fetch/ftp.c: the FTP server the fetcher plays. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "fetch/ftp.h"

#include <string.h>

/* One command line through the session; the reply in reply. */
static enum fetch_ftp_action say(struct fetch_ftp_session *s, const char *line, char *reply)
{
    struct fetch_ftp_cmd c;
    assert_int_equal(fetch_ftp_parse(line, strlen(line), &c), 0);
    return fetch_ftp_step(s, &c, reply, 256);
}

/* What busybox ftpget sends, in its order. */
static void test_ftpget(void **state)
{
    (void)state;
    struct fetch_ftp_session s = {.dst_ip = 0xcb00710au}; /* 203.0.113.10 */
    char r[256];
    assert_memory_equal(fetch_ftp_greeting(), "220 ", 4);
    assert_int_equal(say(&s, "USER anonymous\r\n", r), FETCH_FTP_REPLY);
    assert_memory_equal(r, "331 ", 4);
    assert_int_equal(say(&s, "PASS guest@\r\n", r), FETCH_FTP_REPLY);
    assert_memory_equal(r, "230 ", 4);
    assert_string_equal(s.user, "anonymous");
    assert_string_equal(s.pass, "guest@");
    assert_int_equal(say(&s, "TYPE I\r\n", r), FETCH_FTP_REPLY);
    assert_memory_equal(r, "200 ", 4);
    /* Port 21 of the address dialled: the data connection is redirected too. */
    assert_int_equal(say(&s, "PASV\r\n", r), FETCH_FTP_REPLY);
    assert_string_equal(r, "227 Entering Passive Mode (203,0,113,10,0,21).\r\n");
    assert_int_equal(say(&s, "EPSV\r\n", r), FETCH_FTP_REPLY);
    assert_string_equal(r, "229 Entering Extended Passive Mode (|||21|)\r\n");
    assert_int_equal(say(&s, "SIZE /pub/bot\r\n", r), FETCH_FTP_REPLY);
    assert_memory_equal(r, "550 ", 4);
    assert_int_equal(say(&s, "RETR /pub/bot\r\n", r), FETCH_FTP_RETR);
    assert_memory_equal(r, "550 ", 4);
    assert_int_equal(say(&s, "QUIT\r\n", r), FETCH_FTP_CLOSE);
    assert_memory_equal(r, "221 ", 4);
}

static void test_login_first(void **state)
{
    (void)state;
    struct fetch_ftp_session s = {0};
    char r[256];
    assert_int_equal(say(&s, "RETR x\r\n", r), FETCH_FTP_REPLY);
    assert_memory_equal(r, "530 ", 4);
    assert_int_equal(say(&s, "PASS x\r\n", r), FETCH_FTP_REPLY);
    assert_memory_equal(r, "503 ", 4);
    assert_false(s.logged_in);
    assert_int_equal(say(&s, "FEAT\r\n", r), FETCH_FTP_REPLY);
    assert_memory_equal(r, "211-", 4);
    assert_int_equal(say(&s, "USER u\r\n", r), FETCH_FTP_REPLY);
    assert_int_equal(say(&s, "PASS p\r\n", r), FETCH_FTP_REPLY);
    assert_true(s.logged_in);
    assert_int_equal(say(&s, "XYZZ\r\n", r), FETCH_FTP_REPLY);
    assert_memory_equal(r, "500 ", 4);
}

static void test_long_user_cut(void **state)
{
    (void)state;
    struct fetch_ftp_session s = {0};
    char line[400], r[256];
    memset(line, 'a', sizeof(line));
    memcpy(line, "USER ", 5);
    memcpy(line + sizeof(line) - 2, "\r\n", 2);
    struct fetch_ftp_cmd c;
    assert_int_equal(fetch_ftp_parse(line, sizeof(line), &c), 0);
    assert_int_equal(fetch_ftp_step(&s, &c, r, sizeof(r)), FETCH_FTP_REPLY);
    assert_int_equal(strlen(s.user), sizeof(s.user) - 1);
}

/* Past FETCH_FTP_MAX_CMDS commands the connection ends. */
static void test_command_cap(void **state)
{
    (void)state;
    struct fetch_ftp_session s = {0};
    char r[256];
    for (unsigned i = 0; i < FETCH_FTP_MAX_CMDS; i++)
        assert_int_equal(say(&s, "NOOP\r\n", r), FETCH_FTP_REPLY);
    assert_int_equal(say(&s, "NOOP\r\n", r), FETCH_FTP_CLOSE);
    assert_memory_equal(r, "421 ", 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ftpget),
        cmocka_unit_test(test_login_first),
        cmocka_unit_test(test_long_user_cut),
        cmocka_unit_test(test_command_cap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
