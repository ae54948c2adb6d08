/* route: paths and parameters of the web API (route.h). */
#include "web/route.h"

#include "common/util.h"
#include "config/config.h"
#include "event/event.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static bool is_id(const char *s)
{
    size_t n = strlen(s);
    return n >= 1 && n <= WEB_ID_MAX &&
           strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:-") == n;
}

/* "ID/tty/N" into id and n. */
static bool tty_path(const char *s, char id[WEB_ID_MAX + 1], unsigned *n)
{
    static const char tty[] = "/tty/";
    const char *t = strstr(s, tty);
    size_t idlen = t ? (size_t)(t - s) : 0;
    const char *num = t ? t + sizeof(tty) - 1 : NULL;
    size_t nl = num ? strlen(num) : 0;
    char buf[WEB_ID_MAX + 1];
    long long v;
    if (!t || idlen < 1 || idlen > WEB_ID_MAX || nl < 1 || nl > 4 ||
        strspn(num, "0123456789") != nl)
        return false;
    memcpy(buf, s, idlen);
    buf[idlen] = '\0';
    if (!is_id(buf) || util_parse_ll(num, 0, WEB_TTY_MAX, &v) < 0)
        return false;
    memcpy(id, buf, idlen + 1);
    *n = (unsigned)v;
    return true;
}

enum web_route web_route_parse(const char *path, char id[WEB_ID_MAX + 1])
{
    return web_route_parse_n(path, id, NULL);
}

enum web_route web_route_parse_n(const char *path, char id[WEB_ID_MAX + 1], unsigned *n)
{
    unsigned n0 = 0;
    static const struct {
        const char *name;
        enum web_route r;
    } plain[] = {
        {"health", WEB_ROUTE_HEALTH},         {"events", WEB_ROUTE_EVENTS},
        {"sessions", WEB_ROUTE_SESSIONS},     {"hosts", WEB_ROUTE_HOSTS},
        {"downloads", WEB_ROUTE_DOWNLOADS},   {"openapi.json", WEB_ROUTE_OPENAPI},
        {"ports", WEB_ROUTE_PORTS},           {"payloads", WEB_ROUTE_PAYLOADS},
        {"intrusions", WEB_ROUTE_INTRUSIONS},
    };
    static const char intrusions[] = "intrusions/", graph[] = "/graph";
    static const char artifacts[] = "artifacts/";
    static const char sessions[] = "sessions/";
    size_t pl = sizeof(WEB_API_PREFIX) - 1;

    id[0] = '\0';
    if (n)
        *n = 0;
    if (!path || strncmp(path, WEB_API_PREFIX, pl) != 0)
        return WEB_ROUTE_NONE;
    const char *rest = path + pl;
    for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++)
        if (strcmp(rest, plain[i].name) == 0)
            return plain[i].r;
    if (strncmp(rest, sessions, sizeof(sessions) - 1) == 0 && is_id(rest + sizeof(sessions) - 1)) {
        snprintf(id, WEB_ID_MAX + 1, "%s", rest + sizeof(sessions) - 1);
        return WEB_ROUTE_SESSION;
    }
    if (strncmp(rest, sessions, sizeof(sessions) - 1) == 0 &&
        tty_path(rest + sizeof(sessions) - 1, id, &n0)) {
        if (n)
            *n = n0;
        return WEB_ROUTE_TTY;
    }
    if (strncmp(rest, intrusions, sizeof(intrusions) - 1) == 0) {
        const char *a = rest + sizeof(intrusions) - 1;
        size_t al = strlen(a), sl = sizeof(graph) - 1;
        unsigned char addr[16];
        char ip[WEB_ID_MAX + 1];
        if (al <= sl || al - sl > WEB_ID_MAX || strcmp(a + al - sl, graph) != 0)
            return WEB_ROUTE_NONE;
        memcpy(ip, a, al - sl);
        ip[al - sl] = '\0';
        if (inet_pton(AF_INET, ip, addr) != 1 && inet_pton(AF_INET6, ip, addr) != 1)
            return WEB_ROUTE_NONE;
        memcpy(id, ip, al - sl + 1);
        return WEB_ROUTE_INTRUSION_GRAPH;
    }
    if (strncmp(rest, artifacts, sizeof(artifacts) - 1) == 0) {
        const char *h = rest + sizeof(artifacts) - 1;
        if (strlen(h) != 64 || strspn(h, "0123456789abcdef") != 64)
            return WEB_ROUTE_NONE;
        snprintf(id, WEB_ID_MAX + 1, "%s", h);
        return WEB_ROUTE_ARTIFACT;
    }
    return WEB_ROUTE_NONE;
}

