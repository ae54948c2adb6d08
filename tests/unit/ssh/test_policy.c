/* Unit tests for src/ssh/policy.c: any, after:N, list:FILE, root. */
#include "ssh/policy.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static bool accepts(const struct kssh_policy *p, const char *u, const char *pw, unsigned f)
{
    const char *why = NULL;
    return kssh_policy_accepts(p, u, pw, f, &why);
}

static void test_any_and_root(void **state)
{
    struct kssh_policy p;
    char err[128];
    const char *why = NULL;
    (void)state;
    assert_int_equal(kssh_policy_init(&p, "any", false, err, sizeof(err)), 0);
    assert_true(accepts(&p, "alice", "", 0));
    assert_false(kssh_policy_accepts(&p, "root", "toor", 99, &why));
    assert_string_equal(why, "root");
    kssh_policy_free(&p);
    assert_int_equal(kssh_policy_init(&p, "any", true, err, sizeof(err)), 0);
    assert_true(accepts(&p, "root", "toor", 0));
    kssh_policy_free(&p);
}

static void test_after(void **state)
{
    struct kssh_policy p;
    char err[128];
    (void)state;
    assert_int_equal(kssh_policy_init(&p, "after:2", false, err, sizeof(err)), 0);
    assert_false(accepts(&p, "a", "b", 0));
    assert_false(accepts(&p, "a", "b", 1));
    assert_true(accepts(&p, "a", "b", 2));
    assert_false(accepts(&p, "root", "b", 5));
    kssh_policy_free(&p);
    assert_int_equal(kssh_policy_init(&p, "after:x", false, err, sizeof(err)), -EINVAL);
    assert_int_equal(kssh_policy_init(&p, "sometimes", false, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "expected any"));
}

static void test_list(void **state)
{
    struct kssh_policy p = {0};
    char err[128];
    (void)state;
    assert_int_equal(kssh_policy_parse_list(&p,
                                            "# comment\n"
                                            "admin:x:!admin\n"
                                            "admin:x:*\r\n"
                                            "oracle:x:oracle?\n"
                                            "*:x:123456\n",
                                            err, sizeof(err)),
                     0);
    assert_int_equal(p.nrules, 4);
    assert_false(accepts(&p, "admin", "admin", 0));
    assert_true(accepts(&p, "admin", "letmein", 0));
    assert_true(accepts(&p, "oracle", "oracle1", 0));
    assert_false(accepts(&p, "oracle", "oracle12", 0));
    assert_true(accepts(&p, "anyone", "123456", 0));
    assert_false(accepts(&p, "anyone", "654321", 0));
    kssh_policy_free(&p);
    assert_int_equal(kssh_policy_parse_list(&p, "nocolons\n", err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "line 1"));
    kssh_policy_free(&p);

    char path[] = "/tmp/kk-userdb-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char text[] = "bob:x:hunter2\n";
    assert_int_equal(write(fd, text, sizeof(text) - 1), (ssize_t)sizeof(text) - 1);
    close(fd);
    char spec[64];
    snprintf(spec, sizeof(spec), "list:%s", path);
    assert_int_equal(kssh_policy_init(&p, spec, false, err, sizeof(err)), 0);
    assert_true(accepts(&p, "bob", "hunter2", 0));
    assert_false(accepts(&p, "bob", "hunter3", 0));
    kssh_policy_free(&p);
    unlink(path);
    assert_int_equal(kssh_policy_init(&p, "list:/nonexistent/userdb", false, err, sizeof(err)),
                     -ENOENT);
    assert_non_null(strstr(err, "/nonexistent/userdb"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_any_and_root),
        cmocka_unit_test(test_after),
        cmocka_unit_test(test_list),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
