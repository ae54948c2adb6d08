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
    fixture_add(fx, EVENT_SESSION_CONNECT, "2026-01-01T00:00:00.000001Z",
                "{\"session\":\"s1\",\"src_ip\":\"198.51.100.7\",\"src_port\":40000}");
    fixture_add(fx, EVENT_LOGIN_FAILED, "2026-01-01T00:00:01.000000Z",
                "{\"session\":\"s1\",\"username\":\"a\",\"password\":\"b\"}");
    fixture_add(fx, EVENT_SESSION_CONNECT, "2026-01-01T00:00:01.500000Z",
                "{\"session\":\"s2\",\"src_ip\":\"198.51.100.8\"}");
    fixture_add(fx, EVENT_LOGIN_SUCCESS, "2026-01-01T00:00:02.000000Z",
                "{\"session\":\"s1\",\"username\":\"u\",\"password\":\"p\",\"honeynet\":\"hn1\"}");
    fixture_add(fx, EVENT_LAN_DECOY_STARTED, "2026-01-01T00:00:03.000000Z",
                "{\"honeynet\":\"hn1\",\"ip\":\"10.13.0.23\"}");
    fixture_add(fx, EVENT_LAN_DECOY_STARTED, "2026-01-01T00:00:03.500000Z",
                "{\"honeynet\":\"hn2\",\"ip\":\"10.13.1.23\"}");
    fixture_add(fx, EVENT_COMMAND_INPUT, "2026-01-01T00:00:04.000000Z",
                "{\"session\":\"s1\",\"input\":\"id\"}");
    fixture_add(fx, EVENT_COMMAND_EXIT, "2026-01-01T00:00:04.100000Z",
                "{\"session\":\"s1\",\"status\":0}");
    fixture_add(fx, EVENT_TTY_LOG, "2026-01-01T00:00:05.000000Z",
                "{\"session\":\"s1\",\"channel\":0,\"artifact\":\"00\"}");
    fixture_add(fx, EVENT_SESSION_CLOSED, "2026-01-01T00:00:06.000000Z",
                "{\"session\":\"s1\",\"duration_ms\":6000,\"reason\":\"eof\"}");
    /* after s1 closed: not what s1 reached */
    fixture_add(fx, EVENT_PROC_EXEC, "2026-01-01T00:00:07.000000Z",
                "{\"honeynet\":\"hn1\",\"argv\":[\"ls\"]}");
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture_free(*state);
    return 0;
}

static const char *field(json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

static void test_sessions_summary(void **state)
{
    struct fixture *fx = *state;
    json_t *list = NULL;
    char err[256];
    assert_int_equal(
        query_sessions(&(struct store_options){.dir = fx->dir}, &list, err, sizeof(err)), 0);
    assert_int_equal(json_array_size(list), 2);
    json_t *s1 = json_array_get(list, 0), *s2 = json_array_get(list, 1);
    assert_string_equal(field(s1, "session"), "s1");
    assert_string_equal(field(s1, "start"), "2026-01-01T00:00:00.000001Z");
    assert_string_equal(field(s1, "src_ip"), "198.51.100.7");
    assert_string_equal(field(s1, "username"), "u");
    assert_string_equal(field(s1, "honeynet"), "hn1");
    assert_string_equal(field(s1, "reason"), "eof");
    assert_int_equal(json_integer_value(json_object_get(s1, "failed_logins")), 1);
    assert_int_equal(json_integer_value(json_object_get(s1, "commands")), 1); /* not exit */
    assert_int_equal(json_integer_value(json_object_get(s1, "duration_ms")), 6000);
    assert_string_equal(field(s2, "session"), "s2");
    assert_null(json_object_get(s2, "reason"));
    json_decref(list);
}

static void test_session_full_with_reached(void **state)
{
    struct fixture *fx = *state;
    json_t *evs = NULL;
    char err[256];
    assert_int_equal(
        query_session(&(struct store_options){.dir = fx->dir}, "s1", &evs, err, sizeof(err)), 0);
    /* 7 of its own, then the decoy of hn1 started while it was open; not
     * hn2's, not the exec after it closed */
    assert_int_equal(json_array_size(evs), 8);
    json_t *last = json_array_get(evs, 7);
    assert_string_equal(field(last, "type"), "lan.decoy_started");
    assert_string_equal(field(last, "honeynet"), "hn1");
    json_decref(evs);
    assert_int_equal(
        query_session(&(struct store_options){.dir = fx->dir}, "nope", &evs, err, sizeof(err)), 0);
    assert_int_equal(json_array_size(evs), 0);
    json_decref(evs);
}

static void test_session_events_by_type(void **state)
{
    struct fixture *fx = *state;
    json_t *evs = NULL;
    char err[256];
    assert_int_equal(query_session_events(&(struct store_options){.dir = fx->dir}, "s1", "tty.log",
                                          &evs, err, sizeof(err)),
                     0);
    assert_int_equal(json_array_size(evs), 1);
    json_decref(evs);
    assert_int_equal(query_session_events(&(struct store_options){.dir = fx->dir}, "s1", "login",
                                          &evs, err, sizeof(err)),
                     0);
    assert_int_equal(json_array_size(evs), 2);
    json_decref(evs);
    assert_int_equal(query_session_events(&(struct store_options){.dir = fx->dir}, "s2", "login",
                                          &evs, err, sizeof(err)),
                     0);
    assert_int_equal(json_array_size(evs), 0);
    json_decref(evs);
}

static void test_no_store_is_empty(void **state)
{
    (void)state;
    char *dir = tmpdir_new();
    json_t *list = NULL;
    char err[256];
    assert_int_equal(query_sessions(&(struct store_options){.dir = dir}, &list, err, sizeof(err)),
                     0);
    assert_int_equal(json_array_size(list), 0);
    json_decref(list);
    assert_int_equal(
        query_session(&(struct store_options){.dir = dir}, "s1", &list, err, sizeof(err)), 0);
    assert_int_equal(json_array_size(list), 0);
    json_decref(list);
    tmpdir_free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_sessions_summary, setup, teardown),
        cmocka_unit_test_setup_teardown(test_session_full_with_reached, setup, teardown),
        cmocka_unit_test_setup_teardown(test_session_events_by_type, setup, teardown),
        cmocka_unit_test(test_no_store_is_empty),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
