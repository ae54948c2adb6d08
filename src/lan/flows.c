/* lan flows: bucketed tables with least-recently-seen eviction (see
 * flows.h). */
#include "lan/flows.h"

#include <stdbool.h>

#define MINUTE_US 60000000LL

static uint32_t mix(uint32_t h)
{
    h ^= h >> 16;
    h *= 0x7feb352du;
    h ^= h >> 15;
    h *= 0x846ca68bu;
    return h ^ (h >> 16);
}

static uint32_t pair_hash(uint32_t src, uint32_t dst)
{
    return mix(src * 2654435761u ^ mix(dst));
}

static bool same(const struct lan_flow_key *a, const struct lan_flow_key *b)
{
    return a->src == b->src && a->dst == b->dst && a->port == b->port && a->proto == b->proto;
}

/* The pair's slot, made (evicting its bucket's least recently seen) when
 * missing; *fresh says it was. */
static struct lan_pair_slot *pair_of(struct lan_flows *t, uint32_t src, uint32_t dst, long long now,
                                     bool *fresh)
{
    struct lan_pair_slot *b = t->pairs[pair_hash(src, dst) % LAN_PAIR_BUCKETS], *old = &b[0];
    for (int i = 0; i < LAN_FLOW_WAYS; i++) {
        if (b[i].seen_us && b[i].src == src && b[i].dst == dst) {
            *fresh = false;
            return &b[i];
        }
        if (b[i].seen_us < old->seen_us)
            old = &b[i];
    }
    /* What an evicted pair had counted stays counted, as no pair's. */
    if (old->seen_us)
        t->orphaned += old->unrecorded;
    *old = (struct lan_pair_slot){.src = src, .dst = dst, .seen_us = now, .window_us = now};
    *fresh = true;
    return old;
}

enum lan_flow_verdict lan_flows_see(struct lan_flows *t, const struct lan_flow_key *k,
                                    long long now_us)
{
    uint32_t h = mix(pair_hash(k->src, k->dst) ^ ((uint32_t)k->port << 8 | k->proto));
    struct lan_flow_slot *b = t->flows[h % LAN_FLOW_BUCKETS], *old = &b[0];
    for (int i = 0; i < LAN_FLOW_WAYS; i++) {
        if (b[i].seen_us && same(&b[i].k, k)) {
            b[i].seen_us = now_us;
            return LAN_FLOW_SEEN;
        }
        if (b[i].seen_us < old->seen_us)
            old = &b[i];
    }
    bool fresh;
    struct lan_pair_slot *p = pair_of(t, k->src, k->dst, now_us, &fresh);
    p->seen_us = now_us;
    if (!fresh && now_us - p->window_us >= MINUTE_US) {
        p->window_us = now_us;
        p->recorded = 0;
    }
    if (!fresh && p->recorded >= LAN_FLOW_PORTS_PER_MIN) {
        p->unrecorded++;
        return LAN_FLOW_UNRECORDED;
    }
    p->recorded++;
    old->k = *k;
    old->seen_us = now_us;
    return LAN_FLOW_NEW;
}

size_t lan_flows_take_dropped(struct lan_flows *t,
                              void (*fn)(uint32_t src, uint32_t dst, unsigned long long n,
                                         void *ud),
                              void *ud)
{
    size_t n = 0;
    for (int b = 0; b < LAN_PAIR_BUCKETS; b++)
        for (int i = 0; i < LAN_FLOW_WAYS; i++) {
            struct lan_pair_slot *p = &t->pairs[b][i];
            if (!p->seen_us || !p->unrecorded)
                continue;
            fn(p->src, p->dst, p->unrecorded, ud);
            p->unrecorded = 0;
            n++;
        }
    if (t->orphaned) {
        fn(0, 0, t->orphaned, ud);
        t->orphaned = 0;
        n++;
    }
    return n;
}
