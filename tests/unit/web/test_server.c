/* server: the HTTP side over a temp store on 127.0.0.1:0, through libcurl:
 * the token required (401), the security headers on every answer, methods
 * and bodies refused, routes answered with the read models' JSON, pages
 * chained by next, a brute force answered 429, hostile requests survived. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../query/store_fixture.h"
#include "config/config.h"
#include "query/query.h"
#include "store/store.h"
#include "common/util.h"
#include "web/follow.h"
#include "web/token.h"
#include "web/web.h"

struct ctx {
    struct fixture *fx;
    struct config cfg;
    struct web_server *srv;
    char token[WEB_TOKEN_HEX + 1];
    char base[64];
};

struct reply {
    long status;
    char body[65536];
    size_t len;
    char headers[8192];
    size_t hlen;
};

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
    struct reply *r = ud;
    size_t k = size * n;
    if (r->len + k < sizeof(r->body)) {
        memcpy(r->body + r->len, p, k);
        r->len += k;
        r->body[r->len] = '\0';
    }
    return k;
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
    struct reply *r = ud;
    size_t k = size * n;
    if (r->hlen + k < sizeof(r->headers)) {
        memcpy(r->headers + r->hlen, p, k);
        r->hlen += k;
        r->headers[r->hlen] = '\0';
    }
    return k;
}

/* token NULL: no Authorization header. method NULL: GET. */
static void request(struct ctx *c, const char *path, const char *token, const char *method,
                    const char *body, struct reply *r)
{
    CURL *h = curl_easy_init();
    struct curl_slist *hdrs = NULL;
    char url[512], auth[128];
    memset(r, 0, sizeof(*r));
    snprintf(url, sizeof(url), "%s%s", c->base, path);
    if (token) {
        snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
        hdrs = curl_slist_append(hdrs, auth);
    }
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 10L);
    if (method)
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    if (body)
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    assert_int_equal(curl_easy_perform(h), CURLE_OK);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
    curl_slist_free_all(hdrs);
    curl_easy_cleanup(h);
}

static int setup(void **state)
{
    struct ctx *c = calloc(1, sizeof(*c));
    struct web_limit_options lim = {.rate_per_s = 1000,
                                    .burst = 1000,
                                    .free_failures = 3,
                                    .lockout_ms = 60000,
                                    .max_lockout_ms = 60000,
                                    .forget_ms = 600000};
    char err[512];
    c->fx = fixture_new();
    fixture_add(c->fx, EVENT_SESSION_CONNECT, "2026-01-01T00:00:00Z",
                "{\"session\":\"s1\",\"src_ip\":\"198.51.100.7\",\"src_port\":40000}");
    fixture_add(c->fx, EVENT_LOGIN_SUCCESS, "2026-01-01T00:00:01Z",
                "{\"session\":\"s1\",\"username\":\"<script>\",\"password\":\"p\","
                "\"honeynet\":\"hn1\"}");
    fixture_add(c->fx, EVENT_FILE_DOWNLOAD, "2026-01-01T00:00:02Z",
                "{\"honeynet\":\"hn1\",\"url\":\"http://203.0.113.5/x\"}");
    fixture_add(c->fx, EVENT_SESSION_CLOSED, "2026-01-01T00:00:03Z",
                "{\"session\":\"s1\",\"duration_ms\":3000,\"reason\":\"client\"}");
    config_init(&c->cfg);
    struct store_options so = {.dir = c->fx->dir};
    assert_int_equal(
        web_server_start(&c->cfg, &so, "127.0.0.1", 0, &lim, &c->srv, err, sizeof(err)), 0);
    assert_true(web_server_port(c->srv) > 0);
    snprintf(c->base, sizeof(c->base), "http://127.0.0.1:%u", (unsigned)web_server_port(c->srv));
    assert_int_equal(web_token_load(c->fx->dir, c->token, NULL, err, sizeof(err)), 0);
    *state = c;
    return 0;
}

static int teardown(void **state)
{
    struct ctx *c = *state;
    web_server_stop(c->srv);
    config_free(&c->cfg);
    fixture_free(c->fx);
    free(c);
    return 0;
}

static void assert_headers(const struct reply *r)
{
    assert_non_null(strstr(r->headers, "Content-Security-Policy: default-src 'self'"));
    assert_non_null(strstr(r->headers, "X-Content-Type-Options: nosniff"));
    assert_non_null(strstr(r->headers, "Cache-Control: no-store"));
}

