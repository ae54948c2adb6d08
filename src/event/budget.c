/* budget: see budget.h. One open-addressing table of token buckets under a
 * mutex; a slot is taken over (its count sent on first) only when every
 * slot it could go to is in use, oldest first. */
#include "event/budget.h"
#include "common/xalloc.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS 8192u /* a power of two */
#define PROBE 16u
#define KEY_MAX 200

struct entry {
    char key[KEY_MAX]; /* "" when free */
    json_t *fields;    /* what a summary says the key is, owned */
    bool net;          /* a honeynet's bucket, not a source's */
    unsigned scale;    /* of the budget (type_rule) */
    double tokens;
    long long refill_us, last_us;
    unsigned long long count; /* refused since since_us */
    long long since_us;
};

struct event_budget {
    struct event_budget_options o;
    pthread_mutex_t mu;
    struct entry *slots; /* SLOTS */
    json_t *pending;     /* summaries of slots taken over, not yet sent */
};

/* Types whose source is another field, whose key says what was tried, or
 * whose budget is larger (scale: times the defaults; a build in a container
 * runs hundreds of programs a second). */
static const struct type_rule {
    enum event_type t;
    const char *src;
    const char *fields[2];
    unsigned scale;
} rules[] = {
    {EVENT_CONTAIN_BLOCKED, "src_ip", {"rule", "proto"}, 1},
    {EVENT_LAN_ARP, "src_ip", {"target", NULL}, 1},
    {EVENT_PROC_EXEC, "host_ip", {NULL, NULL}, 10},
};
static const struct type_rule default_rule = {0, "src_ip", {NULL, NULL}, 1};

static const struct type_rule *rule_of(enum event_type t)
{
    for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
        if (rules[i].t == t)
            return &rules[i];
    return &default_rule;
}

struct event_budget *event_budget_new(const struct event_budget_options *o)
{
    struct event_budget *b = xcalloc(1, sizeof(*b));
    b->o = o ? *o : (struct event_budget_options){0};
    if (!b->o.src_burst)
        b->o.src_burst = EVENT_BUDGET_SRC_BURST;
    if (!b->o.src_per_s)
        b->o.src_per_s = EVENT_BUDGET_SRC_PER_S;
    if (!b->o.net_burst)
        b->o.net_burst = EVENT_BUDGET_NET_BURST;
    if (!b->o.net_per_s)
        b->o.net_per_s = EVENT_BUDGET_NET_PER_S;
    if (!b->o.window_ms)
        b->o.window_ms = EVENT_BUDGET_WINDOW_MS;
    pthread_mutex_init(&b->mu, NULL);
    b->slots = xcalloc(SLOTS, sizeof(*b->slots));
    b->pending = json_array();
    return b;
}

void event_budget_free(struct event_budget *b)
{
    if (!b)
        return;
    for (unsigned i = 0; i < SLOTS; i++)
        json_decref(b->slots[i].fields);
    free(b->slots);
    json_decref(b->pending);
    pthread_mutex_destroy(&b->mu);
    free(b);
}

static bool exempt[EVENT_TYPE_COUNT];
static pthread_once_t exempt_once = PTHREAD_ONCE_INIT;

static void exempt_init(void)
{
    static const char *const groups[] = {"sensor", "session", "login", "command", "tty", "file"};
    for (int t = 0; t < EVENT_TYPE_COUNT; t++)
        for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++)
            exempt[t] |= event_type_matches((enum event_type)t, groups[i]);
    exempt[EVENT_CONTAIN_BUDGET] = true;
}

bool event_budget_exempt(enum event_type t)
{
    pthread_once(&exempt_once, exempt_init);
    return (unsigned)t < EVENT_TYPE_COUNT && exempt[t];
}

/* ev[name] as text for a key ("" when absent or neither string nor integer). */
static const char *field_text(const json_t *ev, const char *name, char *buf, size_t n)
{
    const json_t *v = json_object_get(ev, name);
    if (json_is_string(v))
        return json_string_value(v);
    if (json_is_integer(v)) {
        snprintf(buf, n, "%lld", (long long)json_integer_value(v));
        return buf;
    }
    return "";
}

