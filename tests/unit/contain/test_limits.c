/* Unit tests for src/contain/limits.c: HostConfig and cgroup counters. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "config/config.h"
#include "contain/limits.h"

static void test_host_config(void **state)
{
    (void)state;
    struct config c;
    config_init(&c);
    json_t *hc = json_object();
    contain_host_config(&c, hc);
    assert_int_equal(json_integer_value(json_object_get(hc, "Memory")), 256 << 20);
    assert_int_equal(json_integer_value(json_object_get(hc, "MemorySwap")), 256 << 20);
    assert_int_equal(json_integer_value(json_object_get(hc, "NanoCpus")), 500000000);
    assert_int_equal(json_integer_value(json_object_get(hc, "PidsLimit")), 256);
    json_t *u = json_array_get(json_object_get(hc, "Ulimits"), 0);
    assert_string_equal(json_string_value(json_object_get(u, "Name")), "nofile");
    assert_int_equal(json_integer_value(json_object_get(u, "Hard")), 4096);
    u = json_array_get(json_object_get(hc, "Ulimits"), 1);
    assert_string_equal(json_string_value(json_object_get(u, "Name")), "fsize");
    assert_int_equal(json_integer_value(json_object_get(u, "Hard")), 2LL << 30);
    assert_true(json_array_size(json_object_get(hc, "CapDrop")) > 0);
    /* no_new_privileges off by default: the images' setuid set is cut
     * instead (passwd and crontab work) */
    assert_null(json_object_get(hc, "SecurityOpt"));
    /* Never the seccomp profile: Docker's default stays. */
    assert_null(json_object_get(hc, "Privileged"));
    json_decref(hc);

    c.containment.no_new_privileges = true;
    c.containment.swap_bytes = 1 << 20;
    hc = json_object();
    contain_host_config(&c, hc);
    assert_string_equal(json_string_value(json_array_get(json_object_get(hc, "SecurityOpt"), 0)),
                        "no-new-privileges");
    assert_int_equal(json_integer_value(json_object_get(hc, "MemorySwap")),
                     (256 << 20) + (1 << 20));
    json_decref(hc);
    config_free(&c);
}

static void test_cgroup_value(void **state)
{
    (void)state;
    const char *oom = "oom_kill_disable 0\nunder_oom 0\noom_kill 3\n";
    assert_int_equal(contain_cgroup_value(oom, "oom_kill"), 3);
    assert_int_equal(contain_cgroup_value(oom, "under_oom"), 0);
    assert_int_equal(contain_cgroup_value("max 12", "max"), 12);
    assert_int_equal(contain_cgroup_value("nr_periods 5\nnr_throttled 2\n", "nr_throttled"), 2);
    assert_int_equal(contain_cgroup_value("", "max"), 0);
    assert_int_equal(contain_cgroup_value("maxi 4\n", "max"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_host_config),
        cmocka_unit_test(test_cgroup_value),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