static void test_token_required(void **state)
{
    struct ctx *c = *state;
    struct reply r;
    char wrong[WEB_TOKEN_HEX + 1];
    memcpy(wrong, c->token, sizeof(wrong));
    wrong[0] = wrong[0] == 'a' ? 'b' : 'a';
    request(c, "/api/v1/health", NULL, NULL, NULL, &r);
    assert_int_equal(r.status, 401);
    assert_headers(&r);
    assert_non_null(strstr(r.headers, "WWW-Authenticate: Bearer"));
    request(c, "/api/v1/sessions", wrong, NULL, NULL, &r);
    assert_int_equal(r.status, 401);
    request(c, "/nothing/here", NULL, NULL, NULL, &r); /* no route is open */
    assert_int_equal(r.status, 401);
    request(c, "/api/v1/health", c->token, NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_headers(&r);
    assert_non_null(strstr(r.body, "\"store\":\"sqlite\""));
    assert_non_null(strstr(r.body, "\"last_event\":\"2026-01-01T00:00:03.000000Z\""));
}

static void test_routes(void **state)
{
    struct ctx *c = *state;
    struct reply r;
    json_t *want = NULL;
    char err[256];
    struct store_options so = {.dir = c->fx->dir};

    request(c, "/api/v1/sessions", c->token, NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(query_sessions(&so, &want, err, sizeof(err)), 0);
    json_t *got = json_loads(r.body, 0, NULL);
    assert_true(json_equal(got, want));
    json_decref(got);
    json_decref(want);

    request(c, "/api/v1/sessions/s1", c->token, NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(query_session(&so, "s1", &want, err, sizeof(err)), 0);
    got = json_loads(r.body, 0, NULL);
    assert_true(json_equal(got, want));
    assert_int_equal(json_array_size(got), 4); /* with the download on its honeynet */
    json_decref(got);
    json_decref(want);

    request(c, "/api/v1/sessions/nosuch", c->token, NULL, NULL, &r);
    assert_int_equal(r.status, 404);
    request(c, "/api/v1/nosuch", c->token, NULL, NULL, &r);
    assert_int_equal(r.status, 404);
    assert_headers(&r);
    request(c, "/api/v1/downloads", c->token, NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "203.0.113.5"));
    assert_non_null(strstr(r.body, "\"next\":null"));
    request(c, "/api/v1/openapi.json", c->token, NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "\"openapi\""));
    request(c, "/api/v1/events?limit=0", c->token, NULL, NULL, &r);
    assert_int_equal(r.status, 400);
    request(c, "/api/v1/events?type=%27%3B", c->token, NULL, NULL, &r);
    assert_int_equal(r.status, 400);
}

/* artifacts/SHA256: the bytes as an attachment; a link in its place, a
 * directory or no file at all: 404. ports and payloads: empty pages. */
static void test_artifacts_and_ports(void **state)
{
    struct ctx *c = *state;
    struct reply r;
    char sha[65], path[160];
    static const char data[] = "<script>alert(1)</script>\n";
    assert_int_equal(store_artifact_put(c->fx->dir, data, sizeof(data) - 1, sha), 0);
    snprintf(path, sizeof(path), "/api/v1/artifacts/%s", sha);
    request(c, path, NULL, NULL, NULL, &r);
    assert_int_equal(r.status, 401);
    request(c, path, c->token, NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.len, sizeof(data) - 1);
    assert_memory_equal(r.body, data, r.len);
    assert_non_null(strstr(r.headers, "Content-Type: application/octet-stream"));
    assert_non_null(strstr(r.headers, "X-Content-Type-Options: nosniff"));
    char disp[128];
    snprintf(disp, sizeof(disp), "Content-Disposition: attachment; filename=\"%s\"", sha);
    assert_non_null(strstr(r.headers, disp));

    /* a link where an artifact would be: not followed */
    char *real = store_artifact_path(c->fx->dir, sha);
    char fake[65];
    memset(fake, 'a', 64);
    fake[64] = '\0';
    char *link = store_artifact_path(c->fx->dir, fake);
    assert_int_equal(symlink(real, link), 0);
    snprintf(path, sizeof(path), "/api/v1/artifacts/%s", fake);
    request(c, path, c->token, NULL, NULL, &r);
    assert_int_equal(r.status, 404);
    unlink(link);
    assert_int_equal(mkdir(link, 0700), 0);
    request(c, path, c->token, NULL, NULL, &r);
    assert_int_equal(r.status, 404);
    rmdir(link);
    request(c, path, c->token, NULL, NULL, &r);
    assert_int_equal(r.status, 404);
    free(real);
    free(link);
    request(c, "/api/v1/artifacts/..%2f..%2fweb.token", c->token, NULL, NULL, &r);
    assert_int_equal(r.status, 404);

    /* sessions/ID/tty/N: the n-th tty.log's artifact, not an attachment */
    static const char cast[] = "{\"version\": 2, \"width\": 80, \"height\": 24}\n";
    char csha[65], fields[256];
    assert_int_equal(store_artifact_put(c->fx->dir, cast, sizeof(cast) - 1, csha), 0);
    snprintf(fields, sizeof(fields),
             "{\"session\":\"s1\",\"artifact\":\"%s\",\"format\":\"asciicast-v2\"}", csha);
    fixture_add(c->fx, EVENT_TTY_LOG, "2026-01-01T00:00:02Z", fields);
    request(c, "/api/v1/sessions/s1/tty/0", c->token, NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, cast);
    assert_non_null(strstr(r.headers, "Content-Type: application/x-asciicast"));
    assert_null(strstr(r.headers, "Content-Disposition"));
    request(c, "/api/v1/sessions/s1/tty/1", c->token, NULL, NULL, &r);
    assert_int_equal(r.status, 404);
    request(c, "/api/v1/sessions/nosuch/tty/0", c->token, NULL, NULL, &r);
    assert_int_equal(r.status, 404);

    request(c, "/api/v1/intrusions", c->token, NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    json_t *got = json_loads(r.body, 0, NULL), *want = NULL;
    char err[256];
    struct store_options so = {.dir = c->fx->dir};
    assert_int_equal(query_intrusions(&so, &want, err, sizeof(err)), 0);
    assert_true(json_equal(got, want));
    assert_true(json_array_size(got) >= 1);
    const char *src = json_string_value(json_object_get(json_array_get(got, 0), "src"));
    snprintf(path, sizeof(path), "/api/v1/intrusions/%s/graph", src);
    request(c, path, c->token, NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "\"kind\":\"login\""));
    json_decref(got);
    json_decref(want);
    request(c, "/api/v1/intrusions/203.0.113.99/graph", c->token, NULL, NULL, &r);
    assert_int_equal(r.status, 404);

    request(c, "/api/v1/ports", c->token, NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "{\"events\":[],\"next\":null}\n");
    request(c, "/api/v1/payloads?limit=5", c->token, NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "{\"events\":[],\"next\":null}\n");
    request(c, "/api/v1/payloads?limit=0", c->token, NULL, NULL, &r);
    assert_int_equal(r.status, 400);
}

static void test_pages(void **state)
{
    struct ctx *c = *state;
    struct reply r;
    char path[128];
    long long after = 0;
    size_t n = 0;
    for (int page = 0; page < 10; page++) {
        snprintf(path, sizeof(path), "/api/v1/events?limit=3&after_id=%lld", after);
        request(c, path, c->token, NULL, NULL, &r);
        assert_int_equal(r.status, 200);
        json_t *o = json_loads(r.body, 0, NULL);
        n += json_array_size(json_object_get(o, "events"));
        json_t *next = json_object_get(o, "next");
        bool last = json_is_null(next);
        after = json_integer_value(next);
        json_decref(o);
        if (last)
            break;
    }
    assert_int_equal(n, 4);
    request(c, "/api/v1/events?session=s1&type=login", c->token, NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "login.success"));
    assert_null(strstr(r.body, "session.connect"));
}

