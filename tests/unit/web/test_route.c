/* route: paths to routes, session ids checked, and the events page's
 * parameters (every one checked, hostile ones refused). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "web/route.h"

static void test_paths(void **state)
{
    char id[WEB_ID_MAX + 1];
    char longid[WEB_ID_MAX + 32];
    (void)state;
    assert_int_equal(web_route_parse("/api/v1/health", id), WEB_ROUTE_HEALTH);
    assert_int_equal(web_route_parse("/api/v1/events", id), WEB_ROUTE_EVENTS);
    assert_int_equal(web_route_parse("/api/v1/sessions", id), WEB_ROUTE_SESSIONS);
    assert_int_equal(web_route_parse("/api/v1/hosts", id), WEB_ROUTE_HOSTS);
    assert_int_equal(web_route_parse("/api/v1/downloads", id), WEB_ROUTE_DOWNLOADS);
    assert_int_equal(web_route_parse("/api/v1/openapi.json", id), WEB_ROUTE_OPENAPI);
    assert_int_equal(web_route_parse("/api/v1/sessions/20261204-ab.c:1", id), WEB_ROUTE_SESSION);
    assert_string_equal(id, "20261204-ab.c:1");
    assert_int_equal(web_route_parse("/api/v1/sessions/", id), WEB_ROUTE_NONE);
    assert_int_equal(web_route_parse("/api/v1/sessions/a/b", id), WEB_ROUTE_NONE);
    assert_int_equal(web_route_parse("/api/v1/sessions/a b", id), WEB_ROUTE_NONE);
    assert_int_equal(web_route_parse("/api/v1/sessions/<script>", id), WEB_ROUTE_NONE);
    assert_int_equal(web_route_parse("/api/v1/sessions/..", id), WEB_ROUTE_SESSION);
    memset(longid, 'a', sizeof(longid));
    memcpy(longid, "/api/v1/sessions/", 17);
    longid[17 + WEB_ID_MAX] = '\0';
    assert_int_equal(web_route_parse(longid, id), WEB_ROUTE_SESSION);
    longid[17 + WEB_ID_MAX] = 'a';
    longid[17 + WEB_ID_MAX + 1] = '\0';
    assert_int_equal(web_route_parse(longid, id), WEB_ROUTE_NONE);
    assert_int_equal(web_route_parse("/api/v1/ports", id), WEB_ROUTE_PORTS);
    assert_int_equal(web_route_parse("/api/v1/payloads", id), WEB_ROUTE_PAYLOADS);
    static const char sha[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    char path[128];
    snprintf(path, sizeof(path), "/api/v1/artifacts/%s", sha);
    assert_int_equal(web_route_parse(path, id), WEB_ROUTE_ARTIFACT);
    assert_string_equal(id, sha);
    snprintf(path, sizeof(path), "/api/v1/artifacts/%.63s", sha);
    assert_int_equal(web_route_parse(path, id), WEB_ROUTE_NONE);
    snprintf(path, sizeof(path), "/api/v1/artifacts/%sa", sha);
    assert_int_equal(web_route_parse(path, id), WEB_ROUTE_NONE);
    snprintf(path, sizeof(path), "/api/v1/artifacts/%.62s..", sha);
    assert_int_equal(web_route_parse(path, id), WEB_ROUTE_NONE);
    snprintf(path, sizeof(path), "/api/v1/artifacts/%.63sA", sha);
    assert_int_equal(web_route_parse(path, id), WEB_ROUTE_NONE);
    assert_int_equal(web_route_parse("/api/v1/artifacts/", id), WEB_ROUTE_NONE);
    unsigned n = 7;
    assert_int_equal(web_route_parse_n("/api/v1/sessions/s-1.a/tty/12", id, &n), WEB_ROUTE_TTY);
    assert_string_equal(id, "s-1.a");
    assert_int_equal(n, 12);
    assert_int_equal(web_route_parse_n("/api/v1/sessions/s1/tty/0", id, &n), WEB_ROUTE_TTY);
    assert_int_equal(n, 0);
    assert_int_equal(web_route_parse_n("/api/v1/health", id, &n), WEB_ROUTE_HEALTH);
    assert_int_equal(n, 0);
    assert_int_equal(web_route_parse("/api/v1/sessions/s1/tty/9999", id), WEB_ROUTE_TTY);
    assert_int_equal(web_route_parse("/api/v1/sessions/s1/tty/10000", id), WEB_ROUTE_NONE);
    assert_int_equal(web_route_parse("/api/v1/sessions/s1/tty/", id), WEB_ROUTE_NONE);
    assert_int_equal(web_route_parse("/api/v1/sessions/s1/tty/-1", id), WEB_ROUTE_NONE);
    assert_int_equal(web_route_parse("/api/v1/sessions/s1/tty/1x", id), WEB_ROUTE_NONE);
    assert_int_equal(web_route_parse("/api/v1/sessions/s1/tty/1/", id), WEB_ROUTE_NONE);
    assert_int_equal(web_route_parse("/api/v1/sessions//tty/1", id), WEB_ROUTE_NONE);
    assert_int_equal(web_route_parse("/api/v1/sessions/a b/tty/1", id), WEB_ROUTE_NONE);
    assert_int_equal(web_route_parse("/api/v1/sessions/s1/tty/1/tty/2", id), WEB_ROUTE_NONE);
    assert_int_equal(web_route_parse("/api/v1/intrusions", id), WEB_ROUTE_INTRUSIONS);
    assert_int_equal(web_route_parse("/api/v1/intrusions/198.51.100.7/graph", id),
                     WEB_ROUTE_INTRUSION_GRAPH);
    assert_string_equal(id, "198.51.100.7");
    assert_int_equal(web_route_parse("/api/v1/intrusions/2001:db8::1/graph", id),
                     WEB_ROUTE_INTRUSION_GRAPH);
    assert_string_equal(id, "2001:db8::1");
    assert_int_equal(web_route_parse("/api/v1/intrusions/x/graph", id), WEB_ROUTE_NONE);
    assert_int_equal(web_route_parse("/api/v1/intrusions//graph", id), WEB_ROUTE_NONE);
    assert_int_equal(web_route_parse("/api/v1/intrusions/graph", id), WEB_ROUTE_NONE);
    assert_int_equal(web_route_parse("/api/v1/intrusions/198.51.100.7", id), WEB_ROUTE_NONE);
    assert_int_equal(web_route_parse("/api/v1/intrusions/198.51.100.7/graphs", id), WEB_ROUTE_NONE);
    assert_int_equal(web_route_parse("/api/v1/health/", id), WEB_ROUTE_NONE);
    assert_int_equal(web_route_parse("/api/v1/", id), WEB_ROUTE_NONE);
    assert_int_equal(web_route_parse("/api/v2/health", id), WEB_ROUTE_NONE);
    assert_int_equal(web_route_parse("/health", id), WEB_ROUTE_NONE);
    assert_int_equal(web_route_parse("", id), WEB_ROUTE_NONE);
    assert_int_equal(web_route_parse(NULL, id), WEB_ROUTE_NONE);
}

/* Parameters from a NULL-terminated list of key, value pairs. */
static const char *get(void *ud, const char *key)
{
    const char *const *kv = ud;
    for (; kv[0]; kv += 2)
        if (strcmp(kv[0], key) == 0)
            return kv[1];
    return NULL;
}

