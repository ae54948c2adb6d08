/* query: the store's read side for the CLI, independent of the back end:
 * the local SQLite, or PostgreSQL when the options carry a url. */
#include "common/xalloc.h"
#include "store/backend.h"
#include "store/store.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

struct store_reader {
    const struct store_backend *be;
    void *ctx;
};

static bool has_url(const struct store_options *o)
{
    return o->url && *o->url;
}

const struct store_backend *store_reading_backend(const struct store_options *o)
{
    return has_url(o) ? &store_backend_pg : &store_backend_sqlite;
}

const char *store_reading_name(const struct store_options *o, int *schema_version)
{
    const struct store_backend *be = store_reading_backend(o);
    if (schema_version)
        *schema_version = be->schema_version;
    return be->name;
}

int store_reader_open(const struct store_options *o, struct store_reader **out, char *err,
                      size_t errlen)
{
    void *ctx = NULL;

    if (!o || !out || (!has_url(o) && !o->dir))
        return -EINVAL;
    const struct store_backend *be = store_reading_backend(o);
    int rc = be->reader_open(o, &ctx, err, errlen);
    if (rc < 0)
        return rc;
    struct store_reader *r = xmalloc(sizeof(*r));
    r->be = be;
    r->ctx = ctx;
    *out = r;
    return 0;
}

int store_reader_query(struct store_reader *r, const struct store_event_filter *f,
                       store_event_cb cb, void *ud, char *err, size_t errlen)
{
    static const struct store_event_filter all = {0};
    if (!r || !cb)
        return -EINVAL;
    return r->be->reader_query(r->ctx, f ? f : &all, cb, ud, err, errlen);
}

void store_reader_close(struct store_reader *r)
{
    if (!r)
        return;
    r->be->reader_close(r->ctx);
    free(r);
}

int store_events_query(const struct store_options *o, const struct store_event_filter *f,
                       store_event_cb cb, void *ud, char *err, size_t errlen)
{
    struct store_reader *r = NULL;
    int rc = store_reader_open(o, &r, err, errlen);
    if (rc < 0)
        return rc;
    rc = store_reader_query(r, f, cb, ud, err, errlen);
    store_reader_close(r);
    return rc;
}

int store_open_check(const struct store_options *o, char *err, size_t errlen)
{
    if (!o || !o->dir || !*o->dir) {
        snprintf(err, errlen, "no state directory configured");
        return -EINVAL;
    }
    return store_backend_sqlite.check(o, err, errlen);
}

int store_remote_check(const struct store_options *o, char *msg, size_t msglen)
{
    if (!o || !has_url(o))
        return 1;
    return store_backend_pg.check(o, msg, msglen);
}