static void test_methods_and_bodies(void **state)
{
    struct ctx *c = *state;
    struct reply r;
    request(c, "/api/v1/health", c->token, "POST", "x=1", &r);
    assert_int_equal(r.status, 405);
    assert_headers(&r);
    request(c, "/api/v1/health", c->token, "DELETE", NULL, &r);
    assert_int_equal(r.status, 405);
    request(c, "/api/v1/health", c->token, "GET", "a body", &r);
    assert_int_equal(r.status, 413);
    request(c, "/api/v1/health", c->token, NULL, NULL, &r); /* still serving */
    assert_int_equal(r.status, 200);
}

/* After free_failures failed checks the source is locked out: 429, the
 * right token too. Last: the lockout outlives the test. */
static void test_brute_force(void **state)
{
    struct ctx *c = *state;
    struct reply r;
    char wrong[WEB_TOKEN_HEX + 1];
    int n401 = 0, n429 = 0;
    memset(wrong, '0', WEB_TOKEN_HEX);
    wrong[WEB_TOKEN_HEX] = '\0';
    for (int i = 0; i < 8; i++) {
        request(c, "/api/v1/health", wrong, NULL, NULL, &r);
        n401 += r.status == 401;
        n429 += r.status == 429;
    }
    assert_int_equal(n401, 4); /* 3 free, the 4th locks */
    assert_int_equal(n429, 4);
    assert_non_null(strstr(r.headers, "Retry-After: "));
    request(c, "/api/v1/health", c->token, NULL, NULL, &r);
    assert_int_equal(r.status, 429);
}

