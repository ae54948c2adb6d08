/* Unit tests for src/lan/tells.c: the init layer found in overlay2's
 * LowerDir, resolv.conf's content (the rest runs against the engine in tests/e2e/test_realism.sh).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "lan/tells.h"

#include <errno.h>

static void init_layer_first(void **state)
{
    (void)state;
    char out[256];
    assert_int_equal(0, lan_tells_init_layer("/var/lib/docker/overlay2/ab12-init/diff:"
                                             "/var/lib/docker/overlay2/cd34/diff",
                                             out, sizeof(out)));
    assert_string_equal("/var/lib/docker/overlay2/ab12-init/diff", out);
    assert_int_equal(0, lan_tells_init_layer("/x/y-init/diff", out, sizeof(out)));
    assert_string_equal("/x/y-init/diff", out);
}

static void init_layer_none(void **state)
{
    (void)state;
    char out[16];
    assert_int_equal(-ENOENT, lan_tells_init_layer(NULL, out, sizeof(out)));
    assert_int_equal(-ENOENT, lan_tells_init_layer("", out, sizeof(out)));
    /* The init layer is the first one or none. */
    assert_int_equal(-ENOENT, lan_tells_init_layer("/a/diff:/b-init/diff", out, sizeof(out)));
    assert_int_equal(-ENOENT, lan_tells_init_layer("-init/diff", out, sizeof(out)));
    assert_int_equal(-ENOENT, lan_tells_init_layer("relative-init/diff", out, sizeof(out)));
    /* Too long for out. */
    assert_int_equal(
        -ENOENT, lan_tells_init_layer("/var/lib/docker/overlay2/x-init/diff", out, sizeof(out)));
}

/* The LAN's .1, nothing else. */
static void resolv_conf(void **state)
{
    (void)state;
    char out[64];
    lan_tells_resolv_conf(0x0a0d0716u, out, sizeof(out));
    assert_string_equal(out, "nameserver 10.13.7.1\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(init_layer_first),
        cmocka_unit_test(init_layer_none),
        cmocka_unit_test(resolv_conf),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
