/* Unit tests for src/sensor/policy.c: open modes, the deny list,
 * max_open_ports, the sliding-window throttle, idle closing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "sensor/packet.h"
#include "sensor/policy.h"

#include <errno.h>

#define TCP SENSOR_PROTO_TCP
#define UDP SENSOR_PROTO_UDP

static struct sensor_policy *make(enum sensor_open_mode mode, unsigned after, unsigned max,
                                  unsigned throttle, long long window_ms, long long idle_ms)
{
    static const struct sensor_port_range deny[] = {{23, 23}, {6000, 6063}};
    struct sensor_policy_opts o = {mode, after, deny, 2, max, throttle, window_ms, idle_ms};
    struct sensor_policy *p = NULL;
    assert_int_equal(sensor_policy_new(&o, &p), 0);
    return p;
}

/* probe, and open when told to. */
static enum sensor_decision probe(struct sensor_policy *p, uint8_t proto, uint16_t port,
                                  long long now)
{
    enum sensor_decision d = sensor_policy_probe(p, proto, port, now);
    if (d == SENSOR_DECIDE_OPEN)
        assert_int_equal(sensor_policy_opened(p, proto, port, now), 0);
    return d;
}

static void test_first(void **state)
{
    (void)state;
    struct sensor_policy *p = make(SENSOR_OPEN_FIRST, 0, 100, 100, 1000, 60000);
    assert_int_equal(probe(p, TCP, 4444, 0), SENSOR_DECIDE_OPEN);
    assert_true(sensor_policy_is_open(p, TCP, 4444));
    assert_false(sensor_policy_is_open(p, UDP, 4444));
    assert_int_equal(probe(p, TCP, 4444, 1), SENSOR_DECIDE_IS_OPEN);
    assert_int_equal(sensor_policy_opened(p, TCP, 4444, 1), -EEXIST);
    assert_int_equal(probe(p, UDP, 4444, 1), SENSOR_DECIDE_OPEN);
    assert_int_equal(probe(p, TCP, 23, 1), SENSOR_DECIDE_DENY);
    assert_int_equal(probe(p, UDP, 6010, 1), SENSOR_DECIDE_DENY);
    assert_int_equal(probe(p, UDP, 6064, 1), SENSOR_DECIDE_OPEN);
    assert_int_equal(sensor_policy_open_count(p), 3);
    assert_string_equal(sensor_decision_name(SENSOR_DECIDE_THROTTLE), "throttle");
    sensor_policy_free(p);
}

static void test_after_never(void **state)
{
    (void)state;
    struct sensor_policy *p = make(SENSOR_OPEN_AFTER, 2, 100, 100, 1000, 60000);
    assert_int_equal(probe(p, TCP, 80, 0), SENSOR_DECIDE_COUNT);
    assert_int_equal(probe(p, TCP, 80, 0), SENSOR_DECIDE_COUNT);
    assert_int_equal(probe(p, TCP, 81, 0), SENSOR_DECIDE_COUNT);
    assert_int_equal(probe(p, TCP, 80, 0), SENSOR_DECIDE_OPEN);
    sensor_policy_free(p);
    p = make(SENSOR_OPEN_NEVER, 0, 100, 100, 1000, 60000);
    for (int i = 0; i < 5; i++)
        assert_int_equal(probe(p, TCP, 80, 0), SENSOR_DECIDE_NEVER);
    assert_int_equal(sensor_policy_open_count(p), 0);
    sensor_policy_free(p);
}

/* A 1000-port scan opens at most the throttle's K per window. */
static void test_throttle(void **state)
{
    (void)state;
    struct sensor_policy *p = make(SENSOR_OPEN_FIRST, 0, 1024, 10, 60000, 3600000);
    unsigned opened = 0, throttled = 0;
    for (unsigned port = 1000; port < 2000; port++) {
        enum sensor_decision d = probe(p, TCP, (uint16_t)port, port - 1000);
        opened += d == SENSOR_DECIDE_OPEN;
        throttled += d == SENSOR_DECIDE_THROTTLE;
    }
    assert_int_equal(opened, 10);
    assert_int_equal(throttled, 990);
    /* The window slides: a minute after the first open, one more. */
    assert_int_equal(probe(p, TCP, 3000, 59999), SENSOR_DECIDE_THROTTLE);
    assert_int_equal(probe(p, TCP, 3000, 60000), SENSOR_DECIDE_OPEN);
    assert_int_equal(probe(p, TCP, 3001, 60000), SENSOR_DECIDE_THROTTLE);
    assert_int_equal(probe(p, TCP, 3001, 60001), SENSOR_DECIDE_OPEN);
    sensor_policy_free(p);
}

static void test_max(void **state)
{
    (void)state;
    struct sensor_policy *p = make(SENSOR_OPEN_FIRST, 0, 3, 100, 1000, 60000);
    assert_int_equal(probe(p, TCP, 1, 0), SENSOR_DECIDE_OPEN);
    assert_int_equal(probe(p, TCP, 2, 0), SENSOR_DECIDE_OPEN);
    assert_int_equal(probe(p, UDP, 2, 0), SENSOR_DECIDE_OPEN);
    assert_int_equal(probe(p, TCP, 3, 0), SENSOR_DECIDE_MAX);
    assert_int_equal(sensor_policy_opened(p, TCP, 3, 0), -ENOSPC);
    sensor_policy_free(p);
}

static void test_idle(void **state)
{
    (void)state;
    struct sensor_port out[8];
    struct sensor_policy *p = make(SENSOR_OPEN_FIRST, 0, 10, 100, 1000, 5000);
    assert_int_equal(probe(p, TCP, 4444, 0), SENSOR_DECIDE_OPEN);
    assert_int_equal(probe(p, UDP, 5555, 0), SENSOR_DECIDE_OPEN);
    sensor_policy_touch(p, TCP, 4444, 3000);
    sensor_policy_touch(p, TCP, 9, 3000); /* not open: nothing */
    assert_int_equal(sensor_policy_expire(p, 4999, out, 8), 0);
    assert_int_equal(sensor_policy_expire(p, 5000, out, 8), 1);
    assert_int_equal(out[0].proto, UDP);
    assert_int_equal(out[0].port, 5555);
    assert_false(sensor_policy_is_open(p, UDP, 5555));
    assert_int_equal(sensor_policy_expire(p, 8000, out, 8), 1);
    assert_int_equal(out[0].port, 4444);
    assert_int_equal(sensor_policy_open_count(p), 0);
    /* Closed, probed again: it opens again. */
    assert_int_equal(probe(p, UDP, 5555, 9000), SENSOR_DECIDE_OPEN);
    sensor_policy_free(p);
}

static void test_bad_opts(void **state)
{
    (void)state;
    struct sensor_policy *p = NULL;
    struct sensor_port_range bad = {10, 5};
    struct sensor_policy_opts o = {SENSOR_OPEN_FIRST, 0, NULL, 0, 0, 1, 1, 1};
    assert_int_equal(sensor_policy_new(&o, &p), -EINVAL);
    o.max_open = 1;
    o.deny = &bad;
    o.ndeny = 1;
    assert_int_equal(sensor_policy_new(&o, &p), -EINVAL);
    assert_null(p);
    sensor_policy_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_first),    cmocka_unit_test(test_after_never),
        cmocka_unit_test(test_throttle), cmocka_unit_test(test_max),
        cmocka_unit_test(test_idle),     cmocka_unit_test(test_bad_opts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
