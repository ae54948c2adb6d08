/* event: the single event schema and its JSON encoding.
 *
 * Everything karakuri observes becomes an event: a JSON object with at least
 * "ts" (UTC RFC 3339 with microseconds), "type" (a dotted name from
 * event_types.h) and "sensor", and where they apply "session", "honeynet",
 * "src_ip", "src_port", "dst_ip", "dst_port".
 *
 * Lifecycle: event_new() → add fields with jansson → event_emit(), which takes
 * the object. event_emit() encodes it once, on the producer's thread, into an
 * event_record (a flat value: the JSON line plus the indexed columns, one
 * allocation, no pointers to anything else) and queues that for the store's
 * writer thread, so nothing a producer owns ever crosses threads.
 *
 * Attacker bytes are not valid UTF-8 in general and jansson refuses invalid
 * UTF-8 in strings: put them in with event_str() / event_set_str(). */
#ifndef KARAKURI_EVENT_EVENT_H
#define KARAKURI_EVENT_EVENT_H

#include "event/event_types.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

enum event_type {
#define EVENT_ENUM_(id, name, desc) EVENT_##id,
    EVENT_TYPES(EVENT_ENUM_)
#undef EVENT_ENUM_
        EVENT_TYPE_COUNT
};

/* An encoded event larger than this is refused (-EMSGSIZE): bulky data goes
 * to artifacts (store_artifact_put) and the event carries the sha256. */
#define EVENT_MAX_BYTES ((size_t)1024 * 1024)

/* "session.connect" for EVENT_SESSION_CONNECT; NULL when t is out of range.
 * Every type is t in [0, EVENT_TYPE_COUNT). */
const char *event_type_name(enum event_type t);
/* One line saying what the type means and the fields it usually carries. */
const char *event_type_description(enum event_type t);
/* Exact name to type: 0, or -EINVAL for an unknown name (*out untouched). */
int event_type_from_name(const char *name, enum event_type *out)
    __attribute__((warn_unused_result));
/* True when pattern is t's name or t's group ("login" matches login.*). */
bool event_type_matches(enum event_type t, const char *pattern);
/* True when pattern names a type or a group that has at least one type. */
bool event_type_matches_any(const char *pattern);

/* A new event object {"ts": null, "type": NAME, "sensor": null}: ts and sensor
 * are filled by event_emit (placed first so every line starts the same way).
 * The caller owns the reference. t must be a valid type (asserted). */
json_t *event_new(enum event_type t) __attribute__((returns_nonnull));

/* A JSON string holding arbitrary bytes. Valid UTF-8 is kept as is; each
 * byte that is not part of a valid UTF-8 sequence (RFC 3629: no overlongs, no
 * surrogates, nothing above U+10FFFF), and each NUL byte, becomes U+FFFD.
 * That is lossy on purpose: the text stays readable in every tool, and NULs
 * would cut strings short in C consumers (jansson refuses \u0000 by default).
 * event_set_str keeps the exact bytes alongside when anything was replaced.
 * The caller owns the reference. */
json_t *event_str(const char *bytes, size_t n) __attribute__((returns_nonnull));
/* True when the n bytes are valid UTF-8 (NUL bytes included). */
bool event_utf8_valid(const char *bytes, size_t n);
/* Sets ev[key] = event_str(bytes, n), and when event_str had to replace
 * anything also ev[key + "_b64"] = the bytes in base64, so nothing an
 * attacker sent is lost. ev is borrowed; key is our own constant (valid
 * UTF-8, asserted). */
void event_set_str(json_t *ev, const char *key, const char *bytes, size_t n);

/* An encoded event: a value that may cross threads. One allocation; the
 * column pointers point into it (or are NULL when the event has no such
 * field); type_name points into the static type table. */
struct event_record {
    enum event_type type;
    long long ts_us;
    const char *type_name;
    const char *ts;       /* canonical "YYYY-MM-DDTHH:MM:SS.uuuuuuZ" */
    const char *sensor;   /* always set */
    const char *session;  /* string, or an integer written in decimal */
    const char *honeynet; /* likewise */
    const char *src_ip;
    size_t len;  /* of the JSON line, without its '\n' */
    char line[]; /* the compact JSON line, '\n', '\0', then the column strings */
};

/* Stamps ev and encodes it. "ts" is kept when it is an RFC 3339 string (then
 * rewritten in the canonical form, so that stored ts values sort as times)
 * and set to now_us otherwise; "sensor" is always set to sensor. ev stays the
 * caller's (it is modified). On success *out is a new record the caller frees
 * with event_record_free. Errors: -EINVAL (not an object, or "type" is not a
 * known type name), -EMSGSIZE (over EVENT_MAX_BYTES). */
int event_encode(json_t *ev, const char *sensor, long long now_us, struct event_record **out)
    __attribute__((warn_unused_result));
void event_record_free(struct event_record *r);

/* The pipeline that carries records to the sinks. It is started and stopped
 * by the store (store/store.h) and implemented there, in the writer; a
 * producer needs only this declaration and a borrowed pipeline pointer.
 *
 * event_emit takes ownership of ev (also on error) and may be called from any
 * thread. It encodes ev (see event_encode) and queues the record. When the
 * queue is full it waits a bounded time (store_options.emit_wait_ms) for room
 * and then drops the event; it does not wait while every sink of the store is
 * failing, since room will not come soon then. Returns 0 when queued, -ENOBUFS when dropped,
 * -ESHUTDOWN when the pipeline is stopping, or event_encode's error. p may be
 * NULL (a module running without a store): the event is discarded, 0.
 *
 * Not warn_unused_result, on purpose: the pipeline counts and reports every
 * drop and failure itself (event_pipeline_stats), so a producer that has
 * nothing better to do than log may ignore the result. */
struct event_pipeline;
int event_emit(struct event_pipeline *p, json_t *ev);

#endif
