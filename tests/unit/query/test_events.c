/* events: pages chained by next (every event once, in order), filters, the
 * store's health (the newest event read first), an empty store. */
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
#include "common/util.h"
#include "store_fixture.h"

static int setup(void **state)
{
    struct fixture *fx = fixture_new();
    char ts[64];
    for (int i = 0; i < 25; i++) {
        snprintf(ts, sizeof(ts), "2026-01-01T00:00:%02dZ", i);
        fixture_add(fx, i % 5 ? EVENT_LOGIN_FAILED : EVENT_SESSION_CONNECT, ts,
                    i < 10 ? "{\"session\":\"s1\"}" : "{\"session\":\"s2\"}");
    }
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture_free(*state);
    return 0;
}

static void test_pages(void **state)
{
    struct fixture *fx = *state;
    struct store_options so = {.dir = fx->dir};
    struct store_event_filter f = {0};
    char err[256];
    int pages = 0;
    size_t n = 0;
    long long last_ts = -1;
    for (;;) {
        json_t *page = NULL, *ev;
        size_t i;
        assert_int_equal(query_events_page(&so, &f, 10, &page, err, sizeof(err)), 0);
        json_array_foreach(json_object_get(page, "events"), i, ev)
        {
            long long us;
            assert_int_equal(util_rfc3339_parse(json_string_value(json_object_get(ev, "ts")), &us),
                             0);
            assert_true(us > last_ts);
            last_ts = us;
            n++;
        }
        pages++;
        json_t *next = json_object_get(page, "next");
        bool last = json_is_null(next);
        f.after_id = json_integer_value(next);
        json_decref(page);
        if (last)
            break;
        assert_true(pages < 10);
    }
    assert_int_equal(pages, 3);
    assert_int_equal(n, 25);

    /* exactly a page: next is null, not a cursor to an empty page */
    json_t *page = NULL;
    struct store_event_filter g = {.session = "s1"};
    assert_int_equal(query_events_page(&so, &g, 10, &page, err, sizeof(err)), 0);
    assert_int_equal(json_array_size(json_object_get(page, "events")), 10);
    assert_true(json_is_null(json_object_get(page, "next")));
    json_decref(page);
    struct store_event_filter h = {.type = "session.connect"};
    assert_int_equal(query_events_page(&so, &h, 100, &page, err, sizeof(err)), 0);
    assert_int_equal(json_array_size(json_object_get(page, "events")), 5);
    json_decref(page);
}

static void test_health(void **state)
{
    struct fixture *fx = *state;
    struct store_options so = {.dir = fx->dir};
    json_t *h = NULL;
    char err[256];
    assert_int_equal(query_health(&so, "edge-1", &h, err, sizeof(err)), 0);
    assert_string_equal(json_string_value(json_object_get(h, "sensor")), "edge-1");
    assert_string_equal(json_string_value(json_object_get(h, "store")), "sqlite");
    assert_true(json_integer_value(json_object_get(h, "schema_version")) >= 1);
    assert_string_equal(json_string_value(json_object_get(h, "last_event")),
                        "2026-01-01T00:00:24.000000Z");
    assert_int_equal(json_integer_value(json_object_get(h, "last_id")), 25);
    json_decref(h);
}

static void test_empty_store(void **state)
{
    char *dir = tmpdir_new(), err[256];
    struct store_options so = {.dir = dir};
    struct store_event_filter f = {0};
    json_t *o = NULL;
    (void)state;
    assert_int_equal(query_health(&so, "x", &o, err, sizeof(err)), 0);
    assert_true(json_is_null(json_object_get(o, "last_event")));
    json_decref(o);
    assert_int_equal(query_events_page(&so, &f, 10, &o, err, sizeof(err)), 0);
    assert_int_equal(json_array_size(json_object_get(o, "events")), 0);
    assert_true(json_is_null(json_object_get(o, "next")));
    json_decref(o);
    tmpdir_free(dir);
}

/* ports and payloads: the port.* events of their kind only, paged; none of
 * them in a store without the sensor's events. */
static void test_ports(void **state)
{
    struct fixture *fx = fixture_new();
    struct store_options so = {.dir = fx->dir};
    char err[256];
    json_t *o = NULL;
    (void)state;
    assert_int_equal(query_ports_page(&so, 0, 10, false, &o, err, sizeof(err)), 0);
    assert_int_equal(json_array_size(json_object_get(o, "events")), 0);
    assert_true(json_is_null(json_object_get(o, "next")));
    json_decref(o);
    fixture_add(fx, EVENT_PORT_PROBE, "2026-01-01T00:00:00Z", "{\"port\":23}");
    fixture_add(fx, EVENT_PORT_OPENED, "2026-01-01T00:00:01Z", "{\"port\":23}");
    fixture_add(fx, EVENT_PORT_PAYLOAD, "2026-01-01T00:00:02Z", "{\"port\":23}");
    fixture_add(fx, EVENT_LOGIN_FAILED, "2026-01-01T00:00:03Z", "{\"session\":\"s\"}");
    fixture_add(fx, EVENT_PORT_CLOSED, "2026-01-01T00:00:04Z", "{\"port\":23}");
    fixture_add(fx, EVENT_PORT_PAYLOAD, "2026-01-01T00:00:05Z", "{\"port\":25}");
    assert_int_equal(query_ports_page(&so, 0, 10, false, &o, err, sizeof(err)), 0);
    json_t *evs = json_object_get(o, "events");
    assert_int_equal(json_array_size(evs), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(evs, 0), "type")),
                        "port.opened");
    assert_string_equal(json_string_value(json_object_get(json_array_get(evs, 1), "type")),
                        "port.closed");
    assert_true(json_is_null(json_object_get(o, "next")));
    json_decref(o);
    /* pages of one payload each, chained by next */
    assert_int_equal(query_ports_page(&so, 0, 1, true, &o, err, sizeof(err)), 0);
    assert_int_equal(json_array_size(json_object_get(o, "events")), 1);
    json_t *next = json_object_get(o, "next");
    assert_true(json_is_integer(next));
    long long after = json_integer_value(next);
    json_decref(o);
    assert_int_equal(query_ports_page(&so, after, 1, true, &o, err, sizeof(err)), 0);
    evs = json_object_get(o, "events");
    assert_int_equal(json_array_size(evs), 1);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(evs, 0), "port")), 25);
    assert_true(json_is_null(json_object_get(o, "next")));
    json_decref(o);
    fixture_free(fx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_pages, setup, teardown),
        cmocka_unit_test_setup_teardown(test_health, setup, teardown),
        cmocka_unit_test(test_empty_store),
        cmocka_unit_test(test_ports),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
