/* asset: every embedded file of the page has a path and a content type
 * known for its extension, "/" is index.html, nothing else is found, and
 * the security headers (a strict CSP among them) are all there. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "web/asset.h"

static const char *type_of(const char *path)
{
    const char *dot = strrchr(path, '.');
    static const struct {
        const char *ext, *prefix;
    } t[] = {{".html", "text/html"},    {".js", "text/javascript"},    {".css", "text/css"},
             {".svg", "image/svg+xml"}, {".json", "application/json"}, {".png", "image/png"}};
    for (size_t i = 0; dot && i < sizeof(t) / sizeof(t[0]); i++)
        if (strcmp(dot, t[i].ext) == 0)
            return t[i].prefix;
    return NULL;
}

static void test_every_asset_typed(void **state)
{
    (void)state;
    assert_true(web_assets_count >= 3);
    for (size_t i = 0; i < web_assets_count; i++) {
        const struct web_asset *a = &web_assets[i];
        const char *want = type_of(a->path);
        assert_non_null(want);
        assert_non_null(a->type);
        assert_true(strncmp(a->type, want, strlen(want)) == 0);
        assert_true(a->len > 0);
        assert_true(web_asset_is_page_path(a->path));
        assert_ptr_equal(web_asset_find(a->path), a);
    }
}

static void test_find(void **state)
{
    (void)state;
    assert_ptr_equal(web_asset_find("/"), web_asset_find("/index.html"));
    assert_non_null(web_asset_find("/assets/app.js"));
    assert_non_null(web_asset_find("/assets/app.css"));
    assert_null(web_asset_find("/assets/../index.html"));
    assert_null(web_asset_find("/assets/nosuch.js"));
    assert_null(web_asset_find("/api/v1/health"));
    assert_null(web_asset_find(NULL));
    assert_false(web_asset_is_page_path("/api/v1/sessions"));
    assert_false(web_asset_is_page_path("/nothing"));
}

static void test_headers(void **state)
{
    (void)state;
    const char *csp = NULL;
    int nosniff = 0, frame = 0, referrer = 0;
    for (const struct web_header *h = web_security_headers; h->name; h++) {
        if (strcmp(h->name, "Content-Security-Policy") == 0)
            csp = h->value;
        nosniff +=
            strcmp(h->name, "X-Content-Type-Options") == 0 && strcmp(h->value, "nosniff") == 0;
        frame += strcmp(h->name, "X-Frame-Options") == 0 && strcmp(h->value, "DENY") == 0;
        referrer += strcmp(h->name, "Referrer-Policy") == 0 && strcmp(h->value, "no-referrer") == 0;
    }
    assert_non_null(csp);
    assert_true(strncmp(csp, "default-src 'self'", 18) == 0);
    assert_null(strstr(csp, "unsafe-inline"));
    assert_null(strstr(csp, "'unsafe-eval'"));
    assert_non_null(strstr(csp, "script-src 'self'"));
    assert_int_equal(nosniff, 1);
    assert_int_equal(frame, 1);
    assert_int_equal(referrer, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_asset_typed),
        cmocka_unit_test(test_find),
        cmocka_unit_test(test_headers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
