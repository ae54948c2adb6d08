/* route: the web API's requests read, pure (unit-tested): which route a
 * path names, and the parameters of an events page, each checked before
 * anything reads the store. */
#ifndef KARAKURI_WEB_ROUTE_H
#define KARAKURI_WEB_ROUTE_H

#include <stddef.h>

#define WEB_API_PREFIX "/api/v1/"
#define WEB_ID_MAX 64
#define WEB_PAGE_DEFAULT 100u
#define WEB_PAGE_MAX 1000u

enum web_route {
    WEB_ROUTE_NONE, /* no such route: 404 */
    WEB_ROUTE_HEALTH,
    WEB_ROUTE_EVENTS,
    WEB_ROUTE_SESSIONS,
    WEB_ROUTE_SESSION, /* sessions/ID */
    WEB_ROUTE_HOSTS,
    WEB_ROUTE_DOWNLOADS,
    WEB_ROUTE_OPENAPI,
    WEB_ROUTE_PORTS,    /* port.opened and port.closed */
    WEB_ROUTE_PAYLOADS, /* port.payload */
    WEB_ROUTE_ARTIFACT, /* artifacts/SHA256: id gets the 64 lowercase hex digits */
    WEB_ROUTE_TTY,      /* sessions/ID/tty/N: id the session, n the log's index */
    WEB_ROUTE_INTRUSIONS,
    WEB_ROUTE_INTRUSION_GRAPH, /* intrusions/SRC/graph: id the source address */
};

#define WEB_TTY_MAX 9999u /* the highest N of sessions/ID/tty/N */

/* The route of path (the request's, without its query string); for
 * WEB_ROUTE_SESSION id gets the session id (1 to WEB_ID_MAX characters of
 * [A-Za-z0-9._:-]; anything else is WEB_ROUTE_NONE). */
enum web_route web_route_parse(const char *path, char id[WEB_ID_MAX + 1]);
/* The same, with n (may be NULL) getting sessions/ID/tty/N's N (0 to
 * WEB_TTY_MAX, decimal digits only; 0 for other routes). */
enum web_route web_route_parse_n(const char *path, char id[WEB_ID_MAX + 1], unsigned *n);

/* A query-string parameter's value (decoded), or NULL when absent. */
typedef const char *(*web_param_fn)(void *ud, const char *key);

struct web_events_params {
    long long since_us; /* 0: all */
    long long after_id; /* the cursor: 0 from the start */
    unsigned limit;     /* 1..WEB_PAGE_MAX */
    char type[64];      /* "" for all */
    char session[WEB_ID_MAX + 1];
    char honeynet[WEB_ID_MAX + 1];
    char src_ip[46];
};

/* Reads type (an event type or group), session, honeynet, src_ip (an IPv4
 * or IPv6 address), since (RFC 3339 or an age: 15m), after_id and limit
 * (default WEB_PAGE_DEFAULT) with get. Returns 0 or -EINVAL with err saying
 * which parameter is wrong; now_us is the time ages count back from. */
int web_events_params_parse(web_param_fn get, void *ud, long long now_us,
                            struct web_events_params *p, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* The paging parameters alone (after_id, limit), for routes that filter
 * themselves (downloads). */
int web_page_params_parse(web_param_fn get, void *ud, struct web_events_params *p, char *err,
                          size_t errlen) __attribute__((warn_unused_result));

#endif