/* A stream on a multi handle: the stream's bytes land in r. */
static CURL *stream_open(struct ctx *c, const char *path, const char *extra, struct reply *r,
                         struct curl_slist **hdrs)
{
    CURL *h = curl_easy_init();
    char url[512], auth[128];
    memset(r, 0, sizeof(*r));
    snprintf(url, sizeof(url), "%s%s", c->base, path);
    snprintf(auth, sizeof(auth), "Authorization: Bearer %s", c->token);
    *hdrs = curl_slist_append(NULL, auth);
    *hdrs = curl_slist_append(*hdrs, "Accept: text/event-stream");
    if (extra)
        *hdrs = curl_slist_append(*hdrs, extra);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, *hdrs);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 30L);
    return h;
}

/* Runs m for up to 100 ms; returns the transfers still running. */
static int pump(CURLM *m)
{
    int running = 0;
    curl_multi_perform(m, &running);
    curl_multi_poll(m, NULL, 0, 100, NULL);
    curl_multi_perform(m, &running);
    return running;
}

/* Runs m until what is in r's body or 10 s pass. */
static bool pump_until(CURLM *m, const struct reply *r, const char *what)
{
    long long end = util_mono_us() + 10000000LL;
    while (!strstr(r->body, what) && util_mono_us() < end)
        pump(m);
    return strstr(r->body, what) != NULL;
}

/* Runs m until r's headers are in or 10 s pass. */
static void pump_headers(CURLM *m, const struct reply *r)
{
    long long end = util_mono_us() + 10000000LL;
    while (!strstr(r->headers, "\r\n\r\n") && util_mono_us() < end)
        pump(m);
}

