/* query: the store's read side for the CLI, independent of the back end (the
 * back end that reads is the one that writes: SQLite for now). */
#include "common/xalloc.h"
#include "store/backend.h"
#include "store/store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

struct store_reader {
    const struct store_backend *be;
    void *ctx;
};

static const struct store_backend *reading_backend(void)
{
    return &store_backend_sqlite;
}

int store_reader_open(const char *dir, struct store_reader **out, char *err, size_t errlen)
{
    const struct store_backend *be = reading_backend();
    void *ctx = NULL;

    if (!dir || !out)
        return -EINVAL;
    int rc = be->reader_open(dir, &ctx, err, errlen);
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

int store_events_query(const char *dir, const struct store_event_filter *f, store_event_cb cb,
                       void *ud, char *err, size_t errlen)
{
    struct store_reader *r = NULL;
    int rc = store_reader_open(dir, &r, err, errlen);
    if (rc < 0)
        return rc;
    rc = store_reader_query(r, f, cb, ud, err, errlen);
    store_reader_close(r);
    return rc;
}

int store_open_check(const char *dir, char *err, size_t errlen)
{
    if (!dir || !*dir) {
        snprintf(err, errlen, "no state directory configured");
        return -EINVAL;
    }
    return reading_backend()->check(dir, err, errlen);
}
