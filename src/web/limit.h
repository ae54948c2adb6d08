/* limit: the web API's per-source limits, pure but for a mutex (the
 * server's threads share one table): a request rate (a token bucket per
 * source address) and a brake on guessing the token (after a few failed
 * attempts each further one locks the source out for a time that doubles,
 * answered 429 with Retry-After, the right token too).
 *
 * The table is small and bounded: WEB_LIMIT_SLOTS sources; a new one takes
 * the slot seen longest ago, preferring one not locked out, so a flood of
 * new addresses cannot buy back a locked-out one's attempts before it has
 * evicted every other. Times are the caller's (milliseconds, monotonic).
 *
 * Lifecycle: web_limit_init → admit / failed / succeeded (any thread) →
 * web_limit_destroy. */
#ifndef KARAKURI_WEB_LIMIT_H
#define KARAKURI_WEB_LIMIT_H

#include <pthread.h>
#include <stdbool.h>

#define WEB_LIMIT_SLOTS 256
#define WEB_LIMIT_KEY_LEN 48

struct web_limit_options {
    unsigned rate_per_s;     /* requests per second per source, sustained */
    unsigned burst;          /* … and at once */
    unsigned free_failures;  /* failed token checks before the lockouts start */
    unsigned lockout_ms;     /* the first lockout; each further failure doubles it */
    unsigned max_lockout_ms; /* … up to this */
    unsigned forget_ms;      /* failures forgotten this long after the last */
};
/* 20/s, 40 at once; 5 failures free, then 1 s doubling up to 60 s; forgotten
 * after 10 minutes. */
#define WEB_LIMIT_DEFAULTS                                                                         \
    {                                                                                              \
        20, 40, 5, 1000, 60000, 600000                                                             \
    }

struct web_limit_slot {
    char key[WEB_LIMIT_KEY_LEN]; /* "" when free */
    long long seen_ms;
    long long tokens_milli; /* the bucket, in thousandths of a request */
    unsigned failures;
    long long last_failure_ms;
    long long locked_until_ms;
};

struct web_limit {
    struct web_limit_options o;
    pthread_mutex_t mu;
    struct web_limit_slot slot[WEB_LIMIT_SLOTS];
};

enum web_limit_verdict {
    WEB_LIMIT_OK,
    WEB_LIMIT_RATE,   /* over the request rate */
    WEB_LIMIT_LOCKED, /* locked out after failed token checks */
};

/* o NULL: WEB_LIMIT_DEFAULTS. */
void web_limit_init(struct web_limit *l, const struct web_limit_options *o);
void web_limit_destroy(struct web_limit *l);
/* May src (an address, as text) make a request now? Takes one from its
 * bucket when so; otherwise *retry_ms (may be NULL) says when to try again. */
enum web_limit_verdict web_limit_admit(struct web_limit *l, const char *src, long long now_ms,
                                       long long *retry_ms);
/* A request of src failed the token check / passed it (failures reset). */
void web_limit_failed(struct web_limit *l, const char *src, long long now_ms);
void web_limit_succeeded(struct web_limit *l, const char *src, long long now_ms);

#endif
