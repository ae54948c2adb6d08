#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "query/query.h"
#include "store/store.h"
#include "store_fixture.h"

/* The store half of the hosts read model (the Docker half is covered by the
 * e2e tests): one honeynet's decoys and flows, nothing of another's. */
static void test_lan_of_one_honeynet(void **state)
{
    (void)state;
    struct fixture *fx = fixture_new();
    fixture_add(fx, EVENT_LAN_DECOY_STARTED, "2026-01-01T00:00:00.000000Z",
                "{\"honeynet\":\"hn1\",\"ip\":\"10.13.0.23\",\"trigger\":\"arp\","
                "\"src_ip\":\"10.13.0.2\",\"role\":\"web\",\"container\":\"c\","
                "\"hostname\":\"web1\",\"mac\":\"02:00:00:00:00:01\",\"latency_ms\":9}");
    fixture_add(fx, EVENT_LAN_DECOY_STARTED, "2026-01-01T00:00:01.000000Z",
                "{\"honeynet\":\"hn2\",\"ip\":\"10.13.1.23\",\"trigger\":\"arp\",\"src_ip\":\"x\","
                "\"role\":\"web\",\"container\":\"c\",\"hostname\":\"h\",\"mac\":\"m\","
                "\"latency_ms\":1}");
    fixture_add(fx, EVENT_LAN_FLOW, "2026-01-01T00:00:02.000000Z",
                "{\"honeynet\":\"hn1\",\"src_ip\":\"10.13.0.2\",\"dst_ip\":\"10.13.0.23\","
                "\"dst_port\":22,\"proto\":\"tcp\",\"extra\":1}");
    fixture_add(fx, EVENT_LAN_DECOY_STOPPED, "2026-01-01T00:00:03.000000Z",
                "{\"honeynet\":\"hn1\",\"ip\":\"10.13.0.23\",\"reason\":\"idle\"}");
    fixture_add(fx, EVENT_LOGIN_SUCCESS, "2026-01-01T00:00:04.000000Z", "{\"honeynet\":\"hn1\"}");
    json_t *lan = NULL;
    char err[256];
    assert_int_equal(
        query_lan(&(struct store_options){.dir = fx->dir}, "hn1", &lan, err, sizeof(err)), 0);
    json_t *decoys = json_object_get(lan, "decoys");
    assert_int_equal(json_object_size(decoys), 1);
    json_t *dc = json_object_get(decoys, "10.13.0.23");
    assert_string_equal(json_string_value(json_object_get(dc, "state")), "stopped");
    assert_string_equal(json_string_value(json_object_get(dc, "reason")), "idle");
    assert_string_equal(json_string_value(json_object_get(dc, "from")), "10.13.0.2");
    json_t *flows = json_object_get(lan, "flows");
    assert_int_equal(json_array_size(flows), 1);
    assert_null(json_object_get(json_array_get(flows, 0), "extra"));
    json_decref(lan);
    assert_int_equal(
        query_lan(&(struct store_options){.dir = fx->dir}, "hn3", &lan, err, sizeof(err)), 0);
    assert_int_equal(json_object_size(json_object_get(lan, "decoys")), 0);
    json_decref(lan);
    fixture_free(fx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lan_of_one_honeynet),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
