#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "query/query.h"
#include "store/store.h"
#include "store_fixture.h"

static int collect(json_t *obj, void *ud)
{
    json_array_append(ud, obj);
    return 0;
}

static void test_export_maps_and_filters(void **state)
{
    (void)state;
    struct fixture *fx = fixture_new();
    fixture_add(fx, EVENT_SESSION_CONNECT, "2026-01-01T00:00:00.000000Z",
                "{\"session\":\"s1\",\"src_ip\":\"198.51.100.7\",\"src_port\":4,"
                "\"dst_ip\":\"203.0.113.1\",\"dst_port\":22}");
    fixture_add(fx, EVENT_LAN_ARP, "2026-01-01T00:00:01.000000Z", "{\"honeynet\":\"h\"}");
    fixture_add(fx, EVENT_COMMAND_EXEC, "2026-01-01T00:00:02.000000Z",
                "{\"session\":\"s1\",\"command\":\"uname -a\"}");
    fixture_add(fx, EVENT_PROC_EXEC, "2026-01-01T00:00:02.500000Z", "{\"session\":\"s1\"}");
    fixture_add(fx, EVENT_SESSION_CLOSED, "2026-01-01T00:00:03.000000Z",
                "{\"session\":\"s1\",\"duration_ms\":1500,\"reason\":\"eof\"}");
    json_t *got = json_array();
    char err[256];
    assert_int_equal(query_export_cowrie(&(struct store_options){.dir = fx->dir}, 0, collect, got,
                                         err, sizeof(err)),
                     0);
    assert_int_equal(json_array_size(got), 3);
    char *s = json_dumps(json_array_get(got, 0), JSON_COMPACT);
    assert_string_equal(s, "{\"eventid\":\"cowrie.session.connect\",\"timestamp\":"
                           "\"2026-01-01T00:00:00.000000Z\",\"session\":\"s1\",\"src_ip\":"
                           "\"198.51.100.7\",\"sensor\":\"unit\",\"protocol\":\"ssh\","
                           "\"src_port\":4,\"dst_port\":22,\"dst_ip\":\"203.0.113.1\"}");
    free(s);
    json_t *cmd = json_array_get(got, 1);
    assert_string_equal(json_string_value(json_object_get(cmd, "input")), "uname -a");
    assert_null(json_object_get(cmd, "src_port"));
    assert_true(json_is_null(json_object_get(cmd, "src_ip")));
    json_t *closed = json_array_get(got, 2);
    assert_true(json_real_value(json_object_get(closed, "duration")) == 1.5);
    json_array_clear(got);

    long long since = 0;
    assert_int_equal(util_rfc3339_parse("2026-01-01T00:00:02Z", &since), 0);
    assert_int_equal(query_export_cowrie(&(struct store_options){.dir = fx->dir}, since, collect,
                                         got, err, sizeof(err)),
                     0);
    assert_int_equal(json_array_size(got), 2);
    json_decref(got);
    fixture_free(fx);
}

static int stop_at_one(json_t *obj, void *ud)
{
    (void)obj;
    (*(int *)ud)++;
    return -EPIPE;
}

static void test_export_stops_and_empty(void **state)
{
    (void)state;
    struct fixture *fx = fixture_new();
    char err[256];
    int n = 0;
    assert_int_equal(query_export_cowrie(&(struct store_options){.dir = fx->dir}, 0, stop_at_one,
                                         &n, err, sizeof(err)),
                     0);
    assert_int_equal(n, 0);
    fixture_add(fx, EVENT_LOGIN_FAILED, "2026-01-01T00:00:00.000000Z", "{\"session\":\"s\"}");
    fixture_add(fx, EVENT_LOGIN_FAILED, "2026-01-01T00:00:01.000000Z", "{\"session\":\"s\"}");
    assert_int_equal(query_export_cowrie(&(struct store_options){.dir = fx->dir}, 0, stop_at_one,
                                         &n, err, sizeof(err)),
                     -EPIPE);
    assert_int_equal(n, 1);
    fixture_free(fx);
    char *dir = tmpdir_new();
    assert_int_equal(query_export_cowrie(&(struct store_options){.dir = dir}, 0, stop_at_one, &n,
                                         err, sizeof(err)),
                     0);
    tmpdir_free(dir);
}

/* The fetcher records a download by container and honeynet: the export
 * gives it to the session open on that honeynet then, with the attacker's
 * address, as Cowrie's file_download.failed (nothing fetched); the session
 * view lists it too. */
static void test_export_download_to_session(void **state)
{
    (void)state;
    struct fixture *fx = fixture_new();
    fixture_add(fx, EVENT_LOGIN_SUCCESS, "2026-01-01T00:00:01.000000Z",
                "{\"session\":\"s1\",\"src_ip\":\"198.51.100.7\",\"honeynet\":\"hn1\"}");
    fixture_add(fx, EVENT_FILE_DOWNLOAD, "2026-01-01T00:00:02.000000Z",
                "{\"honeynet\":\"hn1\",\"src_ip\":\"10.13.0.2\",\"src_port\":5,"
                "\"url\":\"http://203.0.113.10/bot.x86\",\"fetched\":false}");
    fixture_add(fx, EVENT_FILE_DOWNLOAD, "2026-01-01T00:00:02.500000Z",
                "{\"honeynet\":\"hn2\",\"url\":\"http://203.0.113.10/other\",\"fetched\":false}");
    fixture_add(fx, EVENT_SESSION_CLOSED, "2026-01-01T00:00:03.000000Z",
                "{\"session\":\"s1\",\"duration_ms\":2000}");
    fixture_add(fx, EVENT_FILE_DOWNLOAD, "2026-01-01T00:00:04.000000Z",
                "{\"honeynet\":\"hn1\",\"url\":\"http://203.0.113.10/late\",\"fetched\":false}");
    json_t *got = json_array();
    char err[256];
    assert_int_equal(query_export_cowrie(&(struct store_options){.dir = fx->dir}, 0, collect, got,
                                         err, sizeof(err)),
                     0);
    assert_int_equal(json_array_size(got), 3); /* login, hn1's download, closed */
    json_t *dl = json_array_get(got, 1);
    assert_string_equal(json_string_value(json_object_get(dl, "eventid")),
                        "cowrie.session.file_download.failed");
    assert_string_equal(json_string_value(json_object_get(dl, "session")), "s1");
    assert_string_equal(json_string_value(json_object_get(dl, "src_ip")), "198.51.100.7");
    assert_string_equal(json_string_value(json_object_get(dl, "url")),
                        "http://203.0.113.10/bot.x86");
    assert_null(json_object_get(dl, "src_port"));
    json_decref(got);

    json_t *evs = NULL;
    assert_int_equal(
        query_session(&(struct store_options){.dir = fx->dir}, "s1", &evs, err, sizeof(err)), 0);
    assert_int_equal(json_array_size(evs), 3); /* its 2, then hn1's download while open */
    assert_string_equal(json_string_value(json_object_get(json_array_get(evs, 2), "url")),
                        "http://203.0.113.10/bot.x86");
    json_decref(evs);
    fixture_free(fx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_export_maps_and_filters),
        cmocka_unit_test(test_export_stops_and_empty),
        cmocka_unit_test(test_export_download_to_session),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
