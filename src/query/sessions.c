/* sessions: the read models of SSH sessions. A session is every event that
 * carries its id; the store hands over only those (by session column), and
 * each is checked again here against the event's own "session" string, so
 * that what is read is exactly what a pass over every event would find. */
#include "common/log.h"
#include "event/event.h"
#include "query/query.h"
#include "store/store.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* Collects the events of one session (or of every session). */
struct collect {
    const char *session; /* NULL: all */
    json_t *events;      /* array */
};

static int collect_event(long long id, const char *line, void *ud)
{
    struct collect *c = ud;
    json_t *ev = json_loads(line, 0, NULL);
    (void)id;
    const char *s = json_string_value(json_object_get(ev, "session"));
    if (s && (!c->session || strcmp(s, c->session) == 0))
        json_array_append(c->events, ev);
    json_decref(ev);
    return 0;
}

/* A query whose missing database reads as nothing. */
static int read_events(const struct store_options *so, const struct store_event_filter *f,
                       store_event_cb cb, void *ud, char *err, size_t errlen)
{
    int rc = store_events_query(so, f, cb, ud, err, errlen);
    return rc == -ENOENT ? 0 : rc;
}

int query_session_events(const struct store_options *so, const char *session, const char *type,
                         json_t **out, char *err, size_t errlen)
{
    struct collect c = {.session = session, .events = json_array()};
    struct store_event_filter f = {.type = type, .session = session, .in_session = true};
    int rc = read_events(so, &f, collect_event, &c, err, errlen);
    if (rc < 0) {
        json_decref(c.events);
        return rc;
    }
    *out = c.events;
    return 0;
}

/* ---- the list ---- */

/* ev's type, from the list (event/event_types.h); false for none known. */
static bool type_of(json_t *ev, enum event_type *t)
{
    return event_type_from_name(json_string_value(json_object_get(ev, "type")), t) == 0;
}

static void count(json_t *sum, const char *key)
{
    json_int_t n = json_integer_value(json_object_get(sum, key));
    json_object_set_new(sum, key, json_integer(n + 1));
}

static void summarise(json_t *sum, json_t *ev)
{
    enum event_type t;
    if (!type_of(ev, &t))
        return;
    switch (t) {
    case EVENT_SESSION_CONNECT:
        json_object_set(sum, "start", json_object_get(ev, "ts"));
        json_object_set(sum, "src_ip", json_object_get(ev, "src_ip"));
        json_object_set(sum, "src_port", json_object_get(ev, "src_port"));
        break;
    case EVENT_LOGIN_SUCCESS:
        json_object_set(sum, "username", json_object_get(ev, "username"));
        json_object_set(sum, "password", json_object_get(ev, "password"));
        json_object_set(sum, "honeynet", json_object_get(ev, "honeynet"));
        break;
    case EVENT_LOGIN_FAILED:
        count(sum, "failed_logins");
        break;
    case EVENT_SESSION_VERSION:
        json_object_set(sum, "client", json_object_get(ev, "version"));
        break;
    case EVENT_SESSION_HOP:
        json_object_set(sum, "hop_from", json_object_get(ev, "from_session"));
        json_object_set(sum, "host_ip", json_object_get(ev, "dst_ip"));
        json_object_set(sum, "host", json_object_get(ev, "host"));
        break;
    case EVENT_SESSION_CLOSED:
        json_object_set(sum, "duration_ms", json_object_get(ev, "duration_ms"));
        json_object_set(sum, "reason", json_object_get(ev, "reason"));
        break;
    default:
        /* every command.* but its end is a command */
        if (event_type_matches(t, "command") && t != EVENT_COMMAND_EXIT)
            count(sum, "commands");
        break;
    }
}

int query_sessions(const struct store_options *so, json_t **out, char *err, size_t errlen)
{
    json_t *events = NULL, *ev;
    size_t i;
    int rc = query_session_events(so, NULL, NULL, &events, err, errlen);
    if (rc < 0)
        return rc;
    json_t *sums = json_object(), *list = json_array();
    json_array_foreach(events, i, ev)
    {
        const char *id = json_string_value(json_object_get(ev, "session"));
        json_t *sum = json_object_get(sums, id);
        if (!sum) {
            sum = json_pack("{s:s, s:i, s:i}", "session", id, "failed_logins", 0, "commands", 0);
            json_object_set_new(sums, id, sum);
            json_array_append(list, sum);
        }
        summarise(sum, ev);
    }
    json_decref(sums);
    json_decref(events);
    *out = list;
    return 0;
}

