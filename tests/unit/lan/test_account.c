/* Unit tests for lan_account_field: the right line (not one whose name only
 * starts with the user's), the right field, short and odd lines, caps; and
 * the hash settings lan_account_hash_is will compute. */
#include "lan/account.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <crypt.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

static const char shadow[] = "root:*:19000:0:99999:7:::\n"
                             "malloryx:$6$x$other:19000::::::\n"
                             "mallory:$6$salt$hash:19001:0:99999:7:::\n"
                             "short\n"
                             "bob:\n"
                             "last:$y$j9T$end";

static int field(const char *user, unsigned f, char *out, size_t outlen)
{
    return lan_account_field(shadow, strlen(shadow), user, f, out, outlen);
}

static void test_fields(void **state)
{
    char out[64];
    (void)state;
    assert_int_equal(0, field("mallory", 1, out, sizeof(out)));
    assert_string_equal("$6$salt$hash", out);
    assert_int_equal(0, field("mallory", 0, out, sizeof(out)));
    assert_string_equal("mallory", out);
    assert_int_equal(0, field("mallory", 2, out, sizeof(out)));
    assert_string_equal("19001", out);
    assert_int_equal(0, field("malloryx", 1, out, sizeof(out)));
    assert_string_equal("$6$x$other", out);
    /* The last line has no newline; bob's hash is empty. */
    assert_int_equal(0, field("last", 1, out, sizeof(out)));
    assert_string_equal("$y$j9T$end", out);
    assert_int_equal(0, field("bob", 1, out, sizeof(out)));
    assert_string_equal("", out);
    assert_int_equal(-ENOENT, field("bob", 2, out, sizeof(out)));
    assert_int_equal(0, field("mallory", 0, NULL, 0));
}

static void test_missing(void **state)
{
    char out[64];
    (void)state;
    assert_int_equal(-ENOENT, field("mall", 1, out, sizeof(out)));
    assert_int_equal(-ENOENT, field("short", 1, out, sizeof(out)));
    assert_int_equal(-ENOENT, field("short", 0, NULL, 0));
    assert_int_equal(-ENOENT, field("nobody", 0, NULL, 0));
    assert_int_equal(-ENOENT, lan_account_field("", 0, "root", 1, out, sizeof(out)));
}

static void test_caps(void **state)
{
    char out[8];
    (void)state;
    assert_int_equal(-ENAMETOOLONG, field("mallory", 1, out, sizeof(out)));
    assert_int_equal(0, field("root", 1, out, sizeof(out)));
    assert_string_equal("*", out);
    assert_int_equal(-ENAMETOOLONG, field("", 1, out, sizeof(out)));
    assert_int_equal(-ENAMETOOLONG, field("a:b", 1, out, sizeof(out)));
    assert_int_equal(-ENAMETOOLONG, field("a\nroot", 1, out, sizeof(out)));
}

/* A buffer not NUL-ended: nothing read past len. */
static void test_bounded(void **state)
{
    char buf[] = {'r', 'o', 'o', 't', ':', 'x', 'y'};
    char out[8];
    (void)state;
    assert_int_equal(0, lan_account_field(buf, 6, "root", 1, out, sizeof(out)));
    assert_string_equal("x", out);
    assert_int_equal(-ENOENT, lan_account_field(buf, 4, "root", 0, NULL, 0));
}

/* Hashed on the host only at the settings chpasswd writes: a container's
 * root must not choose the daemon's cost per login. */
