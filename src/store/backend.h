/* backend: the table of functions a storage back end implements.
 *
 * SQLite (sqlite.c) is the one the writer writes: the local store, and the
 * spool of the PostgreSQL one (pg.c), which has only the read side here: the
 * forwarder (forward.c) fills it from the spool. The writer owns one write
 * context and calls it from its own thread only; readers (the CLI) open their
 * own read-only contexts, on the back end the store options select
 * (store_reading_backend). Errors are negative
 * errno values with the back end's own text in err.
 *
 * Lifecycle: open → append_batch… → close; reader_open → reader_query… →
 * reader_close. */
#ifndef KARAKURI_STORE_BACKEND_H
#define KARAKURI_STORE_BACKEND_H

#include "event/event.h"
#include "store/store.h"

#include <stddef.h>

struct store_backend {
    const char *name;
    int schema_version; /* the version this code reads (and writes) */
    /* o is borrowed for the call; *ctx is the back end's, freed by close. */
    int (*open)(const struct store_options *o, void **ctx, char *err, size_t errlen);
    /* Writes n records (borrowed) in one transaction: all or none. On success
     * *last_id is the highest id now stored. A back end that loses its
     * connection reconnects on a later call by itself. */
    int (*append_batch)(void *ctx, struct event_record *const *recs, size_t n, long long *last_id,
                        char *err, size_t errlen);
    void (*close)(void *ctx);

    /* o borrowed for the call: SQLite reads o->dir, PostgreSQL o->url. */
    int (*reader_open)(const struct store_options *o, void **rctx, char *err, size_t errlen);
    int (*reader_query)(void *rctx, const struct store_event_filter *f, store_event_cb cb, void *ud,
                        char *err, size_t errlen);
    void (*reader_close)(void *rctx);

    /* On success err may hold a line for `karakuri check` ("" if none). */
    int (*check)(const struct store_options *o, char *err, size_t errlen);
};

extern const struct store_backend store_backend_sqlite;
extern const struct store_backend store_backend_pg;

/* The back end readers of o use: PostgreSQL when o->url is set. */
const struct store_backend *store_reading_backend(const struct store_options *o);

/* event_pipeline_start with a given back end: for tests (a back end that
 * fails on demand). be is borrowed and
 * must outlive the pipeline. */
int event_pipeline_start_backend(const struct store_options *o, const struct store_backend *be,
                                 struct event_pipeline **out, char *err, size_t errlen)
    __attribute__((warn_unused_result));

#endif
