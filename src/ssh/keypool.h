/* ssh keypool: host key sets made ahead of time by a thread of the daemon,
 * so that no key is generated per connection. A source with no keys of its
 * own is shown the set of the slot its address hashes to (the same on every
 * connection while that set is in the pool; one set serves several
 * sources, as one server's key does); once it logs in, the set is kept as
 * its own (hostkeys.h) and the slot gets a new one. */
#ifndef KARAKURI_SSH_KEYPOOL_H
#define KARAKURI_SSH_KEYPOOL_H

#include "ssh/hostkeys.h"

#include <stddef.h>

struct kssh_keypool;

/* Starts the thread that fills n slots. */
int kssh_keypool_start(unsigned n, struct kssh_keypool **out) __attribute__((warn_unused_result));
/* A copy of the set of slot hash % n, waiting up to timeout_ms for it to be
 * made; -ETIMEDOUT if it is not. */
int kssh_keypool_get(struct kssh_keypool *p, unsigned hash, int timeout_ms, struct kssh_keyset *out)
    __attribute__((warn_unused_result));
/* ks became a source's own: the slot holding it (if any) gets a new set. */
void kssh_keypool_retire(struct kssh_keypool *p, const struct kssh_keyset *ks);
void kssh_keypool_stop(struct kssh_keypool *p);

#endif
