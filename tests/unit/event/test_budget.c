#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "event/budget.h"

#define S 1000000LL

static json_t *blocked(const char *hn, const char *src, const char *proto, int port)
{
    json_t *ev = event_new(EVENT_CONTAIN_BLOCKED);
    json_object_set_new(ev, "honeynet", json_string(hn));
    json_object_set_new(ev, "src_ip", json_string(src));
    json_object_set_new(ev, "rule", json_string("outside"));
    json_object_set_new(ev, "proto", json_string(proto));
    json_object_set_new(ev, "dst_port", json_integer(port));
    return ev;
}

static unsigned take_n(struct event_budget *b, json_t *ev, unsigned n, long long now)
{
    unsigned ok = 0;
    for (unsigned i = 0; i < n; i++)
        ok += event_budget_take(b, ev, now);
    json_decref(ev);
    return ok;
}

/* The sum of the counts of every due summary; checks their fields. */
static long long drain(struct event_budget *b, long long now, bool all, const char *scope)
{
    json_t *out[8];
    size_t n;
    long long sum = 0;
    do {
        n = event_budget_due(b, now, all, out, 8);
        for (size_t i = 0; i < n; i++) {
            assert_string_equal(json_string_value(json_object_get(out[i], "type")),
                                "contain.budget");
            assert_non_null(json_object_get(out[i], "event_type"));
            if (!scope || strcmp(json_string_value(json_object_get(out[i], "scope")), scope) == 0)
                sum += json_integer_value(json_object_get(out[i], "count"));
            json_decref(out[i]);
        }
    } while (n == 8);
    return sum;
}

static void test_exempt(void **state)
{
    (void)state;
    assert_true(event_budget_exempt(EVENT_LOGIN_SUCCESS));
    assert_true(event_budget_exempt(EVENT_SESSION_CONNECT));
    assert_true(event_budget_exempt(EVENT_COMMAND_INPUT));
    assert_true(event_budget_exempt(EVENT_SENSOR_STORE_FAILED));
    assert_true(event_budget_exempt(EVENT_CONTAIN_BUDGET));
    assert_false(event_budget_exempt(EVENT_CONTAIN_BLOCKED));
    assert_false(event_budget_exempt(EVENT_LAN_ARP));
    assert_false(event_budget_exempt(EVENT_PROC_EXEC));

    struct event_budget *b = event_budget_new(&(struct event_budget_options){.src_burst = 1});
    json_t *ev = event_new(EVENT_LOGIN_SUCCESS);
    json_object_set_new(ev, "src_ip", json_string("198.51.100.7"));
    assert_int_equal(take_n(b, ev, 10000, 0), 10000);
    assert_int_equal(drain(b, 0, true, NULL), 0);
    event_budget_free(b);
}

/* A burst goes through, then the rate; the rest is counted, and the counts
 * add up to exactly what was refused. */
static void test_burst_then_rate(void **state)
{
    (void)state;
    struct event_budget *b = event_budget_new(&(struct event_budget_options){
        .src_burst = 10, .src_per_s = 5, .net_burst = 1000, .net_per_s = 1000});
    unsigned ok = take_n(b, blocked("hn1", "10.0.0.2", "udp", 1), 100, 0);
    assert_int_equal(ok, 10);
    /* Two seconds later: ten more tokens. */
    ok = take_n(b, blocked("hn1", "10.0.0.2", "udp", 2), 100, 2 * S);
    assert_int_equal(ok, 10);
    /* Not due before the window ends, all of it after. */
    assert_int_equal(drain(b, 3 * S, false, NULL), 0);
    assert_int_equal(drain(b, 61 * S, false, NULL), 180);
    assert_int_equal(drain(b, 62 * S, true, NULL), 0);
    event_budget_free(b);
}

/* One source's flood leaves another source of the same honeynet its own
 * budget, and the other type its own. */
static void test_sources_apart(void **state)
{
    (void)state;
    struct event_budget *b = event_budget_new(&(struct event_budget_options){
        .src_burst = 50, .src_per_s = 1, .net_burst = 200, .net_per_s = 1});
    assert_int_equal(take_n(b, blocked("hn1", "10.0.0.2", "udp", 1), 20000, 0), 50);
    assert_int_equal(take_n(b, blocked("hn1", "10.0.0.3", "udp", 1), 30, 0), 30);
    json_t *arp = event_new(EVENT_LAN_ARP);
    json_object_set_new(arp, "honeynet", json_string("hn1"));
    json_object_set_new(arp, "src_ip", json_string("10.0.0.2"));
    json_object_set_new(arp, "target", json_string("10.0.0.9"));
    assert_int_equal(take_n(b, arp, 20, 0), 20);
    assert_int_equal(drain(b, 0, true, "source"), 20000 - 50);
    event_budget_free(b);
}

/* Spoofed sources each get a burst, but the honeynet's bucket holds them all;
 * the counts still add up. */
