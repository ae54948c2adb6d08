/* asset: the embedded page's lookup and the security headers (asset.h). */
#include "web/asset.h"

#include <string.h>

const struct web_header web_security_headers[] = {
    {"Content-Security-Policy", WEB_CSP},
    {"X-Content-Type-Options", "nosniff"},
    {"X-Frame-Options", "DENY"},
    {"Referrer-Policy", "no-referrer"},
    {"Cross-Origin-Opener-Policy", "same-origin"},
    {"Cross-Origin-Resource-Policy", "same-origin"},
    {"Cache-Control", "no-store"},
    {NULL, NULL},
};

bool web_asset_is_page_path(const char *path)
{
    return path && (strcmp(path, "/") == 0 || strcmp(path, "/index.html") == 0 ||
                    strcmp(path, "/favicon.ico") == 0 || strncmp(path, "/assets/", 8) == 0);
}

const struct web_asset *web_asset_find(const char *path)
{
    if (!path)
        return NULL;
    if (strcmp(path, "/") == 0)
        path = "/index.html";
    for (size_t i = 0; i < web_assets_count; i++)
        if (strcmp(web_assets[i].path, path) == 0)
            return &web_assets[i];
    return NULL;
}