/* ---- one session in full ---- */

/* What happened on a session's honeynet while it was open: the decoys
 * started (the hosts it reached), the processes executed and the downloads
 * tried (the fetcher sees a container, not a session; timestamps are
 * canonical RFC 3339, so they compare as strings). */
struct reached {
    const char *honeynet, *from, *to; /* to NULL: still open */
    json_t *events;
};

static int collect_reached(long long id, const char *line, void *ud)
{
    struct reached *r = ud;
    json_t *ev = json_loads(line, 0, NULL);
    const char *hn = json_string_value(json_object_get(ev, "honeynet"));
    const char *ts = json_string_value(json_object_get(ev, "ts"));
    (void)id;
    /* one with a session of its own is that session's, not the honeynet's */
    if (hn && ts && !json_object_get(ev, "session") && strcmp(hn, r->honeynet) == 0 &&
        strcmp(ts, r->from) >= 0 && (!r->to || strcmp(ts, r->to) <= 0))
        json_array_append(r->events, ev);
    json_decref(ev);
    return 0;
}

struct hops_from {
    const char *session;
    json_t *events;
};

/* A hop made from the session r->session. */
static int collect_hop(long long id, const char *line, void *ud)
{
    struct hops_from *r = ud;
    json_t *ev = json_loads(line, 0, NULL);
    const char *from = json_string_value(json_object_get(ev, "from_session"));
    (void)id;
    if (from && strcmp(from, r->session) == 0)
        json_array_append(r->events, ev);
    json_decref(ev);
    return 0;
}

/* Best effort, as the CLI always had it: a failing read adds nothing. */
static void add_reached(const struct store_options *so, json_t *events)
{
    json_t *ev, *first = json_array_get(events, 0);
    struct reached r = {.from = json_string_value(json_object_get(first, "ts")),
                        .events = json_array()};
    size_t i;
    json_array_foreach(events, i, ev)
    {
        enum event_type t;
        if (type_of(ev, &t) && t == EVENT_LOGIN_SUCCESS)
            r.honeynet = json_string_value(json_object_get(ev, "honeynet"));
        if (type_of(ev, &t) && t == EVENT_SESSION_CLOSED)
            r.to = json_string_value(json_object_get(ev, "ts"));
    }
    static const enum event_type types[] = {EVENT_LAN_DECOY_STARTED, EVENT_PROC_EXEC,
                                            EVENT_FILE_DOWNLOAD};
    char err[256];
    /* The hops made from it: each a session of its own, linked back. */
    struct hops_from hops = {json_string_value(json_object_get(first, "session")), r.events};
    struct store_event_filter hf = {.type = "session.hop", .honeynet = r.honeynet};
    if (r.honeynet && hops.session &&
        store_events_query(so, &hf, collect_hop, &hops, err, sizeof(err)) < 0)
        LOG_DEBUG("query: hops of %s not read: %s", hops.session, err);
    for (size_t t = 0; t < sizeof(types) / sizeof(types[0]) && r.honeynet && r.from; t++) {
        struct store_event_filter f = {.type = event_type_name(types[t]), .honeynet = r.honeynet};
        if (store_events_query(so, &f, collect_reached, &r, err, sizeof(err)) < 0)
            break;
    }
    json_array_extend(events, r.events);
    json_decref(r.events);
}

int query_session_tty(const struct store_options *so, const char *session, unsigned n,
                      char sha256_hex[65], char *err, size_t errlen)
{
    json_t *events = NULL;
    int rc = query_session_events(so, session, "tty.log", &events, err, errlen);
    if (rc < 0)
        return rc;
    const char *sha = json_string_value(json_object_get(json_array_get(events, n), "artifact"));
    rc = -ENOENT;
    if (sha && strlen(sha) == 64 && strspn(sha, "0123456789abcdef") == 64) {
        memcpy(sha256_hex, sha, 65);
        rc = 0;
    }
    json_decref(events);
    return rc;
}

int query_session(const struct store_options *so, const char *session, json_t **out, char *err,
                  size_t errlen)
{
    json_t *events = NULL;
    int rc = query_session_events(so, session, NULL, &events, err, errlen);
    if (rc < 0)
        return rc;
    if (json_array_size(events) > 0)
        add_reached(so, events);
    *out = events;
    return 0;
}