static void test_stream(void **state)
{
    struct ctx *c = *state;
    struct reply r, resumed, s9, *more = calloc(WEB_FOLLOW_MAX_STREAMS, sizeof(*more));
    struct curl_slist *hdrs = NULL, *hdrs2 = NULL, *mh[WEB_FOLLOW_MAX_STREAMS] = {0};
    CURL *extra[WEB_FOLLOW_MAX_STREAMS] = {0};
    CURLM *m = curl_multi_init();

    /* from now on: the 4 events already there are not sent */
    CURL *h = stream_open(c, "/api/v1/events?follow=1", NULL, &r, &hdrs);
    curl_multi_add_handle(m, h);
    pump_headers(m, &r);
    assert_non_null(strstr(r.headers, " 200"));
    assert_non_null(strstr(r.headers, "Content-Type: text/event-stream"));
    assert_headers(&r);
    assert_int_equal(r.len, 0);
    fixture_add(c->fx, EVENT_LOGIN_FAILED, "2026-01-01T00:00:04Z",
                "{\"session\":\"s2\",\"username\":\"a\\nid: 1\",\"password\":\"p\"}");
    assert_true(pump_until(m, &r, "\n\n"));
    assert_non_null(strstr(r.body, "id: 5\ndata: {"));
    assert_non_null(strstr(r.body, "\"type\":\"login.failed\""));
    assert_null(strstr(r.body, "id: 4"));

    /* Last-Event-ID resumes after it, with the filters of the events route */
    CURL *h2 = stream_open(c, "/api/v1/events?follow=1&type=session", "Last-Event-ID: 0", &resumed,
                           &hdrs2);
    curl_multi_add_handle(m, h2);
    assert_true(pump_until(m, &resumed, "id: 4\n"));
    assert_non_null(strstr(resumed.body, "id: 1\ndata: {"));
    assert_null(strstr(resumed.body, "id: 2\n"));
    assert_null(strstr(resumed.body, "id: 5\n"));

    /* 8 at once: the 9th is told to come back */
    for (int i = 0; i < WEB_FOLLOW_MAX_STREAMS - 2; i++) {
        extra[i] = stream_open(c, "/api/v1/events?follow=1", NULL, &more[i], &mh[i]);
        curl_multi_add_handle(m, extra[i]);
    }
    for (int i = 0; i < WEB_FOLLOW_MAX_STREAMS - 2; i++)
        pump_headers(m, &more[i]);
    request(c, "/api/v1/events?follow=1", c->token, NULL, NULL, &s9);
    assert_int_equal(s9.status, 503);
    assert_non_null(strstr(s9.headers, "Retry-After: "));
    /* the page is still there, and so are a wrong follow and a wrong cursor */
    request(c, "/api/v1/events?follow=0", c->token, NULL, NULL, &s9);
    assert_int_equal(s9.status, 200);
    request(c, "/api/v1/events?follow=2", c->token, NULL, NULL, &s9);
    assert_int_equal(s9.status, 400);
    /* a client that goes gives its place back within a follower's round or two */
    curl_multi_remove_handle(m, extra[0]);
    curl_easy_cleanup(extra[0]);
    curl_slist_free_all(mh[0]);
    usleep(1200 * 1000);
    extra[0] = stream_open(c, "/api/v1/events?follow=1", NULL, &more[0], &mh[0]);
    curl_multi_add_handle(m, extra[0]);
    pump_headers(m, &more[0]);
    assert_non_null(strstr(more[0].headers, " 200"));

    /* stopping with streams open ends them */
    long long t0 = util_mono_us();
    web_server_stop(c->srv);
    c->srv = NULL;
    assert_true(util_mono_us() - t0 < 5000000LL);
    long long end = util_mono_us() + 5000000LL;
    int running = 1;
    while (running && util_mono_us() < end)
        running = pump(m);
    assert_int_equal(running, 0); /* every stream was ended */

    for (int i = 0; i < WEB_FOLLOW_MAX_STREAMS - 2; i++) {
        curl_multi_remove_handle(m, extra[i]);
        curl_easy_cleanup(extra[i]);
        curl_slist_free_all(mh[i]);
    }
    curl_multi_remove_handle(m, h);
    curl_multi_remove_handle(m, h2);
    curl_easy_cleanup(h);
    curl_easy_cleanup(h2);
    curl_slist_free_all(hdrs);
    curl_slist_free_all(hdrs2);
    curl_multi_cleanup(m);
    free(more);
}

static void test_stream_refused(void **state)
{
    struct ctx *c = *state;
    struct reply r;
    request(c, "/api/v1/events?follow=1", NULL, NULL, NULL, &r);
    assert_int_equal(r.status, 401);
    CURL *h = curl_easy_init();
    struct curl_slist *hdrs = NULL;
    char url[512], auth[128];
    memset(&r, 0, sizeof(r));
    snprintf(url, sizeof(url), "%s/api/v1/events?follow=1", c->base);
    snprintf(auth, sizeof(auth), "Authorization: Bearer %s", c->token);
    hdrs = curl_slist_append(hdrs, auth);
    hdrs = curl_slist_append(hdrs, "Accept: application/json");
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &r);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 10L);
    assert_int_equal(curl_easy_perform(h), CURLE_OK);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r.status);
    assert_int_equal(r.status, 406);
    curl_slist_free_all(hdrs);
    hdrs = curl_slist_append(NULL, auth);
    hdrs = curl_slist_append(hdrs, "Accept: text/event-stream");
    hdrs = curl_slist_append(hdrs, "Last-Event-ID: -1");
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    memset(&r, 0, sizeof(r));
    assert_int_equal(curl_easy_perform(h), CURLE_OK);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r.status);
    assert_int_equal(r.status, 400);
    curl_slist_free_all(hdrs);
    curl_easy_cleanup(h);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_token_required, setup, teardown),
        cmocka_unit_test_setup_teardown(test_routes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pages, setup, teardown),
        cmocka_unit_test_setup_teardown(test_artifacts_and_ports, setup, teardown),
        cmocka_unit_test_setup_teardown(test_methods_and_bodies, setup, teardown),
        cmocka_unit_test_setup_teardown(test_brute_force, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stream, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stream_refused, setup, teardown),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
