/* sessions: the read models of SSH sessions. A session is every event that
 * carries its id; the store hands over only those (by session column), and
 * each is checked again here against the event's own "session" string, so
 * that what is read is exactly what a pass over every event would find. */
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
static int read_events(const char *dir, const struct store_event_filter *f, store_event_cb cb,
                       void *ud, char *err, size_t errlen)
{
    int rc = store_events_query(dir, f, cb, ud, err, errlen);
    return rc == -ENOENT ? 0 : rc;
}

int query_session_events(const char *dir, const char *session, const char *type, json_t **out,
                         char *err, size_t errlen)
{
    struct collect c = {.session = session, .events = json_array()};
    struct store_event_filter f = {.type = type, .session = session, .in_session = true};
    int rc = read_events(dir, &f, collect_event, &c, err, errlen);
    if (rc < 0) {
        json_decref(c.events);
        return rc;
    }
    *out = c.events;
    return 0;
}

/* ---- the list ---- */

static void summarise(json_t *sum, json_t *ev)
{
    const char *type = json_string_value(json_object_get(ev, "type"));
    if (!type)
        return;
    if (strcmp(type, "session.connect") == 0) {
        json_object_set(sum, "start", json_object_get(ev, "ts"));
        json_object_set(sum, "src_ip", json_object_get(ev, "src_ip"));
        json_object_set(sum, "src_port", json_object_get(ev, "src_port"));
    } else if (strcmp(type, "login.success") == 0) {
        json_object_set(sum, "username", json_object_get(ev, "username"));
        json_object_set(sum, "password", json_object_get(ev, "password"));
        json_object_set(sum, "honeynet", json_object_get(ev, "honeynet"));
    } else if (strcmp(type, "login.failed") == 0) {
        json_int_t n = json_integer_value(json_object_get(sum, "failed_logins"));
        json_object_set_new(sum, "failed_logins", json_integer(n + 1));
    } else if (strncmp(type, "command.", 8) == 0 && strcmp(type, "command.exit") != 0) {
        json_int_t n = json_integer_value(json_object_get(sum, "commands"));
        json_object_set_new(sum, "commands", json_integer(n + 1));
    } else if (strcmp(type, "session.version") == 0) {
        json_object_set(sum, "client", json_object_get(ev, "version"));
    } else if (strcmp(type, "session.closed") == 0) {
        json_object_set(sum, "duration_ms", json_object_get(ev, "duration_ms"));
        json_object_set(sum, "reason", json_object_get(ev, "reason"));
    }
}

int query_sessions(const char *dir, json_t **out, char *err, size_t errlen)
{
    json_t *events = NULL, *ev;
    size_t i;
    int rc = query_session_events(dir, NULL, NULL, &events, err, errlen);
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
 * started (the hosts it reached) and the processes executed (timestamps are
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
    if (hn && ts && strcmp(hn, r->honeynet) == 0 && strcmp(ts, r->from) >= 0 &&
        (!r->to || strcmp(ts, r->to) <= 0))
        json_array_append(r->events, ev);
    json_decref(ev);
    return 0;
}

/* Best effort, as the CLI always had it: a failing read adds nothing. */
static void add_reached(const char *dir, json_t *events)
{
    json_t *ev, *first = json_array_get(events, 0);
    struct reached r = {.from = json_string_value(json_object_get(first, "ts")),
                        .events = json_array()};
    size_t i;
    json_array_foreach(events, i, ev)
    {
        const char *type = json_string_value(json_object_get(ev, "type"));
        if (type && strcmp(type, "login.success") == 0)
            r.honeynet = json_string_value(json_object_get(ev, "honeynet"));
        if (type && strcmp(type, "session.closed") == 0)
            r.to = json_string_value(json_object_get(ev, "ts"));
    }
    static const char *const types[] = {"lan.decoy_started", "proc.exec"};
    char err[256];
    for (size_t t = 0; t < sizeof(types) / sizeof(types[0]) && r.honeynet && r.from; t++) {
        struct store_event_filter f = {.type = types[t], .honeynet = r.honeynet};
        if (store_events_query(dir, &f, collect_reached, &r, err, sizeof(err)) < 0)
            break;
    }
    json_array_extend(events, r.events);
    json_decref(r.events);
}

int query_session(const char *dir, const char *session, json_t **out, char *err, size_t errlen)
{
    json_t *events = NULL;
    int rc = query_session_events(dir, session, NULL, &events, err, errlen);
    if (rc < 0)
        return rc;
    if (json_array_size(events) > 0)
        add_reached(dir, events);
    *out = events;
    return 0;
}
