/* lan pool: decoys made ahead of time (decoy.h), ready to take an address
 * in milliseconds. The responder says how many it wants (lan_pool_want:
 * the configured base, grown to what an active honeynet's plan may still
 * claim once it is swept, back to the base once it is quiet); makers
 * (LAN_POOL_MAKERS threads, each with its Docker handle) fill the pool up
 * to that in parallel, and surplus decoys are removed. Host keys for the
 * decoys are made on the host, not in the container: a stock of key sets
 * (memory: a few KiB each) is kept filled by a low-priority thread, and a
 * maker that finds it empty makes one itself.
 * Pool decoys have no network at all (NetworkMode none): nothing on any
 * LAN can reach them until a claim plugs them in (netns.h).
 * Lifecycle: start → want/take (any thread) → stop (removes the pool). */
#ifndef KARAKURI_LAN_POOL_H
#define KARAKURI_LAN_POOL_H

#include <stdbool.h>
#include <stddef.h>

#include "lan/decoy.h"

#define LAN_POOL_MAX 64
#define LAN_POOL_MAKERS 2

struct config;
struct lan_pool;

/* cfg is borrowed. on_ready(ud) is called (from a maker, holding no pool
 * lock) each time a decoy joins the pool. */
int lan_pool_start(const struct config *cfg, void (*on_ready)(void *ud), void *ud,
                   struct lan_pool **out, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* How many ready decoys to keep (capped at LAN_POOL_MAX); active: whether
 * to make any at all (an idle sensor runs none) and to keep key sets. */
void lan_pool_want(struct lan_pool *p, unsigned want, bool active);

/* A live decoy from the pool into dc (ownership passes), if there is one;
 * dead ones are dropped (removed by a maker), never handed out. */
bool lan_pool_take(struct lan_pool *p, struct lan_decoy *dc);

/* Decoys ready now, and being made. */
void lan_pool_count(struct lan_pool *p, unsigned *ready, unsigned *making);

/* Stops the threads and removes every pool decoy. */
void lan_pool_stop(struct lan_pool *p);

#endif
