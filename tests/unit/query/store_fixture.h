/* store_fixture: a temp SQLite store with events written through the back
 * end's own write path (the same rows the daemon would leave). */
#ifndef KARAKURI_TESTS_QUERY_STORE_FIXTURE_H
#define KARAKURI_TESTS_QUERY_STORE_FIXTURE_H

#include "../store/tmpdir.h"
#include "event/event.h"
#include "store/backend.h"

#include <jansson.h>

struct fixture {
    char *dir;
    void *wctx;
};

static inline struct fixture *fixture_new(void)
{
    struct fixture *fx = calloc(1, sizeof(*fx));
    struct store_options o = {0};
    char err[256];
    fx->dir = tmpdir_new();
    o.dir = fx->dir;
    if (store_backend_sqlite.open(&o, &fx->wctx, err, sizeof(err)) < 0)
        abort();
    return fx;
}

static inline void fixture_free(struct fixture *fx)
{
    store_backend_sqlite.close(fx->wctx);
    tmpdir_free(fx->dir);
    free(fx);
}

/* Adds one event: t at ts with the fields of the JSON object text fields. */
static inline void fixture_add(struct fixture *fx, enum event_type t, const char *ts,
                               const char *fields)
{
    json_t *ev = event_new(t);
    json_t *more = json_loads(fields ? fields : "{}", 0, NULL);
    struct event_record *r = NULL;
    char err[256];
    long long id;
    if (!more)
        abort();
    json_object_update(ev, more);
    json_decref(more);
    json_object_set_new(ev, "ts", json_string(ts));
    if (event_encode(ev, "unit", 0, &r) < 0 ||
        store_backend_sqlite.append_batch(fx->wctx, &r, 1, &id, err, sizeof(err)) < 0)
        abort();
    json_decref(ev);
    event_record_free(r);
}

#endif
