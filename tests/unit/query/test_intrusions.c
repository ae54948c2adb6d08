/* intrusions: sources grouped (first, last, sessions, hosts, downloads), a
 * hop's session not a source of its own, and the graph of one source:
 * attacker to gateway logins, hops to decoys, flows between hosts. */
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

static int setup(void **state)
{
    struct fixture *fx = fixture_new();
    fixture_add(fx, EVENT_SESSION_CONNECT, "2026-01-01T00:00:00.000000Z",
                "{\"session\":\"a1\",\"src_ip\":\"198.51.100.7\",\"src_port\":1}");
    fixture_add(fx, EVENT_LOGIN_SUCCESS, "2026-01-01T00:00:01.000000Z",
                "{\"session\":\"a1\",\"src_ip\":\"198.51.100.7\",\"honeynet\":\"hn1\"}");
    fixture_add(fx, EVENT_LAN_DECOY_STARTED, "2026-01-01T00:00:02.000000Z",
                "{\"honeynet\":\"hn1\",\"ip\":\"10.13.0.23\",\"role\":\"web\","
                "\"container\":\"kk-d23\",\"hostname\":\"web1\",\"trigger\":\"arp\","
                "\"src_ip\":\"10.13.0.2\",\"mac\":\"m\",\"latency_ms\":1}");
    fixture_add(fx, EVENT_LAN_DECOY_STARTED, "2026-01-01T00:00:02.500000Z",
                "{\"honeynet\":\"hn1\",\"ip\":\"10.13.0.24\",\"role\":\"clone\","
                "\"container\":\"kk-d24\",\"hostname\":\"db1\",\"trigger\":\"arp\","
                "\"src_ip\":\"10.13.0.23\",\"mac\":\"m\",\"latency_ms\":1}");
    fixture_add(fx, EVENT_LAN_FLOW, "2026-01-01T00:00:03.000000Z",
                "{\"honeynet\":\"hn1\",\"src_ip\":\"10.13.0.2\",\"dst_ip\":\"10.13.0.23\","
                "\"dst_port\":22,\"proto\":\"tcp\"}");
    fixture_add(fx, EVENT_LAN_FLOW, "2026-01-01T00:00:03.500000Z",
                "{\"honeynet\":\"hn1\",\"src_ip\":\"10.13.0.23\",\"dst_ip\":\"10.13.0.24\","
                "\"dst_port\":80,\"proto\":\"tcp\"}");
    fixture_add(fx, EVENT_LAN_FLOW, "2026-01-01T00:00:03.600000Z",
                "{\"honeynet\":\"hn1\",\"src_ip\":\"10.13.0.2\",\"dst_ip\":\"10.13.0.99\","
                "\"dst_port\":80,\"proto\":\"tcp\"}");
    fixture_add(fx, EVENT_SESSION_CONNECT, "2026-01-01T00:00:04.000000Z",
                "{\"session\":\"h1\",\"src_ip\":\"10.13.0.2\",\"src_port\":2}");
    fixture_add(fx, EVENT_SESSION_HOP, "2026-01-01T00:00:04.100000Z",
                "{\"session\":\"h1\",\"src_ip\":\"10.13.0.2\",\"honeynet\":\"hn1\","
                "\"dst_ip\":\"10.13.0.23\",\"from_session\":\"a1\",\"host\":\"web1\"}");
    fixture_add(fx, EVENT_FILE_DOWNLOAD, "2026-01-01T00:00:05.000000Z",
                "{\"honeynet\":\"hn1\",\"url\":\"http://203.0.113.5/x\"}");
    fixture_add(fx, EVENT_SESSION_CONNECT, "2026-01-01T00:00:06.000000Z",
                "{\"session\":\"a2\",\"src_ip\":\"198.51.100.7\",\"src_port\":3}");
    fixture_add(fx, EVENT_LOGIN_SUCCESS, "2026-01-01T00:00:07.000000Z",
                "{\"session\":\"a2\",\"src_ip\":\"198.51.100.7\",\"honeynet\":\"hn1\"}");
    fixture_add(fx, EVENT_SESSION_CONNECT, "2026-01-01T00:00:08.000000Z",
                "{\"session\":\"b1\",\"src_ip\":\"198.51.100.8\",\"src_port\":4}");
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture_free(*state);
    return 0;
}