static void test_honeynet_bucket(void **state)
{
    (void)state;
    struct event_budget *b = event_budget_new(&(struct event_budget_options){
        .src_burst = 5, .src_per_s = 1, .net_burst = 100, .net_per_s = 1});
    unsigned ok = 0, sent = 0;
    char ip[32];
    for (int i = 0; i < 3000; i++) {
        snprintf(ip, sizeof(ip), "10.%d.%d.%d", i >> 16 & 255, i >> 8 & 255, i & 255);
        ok += take_n(b, blocked("hn1", ip, "tcp", 22), 3, 0);
        sent += 3;
    }
    assert_int_equal(ok, 100);
    assert_int_equal(drain(b, 0, true, NULL), sent - ok);
    /* Another honeynet is untouched. */
    assert_int_equal(take_n(b, blocked("hn2", "10.0.0.2", "tcp", 22), 5, 0), 5);
    event_budget_free(b);
}

/* More keys than slots: counts of slots taken over go out too. */
static void test_eviction_keeps_counts(void **state)
{
    (void)state;
    struct event_budget *b = event_budget_new(&(struct event_budget_options){
        .src_burst = 1, .src_per_s = 1, .net_burst = 1u << 30, .net_per_s = 1u << 30});
    unsigned ok = 0, sent = 0;
    char ip[32];
    for (int i = 0; i < 40000; i++) {
        snprintf(ip, sizeof(ip), "10.%d.%d.%d", i >> 16 & 255, i >> 8 & 255, i & 255);
        ok += take_n(b, blocked("hn1", ip, "tcp", 22), 2, 0);
        sent += 2;
    }
    assert_int_equal(drain(b, 0, true, NULL), sent - ok);
    event_budget_free(b);
}

/* contain.blocked is folded by rule and proto, not by destination. */
static void test_blocked_key(void **state)
{
    (void)state;
    struct event_budget *b = event_budget_new(&(struct event_budget_options){
        .src_burst = 3, .src_per_s = 1, .net_burst = 1000, .net_per_s = 1});
    unsigned ok = 0;
    for (int port = 1; port <= 10; port++)
        ok += take_n(b, blocked("hn1", "10.0.0.2", "udp", port), 1, 0);
    assert_int_equal(ok, 3);
    assert_int_equal(take_n(b, blocked("hn1", "10.0.0.2", "tcp", 1), 5, 0), 3);
    json_t *out[4];
    size_t n = event_budget_due(b, 0, true, out, 4);
    assert_int_equal(n, 2);
    for (size_t i = 0; i < n; i++) {
        const char *proto = json_string_value(json_object_get(out[i], "proto"));
        assert_string_equal(json_string_value(json_object_get(out[i], "rule")), "outside");
        assert_string_equal(json_string_value(json_object_get(out[i], "src_ip")), "10.0.0.2");
        assert_string_equal(json_string_value(json_object_get(out[i], "honeynet")), "hn1");
        assert_int_equal(json_integer_value(json_object_get(out[i], "count")),
                         strcmp(proto, "udp") == 0 ? 7 : 2);
        json_decref(out[i]);
    }
    event_budget_free(b);
}

/* proc.exec: keyed by the host that ran it, with ten times the budget; a
 * refused contain.blocked with repeats counts them all. */
static void test_type_rules(void **state)
{
    (void)state;
    struct event_budget *b = event_budget_new(&(struct event_budget_options){
        .src_burst = 2, .src_per_s = 1, .net_burst = 1000, .net_per_s = 1});
    json_t *ex = event_new(EVENT_PROC_EXEC);
    json_object_set_new(ex, "honeynet", json_string("hn1"));
    json_object_set_new(ex, "host_ip", json_string("10.0.0.5"));
    assert_int_equal(take_n(b, ex, 100, 0), 20);
    json_t *out[4];
    assert_int_equal(event_budget_due(b, 0, true, out, 4), 1);
    assert_string_equal(json_string_value(json_object_get(out[0], "host_ip")), "10.0.0.5");
    assert_int_equal(json_integer_value(json_object_get(out[0], "count")), 80);
    json_decref(out[0]);

    assert_int_equal(take_n(b, blocked("hn1", "10.0.0.2", "tcp", 1), 2, 0), 2);
    json_t *rep = blocked("hn1", "10.0.0.2", "tcp", 1);
    json_object_set_new(rep, "repeats", json_integer(41));
    assert_int_equal(take_n(b, rep, 1, 0), 0);
    assert_int_equal(drain(b, 0, true, NULL), 41);
    event_budget_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exempt),
        cmocka_unit_test(test_burst_then_rate),
        cmocka_unit_test(test_sources_apart),
        cmocka_unit_test(test_honeynet_bucket),
        cmocka_unit_test(test_eviction_keeps_counts),
        cmocka_unit_test(test_blocked_key),
        cmocka_unit_test(test_type_rules),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
