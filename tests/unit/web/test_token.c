/* token: the token file made 0600 and read back, refused when loose or
 * malformed; the header check. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../store/tmpdir.h"
#include "web/token.h"

static void write_file(const char *path, const char *text, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    assert_int_equal(fchmod(fd, mode), 0);
    close(fd);
}

static void test_made_then_reused(void **state)
{
    char *dir = tmpdir_new(), t1[WEB_TOKEN_HEX + 1], t2[WEB_TOKEN_HEX + 1], err[256];
    char sub[256];
    bool created = false;
    struct stat sb;
    (void)state;
    snprintf(sub, sizeof(sub), "%s/var", dir); /* made when missing */
    assert_int_equal(web_token_load(sub, t1, &created, err, sizeof(err)), 0);
    assert_true(created);
    assert_int_equal(strlen(t1), WEB_TOKEN_HEX);
    assert_int_equal(strspn(t1, "0123456789abcdef"), WEB_TOKEN_HEX);
    assert_int_equal(stat(tmpdir_path(sub, WEB_TOKEN_NAME), &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    assert_int_equal(web_token_load(sub, t2, &created, err, sizeof(err)), 0);
    assert_false(created);
    assert_string_equal(t1, t2);
    tmpdir_free(dir);
}

static void test_refused(void **state)
{
    char *dir = tmpdir_new(), t[WEB_TOKEN_HEX + 1], err[256];
    char good[WEB_TOKEN_HEX + 2];
    (void)state;
    memset(good, 'a', WEB_TOKEN_HEX);
    good[WEB_TOKEN_HEX] = '\n';
    good[WEB_TOKEN_HEX + 1] = '\0';
    const char *path = tmpdir_path(dir, WEB_TOKEN_NAME);
    write_file(path, good, 0644); /* readable by others */
    assert_int_equal(web_token_load(dir, t, NULL, err, sizeof(err)), -EACCES);
    assert_non_null(strstr(err, "0600"));
    unlink(path);
    write_file(path, "short\n", 0600);
    assert_int_equal(web_token_load(dir, t, NULL, err, sizeof(err)), -EINVAL);
    unlink(path);
    write_file(path, good, 0600);
    assert_int_equal(web_token_load(dir, t, NULL, err, sizeof(err)), 0);
    assert_int_equal(strncmp(t, good, WEB_TOKEN_HEX), 0);
    unlink(path);
    assert_int_equal(symlink("/etc/passwd", path), 0); /* never followed */
    assert_true(web_token_load(dir, t, NULL, err, sizeof(err)) < 0);
    tmpdir_free(dir);
}

static void test_check(void **state)
{
    char tok[WEB_TOKEN_HEX + 1], hdr[128];
    (void)state;
    memset(tok, 'b', WEB_TOKEN_HEX);
    tok[WEB_TOKEN_HEX] = '\0';
    snprintf(hdr, sizeof(hdr), "Bearer %s", tok);
    assert_true(web_token_check(hdr, tok));
    snprintf(hdr, sizeof(hdr), "bearer %s", tok); /* the scheme is case-insensitive */
    assert_true(web_token_check(hdr, tok));
    assert_false(web_token_check(NULL, tok));
    assert_false(web_token_check("", tok));
    assert_false(web_token_check("Bearer", tok));
    assert_false(web_token_check("Bearer ", tok));
    snprintf(hdr, sizeof(hdr), "Basic %s", tok);
    assert_false(web_token_check(hdr, tok));
    snprintf(hdr, sizeof(hdr), "Bearer %sb", tok); /* longer */
    assert_false(web_token_check(hdr, tok));
    snprintf(hdr, sizeof(hdr), "Bearer %.63s", tok); /* shorter */
    assert_false(web_token_check(hdr, tok));
    snprintf(hdr, sizeof(hdr), "Bearer %.63sc", tok); /* the last digit differs */
    assert_false(web_token_check(hdr, tok));
    snprintf(hdr, sizeof(hdr), "Bearer c%s", tok + 1); /* the first */
    assert_false(web_token_check(hdr, tok));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_made_then_reused),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_check),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
