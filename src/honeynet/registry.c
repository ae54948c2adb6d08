/* honeynet registry (see registry.h). */
#include "honeynet/registry.h"

#include "common/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct honeynet_entry *honeynet_registry_find(struct honeynet_registry *r, const char *name)
{
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->e[i].name, name) == 0)
            return &r->e[i];
    return NULL;
}

struct honeynet_entry *honeynet_registry_get(struct honeynet_registry *r, const char *name)
{
    struct honeynet_entry *e = honeynet_registry_find(r, name);
    if (e)
        return e;
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 16;
        r->e = xrealloc(r->e, r->cap * sizeof(*r->e));
    }
    e = &r->e[r->n++];
    memset(e, 0, sizeof(*e));
    snprintf(e->name, sizeof(e->name), "%s", name);
    return e;
}

void honeynet_registry_forget(struct honeynet_registry *r, const char *name)
{
    struct honeynet_entry *e = honeynet_registry_find(r, name);
    if (e)
        *e = r->e[--r->n];
}

void honeynet_registry_free(struct honeynet_registry *r)
{
    free(r->e);
    memset(r, 0, sizeof(*r));
}

enum honeynet_verdict honeynet_registry_verdict(const struct honeynet_entry *e, long long created_s,
                                                long long now_s, long long retention_s,
                                                long long lifetime_s, const char **why)
{
    bool busy = e && (e->jobs || e->locked || e->extracting);
    unsigned open = e ? e->open : 0;
    long long used = e ? e->last_used_s : 0;
    if (lifetime_s && now_s - created_s >= lifetime_s) {
        *why = "lifetime";
        /* Removed at a later sweep, once its sessions are recorded. */
        if (open)
            return HONEYNET_END_THEM;
        return busy ? HONEYNET_KEEP : HONEYNET_REMOVE;
    }
    *why = "retention";
    if (busy || open)
        return HONEYNET_KEEP;
    return now_s - (used > created_s ? used : created_s) >= retention_s ? HONEYNET_REMOVE
                                                                        : HONEYNET_KEEP;
}