static void test_list(void **state)
{
    struct fixture *fx = *state;
    struct store_options so = {.dir = fx->dir};
    json_t *l = NULL;
    char err[256];
    assert_int_equal(query_intrusions(&so, &l, err, sizeof(err)), 0);
    assert_int_equal(json_array_size(l), 2);
    json_t *a = json_array_get(l, 0), *b = json_array_get(l, 1);
    assert_string_equal(json_string_value(json_object_get(a, "src")), "198.51.100.7");
    assert_string_equal(json_string_value(json_object_get(a, "first")),
                        "2026-01-01T00:00:00.000000Z");
    assert_string_equal(json_string_value(json_object_get(a, "last")),
                        "2026-01-01T00:00:06.000000Z");
    assert_int_equal(json_integer_value(json_object_get(a, "sessions")), 2);
    assert_int_equal(json_integer_value(json_object_get(a, "hosts")), 3); /* gw, decoy, clone */
    assert_int_equal(json_integer_value(json_object_get(a, "downloads")), 1);
    assert_string_equal(json_string_value(json_object_get(b, "src")), "198.51.100.8");
    assert_int_equal(json_integer_value(json_object_get(b, "sessions")), 1);
    assert_int_equal(json_integer_value(json_object_get(b, "hosts")), 0);
    assert_int_equal(json_integer_value(json_object_get(b, "downloads")), 0);
    json_decref(l);
}

static json_t *find_edge(json_t *g, const char *src, const char *dst, const char *kind)
{
    json_t *e;
    size_t i;
    json_array_foreach(json_object_get(g, "edges"), i, e)
    {
        if (strcmp(json_string_value(json_object_get(e, "source")), src) == 0 &&
            strcmp(json_string_value(json_object_get(e, "target")), dst) == 0 &&
            strcmp(json_string_value(json_object_get(e, "kind")), kind) == 0)
            return e;
    }
    return NULL;
}

static const char *kind_of(json_t *g, const char *id)
{
    json_t *n;
    size_t i;
    json_array_foreach(json_object_get(g, "nodes"), i, n)
    {
        if (strcmp(json_string_value(json_object_get(n, "id")), id) == 0)
            return json_string_value(json_object_get(n, "kind"));
    }
    return NULL;
}

static void test_graph(void **state)
{
    struct fixture *fx = *state;
    struct store_options so = {.dir = fx->dir};
    json_t *g = NULL;
    char err[256];
    assert_int_equal(query_intrusion_graph(&so, "198.51.100.7", &g, err, sizeof(err)), 0);
    assert_int_equal(json_array_size(json_object_get(g, "nodes")), 4);
    assert_string_equal(kind_of(g, "attacker:198.51.100.7"), "attacker");
    assert_string_equal(kind_of(g, "gateway:hn1"), "gateway");
    assert_string_equal(kind_of(g, "hn1/10.13.0.23"), "decoy");
    assert_string_equal(kind_of(g, "hn1/10.13.0.24"), "clone");
    json_t *e = find_edge(g, "attacker:198.51.100.7", "gateway:hn1", "login");
    assert_non_null(e);
    assert_int_equal(json_integer_value(json_object_get(e, "count")), 2);
    assert_string_equal(json_string_value(json_object_get(e, "first")),
                        "2026-01-01T00:00:00.000000Z");
    assert_string_equal(json_string_value(json_object_get(e, "last")),
                        "2026-01-01T00:00:06.000000Z");
    e = find_edge(g, "gateway:hn1", "hn1/10.13.0.23", "hop");
    assert_non_null(e);
    assert_int_equal(json_integer_value(json_object_get(e, "count")), 1);
    assert_non_null(find_edge(g, "gateway:hn1", "hn1/10.13.0.23", "flow"));
    assert_non_null(find_edge(g, "hn1/10.13.0.23", "hn1/10.13.0.24", "flow"));
    assert_int_equal(json_array_size(json_object_get(g, "edges")), 4); /* not to .99 */
    json_t *n;
    size_t i;
    json_array_foreach(json_object_get(g, "nodes"), i, n)
    {
        if (strcmp(json_string_value(json_object_get(n, "id")), "hn1/10.13.0.24") == 0) {
            assert_string_equal(json_string_value(json_object_get(n, "container")), "kk-d24");
            assert_string_equal(json_string_value(json_object_get(n, "label")), "db1");
            assert_string_equal(json_string_value(json_object_get(n, "ip")), "10.13.0.24");
        }
    }
    json_decref(g);
    assert_int_equal(query_intrusion_graph(&so, "198.51.100.9", &g, err, sizeof(err)), -ENOENT);
    assert_int_equal(query_intrusion_graph(&so, "10.13.0.2", &g, err, sizeof(err)), -ENOENT);
}

static void test_empty_store(void **state)
{
    char *dir = tmpdir_new(), err[256];
    struct store_options so = {.dir = dir};
    json_t *l = NULL;
    (void)state;
    assert_int_equal(query_intrusions(&so, &l, err, sizeof(err)), 0);
    assert_int_equal(json_array_size(l), 0);
    json_decref(l);
    tmpdir_free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_list, setup, teardown),
        cmocka_unit_test_setup_teardown(test_graph, setup, teardown),
        cmocka_unit_test(test_empty_store),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