static void test_hash_settings(void **state)
{
    (void)state;
    char setting[CRYPT_GENSALT_OUTPUT_SIZE], hash[CRYPT_OUTPUT_SIZE];
    struct crypt_data cd;
    memset(&cd, 0, sizeof(cd));
    /* yescrypt at libxcrypt's default cost: Debian's "j9T" */
    assert_non_null(crypt_gensalt_rn("$y$", 0, NULL, 0, setting, sizeof(setting)));
    assert_int_equal(strncmp(setting, "$y$j9T$", 7), 0);
    snprintf(hash, sizeof(hash), "%s", crypt_r("pw", setting, &cd));
    assert_true(lan_account_hash_is(hash, "pw"));
    assert_false(lan_account_hash_is(hash, "px"));
    /* the same password at a cost of the container's choosing */
    assert_non_null(crypt_gensalt_rn("$y$", 7, NULL, 0, setting, sizeof(setting)));
    snprintf(hash, sizeof(hash), "%s", crypt_r("pw", setting, &cd));
    assert_false(lan_account_hash_is(hash, "pw"));
    snprintf(hash, sizeof(hash), "%s", crypt_r("pw", "$6$salt$", &cd));
    assert_true(lan_account_hash_is(hash, "pw"));
    snprintf(hash, sizeof(hash), "%s", crypt_r("pw", "$6$rounds=6000$salt$", &cd));
    assert_false(lan_account_hash_is(hash, "pw"));
    snprintf(hash, sizeof(hash), "%s", crypt_r("pw", "$5$salt$", &cd));
    assert_true(lan_account_hash_is(hash, "pw"));
    snprintf(hash, sizeof(hash), "%s", crypt_r("pw", "$5$rounds=900000$salt$", &cd));
    assert_false(lan_account_hash_is(hash, "pw"));
    snprintf(hash, sizeof(hash), "%s", crypt_r("pw", "$1$salt$", &cd));
    assert_true(lan_account_hash_is(hash, "pw"));
    assert_false(lan_account_hash_is(hash, "px"));
    assert_false(lan_account_hash_is("!", "pw"));
    assert_false(lan_account_hash_is("", ""));
}

/* Once an account has a password, its hash decides; "*" (never had one)
 * and no account at all are karakuri's to set. */
static void test_judge(void **state)
{
    (void)state;
    char hash[CRYPT_OUTPUT_SIZE], locked[CRYPT_OUTPUT_SIZE + 1];
    struct crypt_data cd;
    memset(&cd, 0, sizeof(cd));
    snprintf(hash, sizeof(hash), "%s", crypt_r("old", "$6$salt$", &cd));
    snprintf(locked, sizeof(locked), "!%s", hash);
    assert_int_equal(lan_account_judge(-ENOENT, "", "any"), LAN_ACCOUNT_SET);
    assert_int_equal(lan_account_judge(0, "*", "any"), LAN_ACCOUNT_SET);
    assert_int_equal(lan_account_judge(0, hash, "old"), LAN_ACCOUNT_MATCH);
    assert_int_equal(lan_account_judge(0, hash, "new"), LAN_ACCOUNT_WRONG);
    assert_int_equal(lan_account_judge(0, locked, "old"), LAN_ACCOUNT_WRONG);
    assert_int_equal(lan_account_judge(0, "!", "old"), LAN_ACCOUNT_WRONG);
    assert_int_equal(lan_account_judge(0, "!*", "old"), LAN_ACCOUNT_WRONG);
    assert_int_equal(lan_account_judge(0, "", ""), LAN_ACCOUNT_WRONG);
    assert_int_equal(lan_account_judge(0, "", "any"), LAN_ACCOUNT_WRONG);
    assert_int_equal(lan_account_judge(-EIO, "", "any"), LAN_ACCOUNT_UNREADABLE);
    assert_int_equal(lan_account_judge(-ESRCH, "", "any"), LAN_ACCOUNT_UNREADABLE);
    assert_int_equal(lan_account_judge(-ENAMETOOLONG, "", "any"), LAN_ACCOUNT_UNREADABLE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fields),        cmocka_unit_test(test_missing),
        cmocka_unit_test(test_caps),          cmocka_unit_test(test_bounded),
        cmocka_unit_test(test_hash_settings), cmocka_unit_test(test_judge),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
