/* queue: the bounded queue between event producers and the writer thread.
 *
 * Many producers push records; one consumer (the writer) pops them in
 * batches. The bound counts records "held": queued plus popped but not yet
 * released by the writer (a batch being retried still takes room), so a
 * failing store cannot make the pipeline hold more than the bound.
 *
 * Lifecycle: store_queue_new → push / pop / release … → store_queue_close
 * (pushes refused, pops drain) → store_queue_free. */
#ifndef KARAKURI_STORE_QUEUE_H
#define KARAKURI_STORE_QUEUE_H

#include "event/event.h"

#include <stdbool.h>
#include <stddef.h>

struct store_queue;

/* cap ≥ 1. */
struct store_queue *store_queue_new(unsigned cap) __attribute__((returns_nonnull));
/* Frees records still queued. */
void store_queue_free(struct store_queue *q);

/* Queues r, taking ownership on success. When the queue is full it waits up
 * to wait_ms for room (not at all while store_queue_set_nowait is on).
 * Returns 0, -ENOBUFS (full; r is still the caller's) or -ESHUTDOWN
 * (closed; r is still the caller's). */
int store_queue_push(struct store_queue *q, struct event_record *r, unsigned wait_ms)
    __attribute__((warn_unused_result));
/* The same, with the queue counted full once limit records are held (limit
 * ≤ the bound): the room above limit stays for other pushes. */
int store_queue_push_below(struct store_queue *q, struct event_record *r, unsigned wait_ms,
                           unsigned limit) __attribute__((warn_unused_result));

/* Moves up to max records to out (the caller owns them, and their room stays
 * taken until store_queue_release). Waits until there is at least one, the
 * queue is closed, or the monotonic clock reaches deadline_us (< 0: no
 * deadline). *drained is set when the queue is closed and now empty. */
size_t store_queue_pop(struct store_queue *q, struct event_record **out, size_t max,
                       long long deadline_us, bool *drained);
/* The writer is done with n popped records: room for n more. */
void store_queue_release(struct store_queue *q, size_t n);
/* Waits until nothing is held; 0 or -ETIMEDOUT. */
int store_queue_wait_empty(struct store_queue *q, unsigned timeout_ms)
    __attribute__((warn_unused_result));

/* While on, a push into a full queue fails at once instead of waiting. */
void store_queue_set_nowait(struct store_queue *q, bool on);
void store_queue_close(struct store_queue *q);
/* Records held (queued + popped and not released), and the bound. */
unsigned store_queue_held(struct store_queue *q);
unsigned store_queue_cap(struct store_queue *q);

#endif
