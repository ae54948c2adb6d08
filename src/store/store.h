/* store: where events and artifacts end up, and how the CLI reads them back.
 *
 * The event pipeline: producers call event_emit() (event/event.h) from any
 * thread; it encodes the event on their thread and puts the record on a
 * bounded queue. One writer thread takes batches off the queue and writes
 * each batch to every sink: the back end (SQLite, <dir>/karakuri.db, one
 * transaction per batch) and, when enabled, JSON lines (<dir>/karakuri.json).
 *
 * Lifecycle: event_pipeline_start → event_emit (any thread, any number) →
 * event_pipeline_stop (flushes what is queued, joins the writer, frees).
 *
 * Failures: a sink that fails (disk full, read-only file system, database
 * deleted) keeps the failed batch and retries it with backoff while there is
 * room; every failure is counted and the last error kept (stats), logged at a
 * limited rate, and recorded as sensor.store_failed / sensor.store_recovered
 * events. The sinks fail independently: the one that works keeps writing. When
 * the queue is full, new events are dropped and counted; if one sink is the
 * only thing filling the queue, it gives up its oldest batch (counted as
 * abandoned) so the other sink is not starved. Nothing committed is touched.
 *
 * With a url (PostgreSQL), a forwarder thread started with the writer ships
 * what the local SQLite committed to that database (forward.h), and readers
 * read from there: the local store is its spool.
 *
 * The pipeline is named event_pipeline_* (not store_*) because that is what
 * producers hold; it lives here because it is the store's writer. */
#ifndef KARAKURI_STORE_STORE_H
#define KARAKURI_STORE_STORE_H

#include "event/budget.h"
#include "event/event.h"

#include <stdbool.h>
#include <stddef.h>

#define STORE_DB_NAME "karakuri.db"
#define STORE_JSONL_NAME "karakuri.json"
#define STORE_ARTIFACTS_DIR "artifacts"
/* Terminal recordings being written, one file per channel:
 * <dir>/spool/tty/<session>-<channel>.cast (a kill -9 leaves them there). */
#define STORE_TTY_SPOOL_DIR "spool/tty"
/* Events accepted vs. written, kept across a crash (writer.c). */
#define STORE_COUNTS_NAME "events.count"
/* This state directory's instance id (32 hex digits), which the PostgreSQL
 * store ties the sensor name to (forward.c). */
#define STORE_SENSOR_ID_NAME "sensor.id"

/* Defaults for the zero values of store_options. */
#define STORE_DEFAULT_QUEUE_EVENTS 65536u
#define STORE_DEFAULT_BATCH_EVENTS 1024u
#define STORE_DEFAULT_EMIT_WAIT_MS 100u
#define STORE_DEFAULT_STOP_TIMEOUT_MS 5000u

/* Every field may be zero / NULL for its default; all are borrowed (copied
 * by event_pipeline_start). */
struct store_options {
    const char *dir; /* state directory, created if missing (default "./var") */
    /* PostgreSQL (a libpq URI, "postgresql://USER@HOST/DB"): NULL or "" for
     * none. When set, events are forwarded there and readers read there. */
    const char *url;
    bool jsonl;               /* also append every event to <dir>/karakuri.json */
    unsigned queue_events;    /* events queued or being retried, at most */
    unsigned batch_events;    /* events per write (one transaction), at most */
    const char *sensor;       /* this sensor's name in every event (default: host name) */
    unsigned emit_wait_ms;    /* how long event_emit waits for room in a full queue */
    unsigned stop_timeout_ms; /* how long stop keeps retrying a failing sink */
    /* Called on the writer thread after each batch the back end committed,
     * with the highest id committed so far and the batch's size. Must be
     * quick and must not call event_emit. */
    void (*on_commit)(long long last_id, size_t n, void *ud);
    void *on_commit_ud;
    /* Event budgets per source and honeynet (event/budget.h); NULL: the
     * defaults. */
    const struct event_budget_options *budget;
};

struct event_pipeline_stats {
    unsigned long long emitted;       /* queued by event_emit */
    unsigned long long dropped;       /* refused by event_emit: queue full */
    unsigned long long suppressed;    /* over budget: counted in contain.budget events */
    unsigned long long committed;     /* committed to the back end */
    unsigned long long jsonl_written; /* appended to karakuri.json */
    unsigned long long failed_writes; /* failed batch writes, any sink (each retry counts) */
    unsigned long long abandoned;     /* events a failing sink gave up (per sink) */
    unsigned long long queued;        /* queued or being retried now */
    long long last_id;                /* highest id committed by this pipeline, 0 if none */
    bool failing;                     /* a sink is failing now */
    unsigned long long forwarded;     /* shipped to PostgreSQL by this pipeline */
    bool forward_failing;             /* PostgreSQL is away or refusing now */
    char last_error[256];             /* the last failure's text, "" if none */
};

/* Opens the sinks (creating <dir> and the database as needed) and starts the
 * writer. On success *out is the pipeline (the caller owns it: stop it);
 * otherwise a negative errno and err says why. */
int event_pipeline_start(const struct store_options *o, struct event_pipeline **out, char *err,
                         size_t errlen) __attribute__((warn_unused_result));
