/* limit: the request rate, the lockouts after failed token checks (doubling,
 * capped, forgotten), and the bounded table's eviction. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "web/limit.h"

static void test_rate(void **state)
{
    struct web_limit l;
    struct web_limit_options o = {.rate_per_s = 10,
                                  .burst = 3,
                                  .free_failures = 5,
                                  .lockout_ms = 1000,
                                  .max_lockout_ms = 8000,
                                  .forget_ms = 60000};
    long long retry = 0;
    (void)state;
    web_limit_init(&l, &o);
    for (int i = 0; i < 3; i++)
        assert_int_equal(web_limit_admit(&l, "198.51.100.1", 1000, &retry), WEB_LIMIT_OK);
    assert_int_equal(web_limit_admit(&l, "198.51.100.1", 1000, &retry), WEB_LIMIT_RATE);
    assert_int_equal(retry, 100); /* one request per 100 ms */
    /* another source has its own bucket */
    assert_int_equal(web_limit_admit(&l, "198.51.100.2", 1000, &retry), WEB_LIMIT_OK);
    assert_int_equal(web_limit_admit(&l, "198.51.100.1", 1050, &retry), WEB_LIMIT_RATE);
    assert_int_equal(web_limit_admit(&l, "198.51.100.1", 1100, &retry), WEB_LIMIT_OK);
    /* refilled up to the burst only */
    for (int i = 0; i < 3; i++)
        assert_int_equal(web_limit_admit(&l, "198.51.100.1", 100000, &retry), WEB_LIMIT_OK);
    assert_int_equal(web_limit_admit(&l, "198.51.100.1", 100000, &retry), WEB_LIMIT_RATE);
    web_limit_destroy(&l);
}

static void test_lockout(void **state)
{
    struct web_limit l;
    struct web_limit_options o = {.rate_per_s = 1000,
                                  .burst = 1000,
                                  .free_failures = 3,
                                  .lockout_ms = 1000,
                                  .max_lockout_ms = 4000,
                                  .forget_ms = 60000};
    const char *src = "198.51.100.9";
    long long now = 10000, retry = 0;
    (void)state;
    web_limit_init(&l, &o);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(web_limit_admit(&l, src, now, &retry), WEB_LIMIT_OK);
        web_limit_failed(&l, src, now);
    }
    assert_int_equal(web_limit_admit(&l, src, now, &retry), WEB_LIMIT_OK);
    web_limit_failed(&l, src, now); /* the 4th: 1 s */
    assert_int_equal(web_limit_admit(&l, src, now + 10, &retry), WEB_LIMIT_LOCKED);
    assert_int_equal(retry, 990);
    assert_int_equal(web_limit_admit(&l, "198.51.100.10", now + 10, &retry), WEB_LIMIT_OK);
    now += 1000;
    assert_int_equal(web_limit_admit(&l, src, now, &retry), WEB_LIMIT_OK);
    web_limit_failed(&l, src, now); /* the 5th: 2 s */
    assert_int_equal(web_limit_admit(&l, src, now + 1999, &retry), WEB_LIMIT_LOCKED);
    now += 2000;
    web_limit_failed(&l, src, now); /* the 6th: 4 s */
    web_limit_failed(&l, src, now); /* the 7th: 8 s, capped at 4 */
    assert_int_equal(web_limit_admit(&l, src, now + 3999, &retry), WEB_LIMIT_LOCKED);
    assert_int_equal(retry, 1);
    assert_int_equal(web_limit_admit(&l, src, now + 4000, &retry), WEB_LIMIT_OK);
    /* a success resets the count */
    web_limit_succeeded(&l, src, now + 4000);
    web_limit_failed(&l, src, now + 4000);
    assert_int_equal(web_limit_admit(&l, src, now + 4001, &retry), WEB_LIMIT_OK);
    /* failures are forgotten after forget_ms */
    for (int i = 0; i < 4; i++)
        web_limit_failed(&l, src, now + 5000);
    assert_int_equal(web_limit_admit(&l, src, now + 5001, &retry), WEB_LIMIT_LOCKED);
    web_limit_failed(&l, src, now + 5000 + 60000 - 1);
    assert_int_equal(web_limit_admit(&l, src, now + 5000 + 60000 + 60000, &retry), WEB_LIMIT_OK);
    web_limit_destroy(&l);
}

/* A flood of new sources evicts the unlocked ones first: the locked-out
 * source stays locked out. */
static void test_eviction(void **state)
{
    struct web_limit l;
    char src[32];
    long long retry;
    (void)state;
    web_limit_init(&l, NULL);
    for (int i = 0; i < 6; i++)
        web_limit_failed(&l, "198.51.100.66", 1000);
    for (int i = 0; i < 4 * WEB_LIMIT_SLOTS; i++) {
        snprintf(src, sizeof(src), "203.0.113.%d:%d", i % 256, i);
        assert_int_equal(web_limit_admit(&l, src, 1000 + i / 8, &retry), WEB_LIMIT_OK);
    }
    assert_int_equal(web_limit_admit(&l, "198.51.100.66", 1500, &retry), WEB_LIMIT_LOCKED);
    /* a key longer than a slot's is cut, never overflows */
    char longkey[200];
    memset(longkey, 'x', sizeof(longkey) - 1);
    longkey[sizeof(longkey) - 1] = '\0';
    assert_int_equal(web_limit_admit(&l, longkey, 2000, &retry), WEB_LIMIT_OK);
    assert_int_equal(web_limit_admit(&l, "", 2000, &retry), WEB_LIMIT_OK);
    web_limit_destroy(&l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rate),
        cmocka_unit_test(test_lockout),
        cmocka_unit_test(test_eviction),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
