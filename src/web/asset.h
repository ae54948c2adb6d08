/* asset: the page's static files (web/, bundled by npm and esbuild at build
 * time and embedded by src/web/embed.py --assets into assets.c, generated):
 * a path → bytes and content type table, served by server.c without the
 * token (they hold no data: every /api/ call needs it). Also the security
 * headers every answer carries, pages and API alike. */
#ifndef KARAKURI_WEB_ASSET_H
#define KARAKURI_WEB_ASSET_H

#include <stdbool.h>
#include <stddef.h>

struct web_asset {
    const char *path; /* "/index.html", "/assets/app.js", ... */
    const char *type; /* its Content-Type */
    const unsigned char *data;
    size_t len;
};

/* The generated table (assets.c). */
extern const struct web_asset web_assets[];
extern const size_t web_assets_count;

/* The asset served at path (the request's, without its query string): "/"
 * is /index.html; anything not in the table (and so any "..") is NULL. */
const struct web_asset *web_asset_find(const char *path);

/* Whether path is the page's ("/" or under "/assets/"), served without
 * the token (404 when not in the table). */
bool web_asset_is_page_path(const char *path);

/* The Content-Security-Policy of every answer: nothing but the page's own
 * files; scripts only from them (no inline script, no eval; WebAssembly,
 * which asciinema-player's terminal emulator is, may compile); no frames,
 * no forms, no plugins. One inline <style> is let through by its hash: the
 * one cytoscape.js adds to the document
 * (".__________cytoscape_container { position: relative; }"); any other
 * inline style is refused. */
#define WEB_CSP                                                                                    \
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; "                                   \
    "style-src 'self' 'sha256-pgvDUBa4IjFA2yuSJ2cqcyxmNYJMborsd0ORcRv9vw8='; "                     \
    "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "               \
    "form-action 'none'; frame-ancestors 'none'"

struct web_header {
    const char *name, *value;
};

/* The headers every answer carries (WEB_CSP among them); NULL-terminated. */
extern const struct web_header web_security_headers[];

#endif
