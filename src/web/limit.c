/* limit: per-source rate and token-guessing limits (limit.h). */
#include "web/limit.h"

#include <stdio.h>
#include <string.h>

void web_limit_init(struct web_limit *l, const struct web_limit_options *o)
{
    static const struct web_limit_options defaults = WEB_LIMIT_DEFAULTS;
    memset(l, 0, sizeof(*l));
    l->o = o ? *o : defaults;
    if (!l->o.burst)
        l->o.burst = 1;
    pthread_mutex_init(&l->mu, NULL);
}

void web_limit_destroy(struct web_limit *l)
{
    pthread_mutex_destroy(&l->mu);
}

/* src's slot, made when new (evicting; see limit.h). Under l->mu. */
static struct web_limit_slot *slot_of(struct web_limit *l, const char *src, long long now_ms)
{
    struct web_limit_slot *free_slot = NULL, *old = NULL, *old_locked = NULL;
    for (size_t i = 0; i < WEB_LIMIT_SLOTS; i++) {
        struct web_limit_slot *s = &l->slot[i];
        if (!s->key[0]) {
            if (!free_slot)
                free_slot = s;
            continue;
        }
        if (strncmp(s->key, src, sizeof(s->key)) == 0)
            return s;
        bool locked = s->locked_until_ms > now_ms;
        struct web_limit_slot **pick = locked ? &old_locked : &old;
        if (!*pick || s->seen_ms < (*pick)->seen_ms)
            *pick = s;
    }
    struct web_limit_slot *s = free_slot ? free_slot : old ? old : old_locked;
    memset(s, 0, sizeof(*s));
    snprintf(s->key, sizeof(s->key), "%s", src[0] ? src : "?");
    s->seen_ms = now_ms;
    s->tokens_milli = (long long)l->o.burst * 1000;
    return s;
}

/* Failures past forget_ms since the last one are forgotten. */
static void forget(const struct web_limit *l, struct web_limit_slot *s, long long now_ms)
{
    if (s->failures && now_ms - s->last_failure_ms >= (long long)l->o.forget_ms) {
        s->failures = 0;
        s->locked_until_ms = 0;
    }
}

enum web_limit_verdict web_limit_admit(struct web_limit *l, const char *src, long long now_ms,
                                       long long *retry_ms)
{
    enum web_limit_verdict v = WEB_LIMIT_OK;
    long long retry = 0;
    pthread_mutex_lock(&l->mu);
    struct web_limit_slot *s = slot_of(l, src, now_ms);
    long long cap = (long long)l->o.burst * 1000;
    long long elapsed = now_ms > s->seen_ms ? now_ms - s->seen_ms : 0;
    s->tokens_milli += elapsed * l->o.rate_per_s;
    if (s->tokens_milli > cap)
        s->tokens_milli = cap;
    s->seen_ms = now_ms;
    forget(l, s, now_ms);
    if (s->locked_until_ms > now_ms) {
        v = WEB_LIMIT_LOCKED;
        retry = s->locked_until_ms - now_ms;
    } else if (s->tokens_milli < 1000) {
        v = WEB_LIMIT_RATE;
        retry = l->o.rate_per_s ? (1000 - s->tokens_milli + l->o.rate_per_s - 1) / l->o.rate_per_s
                                : 1000;
    } else {
        s->tokens_milli -= 1000;
    }
    pthread_mutex_unlock(&l->mu);
    if (retry_ms)
        *retry_ms = retry;
    return v;
}

void web_limit_failed(struct web_limit *l, const char *src, long long now_ms)
{
    pthread_mutex_lock(&l->mu);
    struct web_limit_slot *s = slot_of(l, src, now_ms);
    forget(l, s, now_ms);
    s->failures++;
    s->last_failure_ms = now_ms;
    if (s->failures > l->o.free_failures) {
        unsigned shift = s->failures - l->o.free_failures - 1;
        long long lock = (long long)l->o.lockout_ms << (shift > 16 ? 16 : shift);
        if (lock > (long long)l->o.max_lockout_ms)
            lock = l->o.max_lockout_ms;
        s->locked_until_ms = now_ms + lock;
    }
    pthread_mutex_unlock(&l->mu);
}

void web_limit_succeeded(struct web_limit *l, const char *src, long long now_ms)
{
    pthread_mutex_lock(&l->mu);
    struct web_limit_slot *s = slot_of(l, src, now_ms);
    s->failures = 0;
    s->locked_until_ms = 0;
    pthread_mutex_unlock(&l->mu);
}