/* Stops taking events, writes everything queued (retrying a failing sink for
 * up to stop_timeout_ms), joins the writer and frees p. Returns 0, or -EIO
 * when events had to be given up at stop (they are counted in the log line
 * it writes). p may be NULL. */
int event_pipeline_stop(struct event_pipeline *p) __attribute__((warn_unused_result));
/* Waits until everything emitted so far has been written to every sink (or
 * given up). Returns 0, or -ETIMEDOUT. */
int event_pipeline_flush(struct event_pipeline *p, unsigned timeout_ms)
    __attribute__((warn_unused_result));
/* A snapshot of the counters; callable from any thread. */
void event_pipeline_stats(struct event_pipeline *p, struct event_pipeline_stats *st);

/* Reading events back (the CLI): from <o->dir>/karakuri.db, opened
 * read-only, so this works while the daemon writes; or, when o->url is set,
 * from PostgreSQL, with every sensor's events. */
struct store_event_filter {
    long long since_us; /* only events with ts at or after this (0: all) */
    const char *type;   /* a type name or a group ("login"), NULL for all; borrowed */
    long long after_id; /* only events with id > after_id (0: all) */
    /* Equality on the columns the back end keeps beside each event (NULL:
     * any); all borrowed. The read models (src/query/) use them so that a
     * session or a honeynet is read without reading every event. */
    const char *session;
    const char *honeynet;
    const char *src_ip;
    bool in_session;   /* only events that carry a session id */
    bool newest_first; /* in descending id order (the last event first) */
};
/* Called once per event, in id order. json_line is borrowed for the call.
 * Return 0 to go on; anything else stops the query, and a negative value is
 * returned by the query. */
typedef int (*store_event_cb)(long long id, const char *json_line, void *ud);

/* One-shot query: opens the store o names (borrowed), runs, closes. Returns
 * 0, -ENOENT when there is no database (or schema) yet, or another negative
 * errno (err says why). */
int store_events_query(const struct store_options *o, const struct store_event_filter *f,
                       store_event_cb cb, void *ud, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* The same with a connection and prepared statements kept between queries:
 * for a follower polling for id > last several times a second. */
struct store_reader;
int store_reader_open(const struct store_options *o, struct store_reader **out, char *err,
                      size_t errlen) __attribute__((warn_unused_result));
int store_reader_query(struct store_reader *r, const struct store_event_filter *f,
                       store_event_cb cb, void *ud, char *err, size_t errlen)
    __attribute__((warn_unused_result));
void store_reader_close(struct store_reader *r);

/* The back end readers of o read ("sqlite" or "postgresql"); *schema_version
 * (may be NULL) gets the schema version this karakuri reads and writes there. */
const char *store_reading_name(const struct store_options *o, int *schema_version);

/* For `karakuri check`: creates o->dir if missing, checks a file can be made
 * in it, and when a database exists, that it opens, has a schema this version
 * knows, and passes PRAGMA quick_check. Returns 0 or a negative errno (err
 * says why). */
int store_open_check(const struct store_options *o, char *err, size_t errlen)
    __attribute__((warn_unused_result));
/* The same for PostgreSQL when o->url is set: connects and reads the schema
 * version; on success msg says where and which version. 1 when there is no
 * url. */
int store_remote_check(const struct store_options *o, char *msg, size_t msglen)
    __attribute__((warn_unused_result));
/* `karakuri store migrate`: creates or migrates the PostgreSQL schema of
 * o->url; *from and *to get the versions before and after. -ENOTSUP when the
 * database is newer than this binary. */
int store_migrate(const struct store_options *o, int *from, int *to, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* Artifacts: bulky things stored once, as <dir>/artifacts/<sha256 hex>. Each
 * is written to a temporary file in that directory, fsynced, and linked into
 * place; a file already there is left alone (same name, same content). On
 * success sha256_hex holds the 64 hex digits. */
int store_artifact_put(const char *dir, const void *data, size_t len, char sha256_hex[65])
    __attribute__((warn_unused_result));
/* Streams from fd (borrowed, read to its end); *size_out (may be NULL) gets
 * the byte count. For large files: nothing is held in memory. */
int store_artifact_put_fd(const char *dir, int fd, char sha256_hex[65],
                          unsigned long long *size_out) __attribute__((warn_unused_result));
int store_artifact_put_file(const char *dir, const char *path, char sha256_hex[65],
                            unsigned long long *size_out) __attribute__((warn_unused_result));
/* "<dir>/artifacts/<sha256_hex>", newly allocated: the caller frees it. */
char *store_artifact_path(const char *dir, const char *sha256_hex);

/* The tty spool. open: creates (truncates) the file of session's channel
 * ch, read-write; *fd is the caller's. session is our own id (no '/').
 * done: the file was stored, it goes. recover: stores every file a killed
 * run left as an artifact, each a tty.log event (session, channel, artifact,
 * size, recovered: true) on p, and removes it; returns how many, or a
 * negative errno. Files that cannot be stored stay for the next try. */
int store_tty_spool_open(const char *dir, const char *session, int ch, int *fd)
    __attribute__((warn_unused_result));
void store_tty_spool_done(const char *dir, const char *session, int ch);
int store_tty_recover(const char *dir, struct event_pipeline *p)
    __attribute__((warn_unused_result));

#endif
