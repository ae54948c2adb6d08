/* events: pages of the event stream and the store's health, for the web API
 * (the CLI prints the same lines as they come: cli/cmd_events.c). A page is
 * read with the callback's stop: the store hands over one event more than
 * the page holds, which says whether there is a next page, and no more. */
#include "query/query.h"
#include "store/store.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

struct page {
    unsigned limit;
    json_t *events;
    long long last_id; /* of the last event in the page */
    bool more;
    const char *const *only; /* NULL, or the types kept (NULL-terminated) */
};

static bool kept(const struct page *p, const json_t *ev)
{
    const char *t = json_string_value(json_object_get(ev, "type"));
    if (!p->only)
        return true;
    for (size_t i = 0; t && p->only[i]; i++)
        if (strcmp(t, p->only[i]) == 0)
            return true;
    return false;
}

static int page_event(long long id, const char *line, void *ud)
{
    struct page *p = ud;
    json_t *ev = json_loads(line, 0, NULL);
    if (json_is_object(ev) && !kept(p, ev)) {
        json_decref(ev);
        if (json_array_size(p->events) < p->limit)
            p->last_id = id; /* skipped, and the cursor moves past it */
        return 0;
    }
    if (json_array_size(p->events) >= p->limit) {
        json_decref(ev);
        p->more = true;
        return 1; /* stop: one past the page */
    }
    /* A row that is not an object (it cannot be: the writer encoded it)
     * still moves the cursor on, so that a page is never stuck on it. */
    if (json_is_object(ev))
        json_array_append(p->events, ev);
    json_decref(ev);
    p->last_id = id;
    return 0;
}

static int page_of(const struct store_options *so, const struct store_event_filter *f,
                   unsigned limit, const char *const *only, json_t **out, char *err, size_t errlen)
{
    struct page p = {.limit = limit ? limit : 1, .events = json_array(), .only = only};
    int rc = store_events_query(so, f, page_event, &p, err, errlen);
    if (rc < 0 && rc != -ENOENT) {
        json_decref(p.events);
        return rc;
    }
    *out = json_pack("{s:o, s:o}", "events", p.events, "next",
                     p.more ? json_integer(p.last_id) : json_null());
    return 0;
}

int query_events_page(const struct store_options *so, const struct store_event_filter *f,
                      unsigned limit, json_t **out, char *err, size_t errlen)
{
    return page_of(so, f, limit, NULL, out, err, errlen);
}

int query_ports_page(const struct store_options *so, long long after_id, unsigned limit,
                     bool payloads, json_t **out, char *err, size_t errlen)
{
    /* Payloads are one type the store filters on; opened and closed are
     * read from the "port" group (probes too) and kept here. */
    static const char *const ports[] = {"port.opened", "port.closed", NULL};
    struct store_event_filter f = {.after_id = after_id,
                                   .type = payloads ? "port.payload" : "port"};
    return page_of(so, &f, limit, payloads ? NULL : ports, out, err, errlen);
}

struct last {
    long long id;
    json_t *ts;
};

static int last_event(long long id, const char *line, void *ud)
{
    struct last *l = ud;
    json_t *ev = json_loads(line, 0, NULL);
    l->id = id;
    l->ts = json_incref(json_object_get(ev, "ts"));
    json_decref(ev);
    return 1; /* the newest only */
}

int query_health(const struct store_options *so, const char *sensor, json_t **out, char *err,
                 size_t errlen)
{
    struct last l = {0};
    struct store_event_filter f = {.newest_first = true};
    int version = 0;
    const char *backend = store_reading_name(so, &version);
    int rc = store_events_query(so, &f, last_event, &l, err, errlen);
    if (rc < 0 && rc != -ENOENT)
        return rc;
    *out =
        json_pack("{s:s, s:s, s:i, s:o, s:o, s:s}", "sensor", sensor ? sensor : "", "store",
                  backend, "schema_version", version, "last_event", l.ts ? l.ts : json_null(),
                  "last_id", l.id ? json_integer(l.id) : json_null(), "version", KARAKURI_VERSION);
    return 0;
}
