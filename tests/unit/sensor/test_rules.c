/* Unit tests for src/sensor/rules.c: the interface list and the rules'
 * text (nothing is installed here). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "common/buf.h"
#include "sensor/rules.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

static void test_ifaces(void **state)
{
    (void)state;
    char names[SENSOR_IFACES_MAX][16];
    assert_int_equal(sensor_rules_ifaces("eth0,veth-s.1", names, SENSOR_IFACES_MAX), 2);
    assert_string_equal(names[0], "eth0");
    assert_string_equal(names[1], "veth-s.1");
    assert_int_equal(sensor_rules_ifaces("", names, SENSOR_IFACES_MAX), 0);
    assert_int_equal(sensor_rules_ifaces("eth0,,eth1", names, SENSOR_IFACES_MAX), -EINVAL);
    assert_int_equal(sensor_rules_ifaces("eth0 -j ACCEPT", names, SENSOR_IFACES_MAX), -EINVAL);
    assert_int_equal(sensor_rules_ifaces("a234567890123456", names, SENSOR_IFACES_MAX), -EINVAL);
    assert_int_equal(sensor_rules_ifaces("a,b,c", names, 2), -EINVAL);
}

static void test_text(void **state)
{
    (void)state;
    char names[2][16] = {"eth0", "eth1"};
    uint16_t skip[1] = {2222};
    struct buf b;
    buf_init(&b, 1 << 16);
    assert_int_equal(sensor_rules_text(AF_INET, names, 2, 3114, skip, 1, &b), 0);
    assert_non_null(strstr(b.data, ":KARAKURI-SENSOR - [0:0]\n"));
    /* The socket check comes before any NFQUEUE. */
    const char *sock = strstr(b.data, "-m socket --nowildcard -j RETURN");
    const char *q = strstr(b.data, "-j NFQUEUE --queue-num 3114 --queue-bypass");
    assert_non_null(sock);
    assert_non_null(q);
    assert_true(sock < q);
    assert_non_null(strstr(b.data, "-p tcp --dport 2222 -j RETURN"));
    assert_non_null(strstr(b.data, "-p udp -m conntrack --ctstate NEW -j NFQUEUE"));
    assert_non_null(strstr(b.data, "-A INPUT -i eth1 -m comment --comment karakuri-sensor -j "
                                   "KARAKURI-SENSOR\n"));
    assert_non_null(strstr(b.data, "COMMIT\n"));
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ifaces),
        cmocka_unit_test(test_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