static int parse(const char *const *kv, struct web_events_params *p, char *err, size_t n)
{
    return web_events_params_parse(get, (void *)kv, 1000LL * 86400 * 1000000, p, err, n);
}

static void test_params(void **state)
{
    struct web_events_params p;
    char err[256];
    (void)state;
    const char *none[] = {NULL};
    assert_int_equal(parse(none, &p, err, sizeof(err)), 0);
    assert_int_equal(p.limit, WEB_PAGE_DEFAULT);
    assert_int_equal(p.after_id, 0);
    assert_string_equal(p.type, "");
    const char *all[] = {"type",     "login",  "session",     "s1",    "honeynet",
                         "hn-1",     "src_ip", "2001:db8::1", "since", "2026-12-01T10:00:00Z",
                         "after_id", "42",     "limit",       "1000",  NULL};
    assert_int_equal(parse(all, &p, err, sizeof(err)), 0);
    assert_string_equal(p.type, "login");
    assert_string_equal(p.session, "s1");
    assert_string_equal(p.honeynet, "hn-1");
    assert_string_equal(p.src_ip, "2001:db8::1");
    assert_true(p.since_us > 0);
    assert_int_equal(p.after_id, 42);
    assert_int_equal(p.limit, 1000);
    const char *age[] = {"since", "15m", NULL};
    assert_int_equal(parse(age, &p, err, sizeof(err)), 0);
    assert_int_equal(p.since_us, 1000LL * 86400 * 1000000 - 900LL * 1000000);
}

static void expect_bad(const char *key, const char *value, const char *why)
{
    struct web_events_params p;
    char err[256] = "";
    const char *kv[] = {key, value, NULL};
    assert_int_equal(parse(kv, &p, err, sizeof(err)), -EINVAL);
    if (!strstr(err, key) || !strstr(err, why))
        fail_msg("%s=%s: '%s' lacks '%s'", key, value, err, why);
}

static void test_bad_params(void **state)
{
    char big[512];
    (void)state;
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    expect_bad("limit", "0", "from 1 to 1000");
    expect_bad("limit", "1001", "from 1 to 1000");
    expect_bad("limit", "-1", "from 1 to 1000");
    expect_bad("limit", "1e3", "from 1 to 1000");
    expect_bad("limit", "", "from 1 to 1000");
    expect_bad("after_id", "-5", "event id");
    expect_bad("after_id", "99999999999999999999999", "event id");
    expect_bad("after_id", "12abc", "event id");
    expect_bad("type", "nosuch.type", "no such event type");
    expect_bad("type", big, "no such event type");
    expect_bad("type", "' OR 1=1 --", "no such event type");
    expect_bad("session", "a/b", "expected 1 to 64");
    expect_bad("session", big, "expected 1 to 64");
    expect_bad("session", "", "expected 1 to 64");
    expect_bad("honeynet", "x;y", "expected 1 to 64");
    expect_bad("src_ip", "198.51.100.300", "IPv4 or IPv6");
    expect_bad("src_ip", big, "IPv4 or IPv6");
    expect_bad("since", "yesterday", "RFC 3339");
    expect_bad("since", "99999999w", "RFC 3339");
}

static void test_page_params(void **state)
{
    struct web_events_params p;
    char err[256];
    const char *kv[] = {"after_id", "7", "limit", "2", "type", "ignored.here", NULL};
    (void)state;
    assert_int_equal(web_page_params_parse(get, (void *)kv, &p, err, sizeof(err)), 0);
    assert_int_equal(p.after_id, 7);
    assert_int_equal(p.limit, 2);
    assert_string_equal(p.type, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_paths),
        cmocka_unit_test(test_params),
        cmocka_unit_test(test_bad_params),
        cmocka_unit_test(test_page_params),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
