/* forward: the thread that ships the local spool (<dir>/karakuri.db) to
 * PostgreSQL ([store] url), in order, in batches, idempotent on (sensor,
 * seq). Internal to the store: the writer starts and stops it.
 *
 * Lifecycle: store_forward_start → store_forward_kick… (after each local
 * commit) → store_forward_stop (ships what it can within timeout_ms, joins,
 * frees). Whatever is not shipped by then stays in the spool and goes at the
 * next start: nothing is lost, only late. */
#ifndef KARAKURI_STORE_FORWARD_H
#define KARAKURI_STORE_FORWARD_H

#include "store/store.h"

#include <stdbool.h>
#include <stddef.h>

struct store_forward;

/* dir, url and sensor are copied. p (borrowed, outlives the forwarder) gets
 * the forwarder's sensor.store_failed / sensor.store_recovered events. Only
 * a url that does not parse is an error: an unreachable database is retried
 * for ever. */
int store_forward_start(const char *dir, const char *url, const char *sensor,
                        struct event_pipeline *p, struct store_forward **out, char *err,
                        size_t errlen) __attribute__((warn_unused_result));
/* New rows are in the spool: ship them now rather than at the next poll. */
void store_forward_kick(struct store_forward *f);
/* Counters for event_pipeline_stats; any thread. */
void store_forward_stats(struct store_forward *f, unsigned long long *forwarded, bool *failing);
/* f may be NULL. */
void store_forward_stop(struct store_forward *f, unsigned timeout_ms);

#endif