static uint32_t hash_of(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

/* The key of ev's source (net false) or honeynet bucket; false when it does
 * not fit (then ev is not budgeted). */
static bool key_of(const json_t *ev, enum event_type t, bool net, char key[KEY_MAX])
{
    char b1[24], b2[24], b3[24];
    const char *hn = field_text(ev, "honeynet", b1, sizeof(b1));
    const struct type_rule *r = rule_of(t);
    const char *src = net ? "" : field_text(ev, r->src, b2, sizeof(b2));
    int len = snprintf(key, KEY_MAX, "%d\x1f%s\x1f%s\x1f%d", (int)t, hn, src, (int)net);
    const char *const *sub = net ? NULL : r->fields;
    for (size_t k = 0; sub && k < 2 && sub[k] && len > 0 && len < KEY_MAX; k++)
        len += snprintf(key + len, KEY_MAX - (size_t)len, "\x1f%s",
                        field_text(ev, sub[k], b3, sizeof(b3)));
    return len > 0 && len < KEY_MAX;
}

/* What a summary of the key says it is: made once per slot. */
static json_t *fields_of(const json_t *ev, enum event_type t, bool net)
{
    const struct type_rule *r = rule_of(t);
    const char *const common[] = {"honeynet", r->src};
    json_t *f = json_pack("{s:s, s:s}", "event_type", event_type_name(t), "scope",
                          net ? "honeynet" : "source");
    for (size_t k = 0; k < (net ? 1u : 2u); k++)
        if (json_object_get(ev, common[k]))
            json_object_set(f, common[k], json_object_get(ev, common[k]));
    const char *const *sub = net ? NULL : r->fields;
    for (size_t k = 0; sub && k < 2 && sub[k]; k++)
        if (json_object_get(ev, sub[k]))
            json_object_set(f, sub[k], json_object_get(ev, sub[k]));
    return f;
}

static json_t *summary_of(const struct entry *e, long long now_us)
{
    json_t *ev = event_new(EVENT_CONTAIN_BUDGET);
    json_object_update(ev, e->fields);
    json_object_set_new(ev, "count", json_integer((json_int_t)e->count));
    json_object_set_new(ev, "window_ms", json_integer((now_us - e->since_us) / 1000));
    return ev;
}

/* Which slot goes first: a free one, then one with no count, then the
 * oldest (its count is sent on). */
static int rank(const struct entry *e)
{
    return !e->key[0] ? 0 : !e->count ? 1 : 2;
}

/* The slot of key, made (full bucket) when there is none; never keep. */
static struct entry *slot_for(struct event_budget *b, const char *key, const json_t *ev,
                              enum event_type t, bool net, const struct entry *keep,
                              long long now_us)
{
    uint32_t h = hash_of(key);
    struct entry *victim = NULL;
    for (unsigned i = 0; i < PROBE; i++) {
        struct entry *e = &b->slots[(h + i) & (SLOTS - 1)];
        if (e->key[0] && strcmp(e->key, key) == 0)
            return e;
        if (e == keep)
            continue; /* the source's slot, in use by this very take */
        if (!victim || rank(e) < rank(victim) ||
            (rank(e) == rank(victim) && e->last_us < victim->last_us))
            victim = e;
    }
    if (victim->key[0] && victim->count)
        json_array_append_new(b->pending, summary_of(victim, now_us));
    json_decref(victim->fields);
    *victim = (struct entry){.fields = fields_of(ev, t, net),
                             .net = net,
                             .scale = rule_of(t)->scale,
                             .refill_us = now_us};
    victim->tokens = (double)(net ? b->o.net_burst : b->o.src_burst) * victim->scale;
    snprintf(victim->key, KEY_MAX, "%s", key);
    return victim;
}

static void refill(const struct event_budget *b, struct entry *e, long long now_us)
{
    double burst = (double)(e->net ? b->o.net_burst : b->o.src_burst) * e->scale;
    double rate = (double)(e->net ? b->o.net_per_s : b->o.src_per_s) * e->scale;
    if (now_us > e->refill_us)
        e->tokens += rate * (double)(now_us - e->refill_us) / 1e6;
    if (e->tokens > burst)
        e->tokens = burst;
    e->refill_us = now_us;
    e->last_us = now_us;
}

/* A refused event counts as what it stands for: a contain.blocked that
 * reports repeats is that many attempts. */
static void refuse(struct entry *e, const json_t *ev, long long now_us)
{
    json_int_t repeats = json_integer_value(json_object_get(ev, "repeats"));
    if (!e->count)
        e->since_us = now_us;
    e->count += repeats > 0 ? (unsigned long long)repeats : 1;
}

bool event_budget_take(struct event_budget *b, const json_t *ev, long long now_us)
{
    enum event_type t;
    char skey[KEY_MAX], nkey[KEY_MAX];
    bool ok = true;

    if (event_type_from_name(json_string_value(json_object_get(ev, "type")), &t) < 0 ||
        event_budget_exempt(t) || !key_of(ev, t, false, skey) || !key_of(ev, t, true, nkey))
        return true;
    pthread_mutex_lock(&b->mu);
    struct entry *s = slot_for(b, skey, ev, t, false, NULL, now_us);
    refill(b, s, now_us);
    if (s->tokens < 1.0) {
        refuse(s, ev, now_us);
        ok = false;
    } else {
        struct entry *n = slot_for(b, nkey, ev, t, true, s, now_us);
        refill(b, n, now_us);
        if (n->tokens < 1.0) {
            refuse(n, ev, now_us);
            ok = false;
        } else {
            n->tokens -= 1.0;
            s->tokens -= 1.0;
        }
    }
    pthread_mutex_unlock(&b->mu);
    return ok;
}

size_t event_budget_due(struct event_budget *b, long long now_us, bool all, json_t **out,
                        size_t max)
{
    size_t n = 0;
    long long window_us = (long long)b->o.window_ms * 1000;

    pthread_mutex_lock(&b->mu);
    while (n < max && json_array_size(b->pending)) {
        out[n++] = json_incref(json_array_get(b->pending, 0));
        json_array_remove(b->pending, 0);
    }
    for (unsigned i = 0; i < SLOTS && n < max; i++) {
        struct entry *e = &b->slots[i];
        if (!e->key[0] || !e->count || (!all && now_us - e->since_us < window_us))
            continue;
        out[n++] = summary_of(e, now_us);
        e->count = 0;
    }
    pthread_mutex_unlock(&b->mu);
    return n;
}
