/* api: the answers of the web API's routes, apart from HTTP (server.c does
 * the transport, the token and the limits): a route and its parameters in,
 * a status and a JSON body out. Every body is what a read model of
 * src/query/ returns, so that it has the shape the CLI's --json prints:
 * sessions as `karakuri sessions --json` (one array element per line),
 * sessions/ID as `karakuri session ID --json`, hosts as `karakuri hosts
 * --json`, events as `karakuri events --json` in pages. */
#ifndef KARAKURI_WEB_API_H
#define KARAKURI_WEB_API_H

#include "store/store.h"
#include "web/route.h"

#include <stddef.h>

/* What the answers read; all borrowed from the server. */
struct web_api {
    struct store_options store;
    const char *sensor;
    const char *docker_host; /* "" or NULL: $DOCKER_HOST or the default socket */
    unsigned plan_hosts;     /* [honeynet] hosts, for hosts' plans */
};

struct web_answer {
    unsigned status;
    char *body; /* the caller's (free) */
    size_t len;
};

/* Answers route r (id: sessions/ID's) with the query-string parameters get
 * gives. Never fails: a failure is a status (400, 404, 500, 503) with
 * {"error": "why"}. */
void web_api_answer(const struct web_api *a, enum web_route r, const char *id, web_param_fn get,
                    void *ud, struct web_answer *out);

/* docs/openapi.json, embedded at build time (openapi.c, generated). */
extern const char web_openapi_json[];
extern const size_t web_openapi_json_len;

#endif