static int bad(char *err, size_t errlen, const char *key, const char *why)
{
    snprintf(err, errlen, "parameter %s: %s", key, why);
    return -EINVAL;
}

/* An id-like parameter into out (WEB_ID_MAX + 1 bytes); absent: "". */
static int id_param(web_param_fn get, void *ud, const char *key, char *out, char *err,
                    size_t errlen)
{
    const char *v = get(ud, key);
    out[0] = '\0';
    if (!v)
        return 0;
    if (!is_id(v))
        return bad(err, errlen, key, "expected 1 to 64 characters of A-Z a-z 0-9 . _ : -");
    snprintf(out, WEB_ID_MAX + 1, "%s", v);
    return 0;
}

int web_page_params_parse(web_param_fn get, void *ud, struct web_events_params *p, char *err,
                          size_t errlen)
{
    const char *v;
    long long n;
    memset(p, 0, sizeof(*p));
    p->limit = WEB_PAGE_DEFAULT;
    if ((v = get(ud, "after_id")) && util_parse_ll(v, 0, LLONG_MAX, &p->after_id) < 0)
        return bad(err, errlen, "after_id", "expected an event id (a number >= 0)");
    if ((v = get(ud, "limit"))) {
        if (util_parse_ll(v, 1, WEB_PAGE_MAX, &n) < 0)
            return bad(err, errlen, "limit", "expected a number from 1 to 1000");
        p->limit = (unsigned)n;
    }
    return 0;
}

static int since_param(const char *v, long long now_us, long long *out)
{
    long long secs;
    if (util_rfc3339_parse(v, out) == 0)
        return 0;
    if (config_parse_duration(v, &secs) == 0 && secs <= now_us / 1000000LL) {
        *out = now_us - secs * 1000000LL;
        return 0;
    }
    return -EINVAL;
}

int web_events_params_parse(web_param_fn get, void *ud, long long now_us,
                            struct web_events_params *p, char *err, size_t errlen)
{
    const char *v;
    unsigned char addr[16];
    int rc = web_page_params_parse(get, ud, p, err, errlen);
    if (rc < 0)
        return rc;
    if ((v = get(ud, "type"))) {
        if (strlen(v) >= sizeof(p->type) || !event_type_matches_any(v))
            return bad(err, errlen, "type", "no such event type or group");
        snprintf(p->type, sizeof(p->type), "%s", v);
    }
    if ((rc = id_param(get, ud, "session", p->session, err, errlen)) < 0 ||
        (rc = id_param(get, ud, "honeynet", p->honeynet, err, errlen)) < 0)
        return rc;
    if ((v = get(ud, "src_ip"))) {
        if (strlen(v) >= sizeof(p->src_ip) ||
            (inet_pton(AF_INET, v, addr) != 1 && inet_pton(AF_INET6, v, addr) != 1))
            return bad(err, errlen, "src_ip", "expected an IPv4 or IPv6 address");
        snprintf(p->src_ip, sizeof(p->src_ip), "%s", v);
    }
    if ((v = get(ud, "since")) && since_param(v, now_us, &p->since_us) < 0)
        return bad(err, errlen, "since",
                   "expected RFC 3339 (2026-11-24T10:00:00Z) or an age (15m)");
    return 0;
}
