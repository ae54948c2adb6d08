/* web: the JSON API server (issue 18's first slice): read-only
 * /api/v1/ routes over the store (api.h), on libmicrohttpd with threads of
 * its own, behind a bearer token (token.h) and per-source limits (limit.h);
 * events?follow=1 is a stream of Server-Sent Events (follow.h).
 *
 * Every answer carries Content-Security-Policy: default-src 'self',
 * X-Content-Type-Options: nosniff and Cache-Control: no-store. Requests
 * are GET or HEAD without a body; headers are capped (WEB_REQUEST_BYTES),
 * and so are connections (in all and per source) and their idle time.
 *
 * Lifecycle: web_server_start → (serves on its threads) → web_server_stop. */
#ifndef KARAKURI_WEB_WEB_H
#define KARAKURI_WEB_WEB_H

#include "web/limit.h"

#include <stddef.h>
#include <stdint.h>

#define WEB_DEFAULT_LISTEN "127.0.0.1:8088"
#define WEB_THREADS 4
#define WEB_MAX_CONNECTIONS 64
#define WEB_MAX_CONNECTIONS_PER_SOURCE 16
#define WEB_IDLE_TIMEOUT_S 15
#define WEB_REQUEST_BYTES 16384

struct config;
struct store_options;
struct web_server;

/* Serves the store so names (borrowed; copied) on host:port (a numeric
 * loopback address: anything else is refused, as TLS is not there yet;
 * port 0 picks one: web_server_port). The token is read from, or made in,
 * so->dir. cfg (borrowed for the call) gives the sensor's name, the Docker
 * engine and the population plan that hosts shows. limits NULL: the
 * defaults. Returns 0 or a negative errno (err says why). */
int web_server_start(const struct config *cfg, const struct store_options *so, const char *host,
                     uint16_t port, const struct web_limit_options *limits, struct web_server **out,
                     char *err, size_t errlen) __attribute__((warn_unused_result));
uint16_t web_server_port(const struct web_server *s);
/* Stops serving (waits for the answers under way) and frees s; NULL is
 * fine. */
void web_server_stop(struct web_server *s);

#endif
