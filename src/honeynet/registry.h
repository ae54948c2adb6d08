/* honeynet registry: what the service knows of each honeynet between
 * requests: its sessions, the work queued or running for it, when it was
 * last used. Pure (no locking, no I/O): the service holds its lock around
 * every call; unit-tested.
 *
 * Entries are made on first use and forgotten when the honeynet is removed;
 * a honeynet adopted from an earlier run has none until it is used (its
 * gateway's creation time stands in for its last use). */
#ifndef KARAKURI_HONEYNET_REGISTRY_H
#define KARAKURI_HONEYNET_REGISTRY_H

#include "lan/account.h"
#include "lan/honeynet.h"

#include <stdbool.h>
#include <stddef.h>

#define HONEYNET_USERS_MAX 16

struct honeynet_entry {
    char name[64];
    unsigned open;         /* sessions logged in on it */
    unsigned jobs;         /* requests queued or running for it */
    bool locked;           /* a login's preparation or its removal runs on it */
    bool extracting;       /* an extraction runs on it */
    long long last_used_s; /* unix seconds its last session ended; 0: none */
    /* Its gateway as the last login found or made it (gw_known), so that
     * the next one asks Docker nothing while that init lives; cleared
     * when the honeynet is removed. */
    bool gw_known;
    struct lan_gateway gw;
    /* Accounts its logins left in the gateway: digests of user, shadow
     * hash and password (lan/account.h), the oldest replaced past the cap. */
    unsigned char users[HONEYNET_USERS_MAX][LAN_ACCOUNT_DIGEST_LEN];
    unsigned nusers, next_user;
};

struct honeynet_registry {
    struct honeynet_entry *e;
    size_t n, cap;
};

/* Entry name, NULL if none. Pointers stay valid until the next get/forget. */
struct honeynet_entry *honeynet_registry_find(struct honeynet_registry *r, const char *name);
/* Entry name, made if need be. */
struct honeynet_entry *honeynet_registry_get(struct honeynet_registry *r, const char *name)
    __attribute__((returns_nonnull));
/* Forgets name (removed). */
void honeynet_registry_forget(struct honeynet_registry *r, const char *name);
void honeynet_registry_free(struct honeynet_registry *r);

/* What the sweep does with a honeynet whose gateway was made at created_s. */
enum honeynet_verdict {
    HONEYNET_KEEP,
    HONEYNET_END_THEM, /* over its lifetime: end its sessions first */
    HONEYNET_REMOVE,   /* unused past retention, or over its lifetime with none open */
};
/* e may be NULL (never used by this run). lifetime_s 0: none. Busy ones
 * (work queued or running) are kept. *why: "lifetime" or "retention". */
enum honeynet_verdict honeynet_registry_verdict(const struct honeynet_entry *e, long long created_s,
                                                long long now_s, long long retention_s,
                                                long long lifetime_s, const char **why);

#endif
