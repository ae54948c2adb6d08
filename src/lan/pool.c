/* lan pool: the warm decoy pool, its makers and its key stock (see pool.h).
 * One mutex guards the pool; Docker calls and key generation run without
 * it. Measured here (2 cores, decoys at 0.5 CPU): a decoy that makes its
 * own host keys is ready 1.2-3 s after create (RSA 3072 at half a CPU),
 * one given keys made on the host in 0.35-0.7 s; two makers at once make
 * about twice as many a second as one. */
#include "lan/pool.h"

#include "common/log.h"
#include "common/util.h"
#include "common/xalloc.h"
#include "config/config.h"
#include "docker/docker.h"
#include "ssh/hostkeys.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define KEYS_MAX LAN_POOL_MAX
#define FAILURES_MAX 3
#define RETRY_S 10

struct lan_pool {
    const struct config *cfg;
    void (*on_ready)(void *ud);
    void *ud;
    pthread_mutex_t mu;
    pthread_cond_t cv; /* makers and the keyer: something to do */
    struct lan_decoy ready[LAN_POOL_MAX];
    size_t nready;
    unsigned making;
    unsigned want;
    bool active, stopping;
    /* Containers to remove: dead or surplus pool decoys. */
    char gone[LAN_POOL_MAX][sizeof(((struct lan_decoy *)0)->id)];
    size_t ngone;
    struct kssh_keyset keys[KEYS_MAX];
    size_t nkeys;
    unsigned failures;  /* in a row */
    long long retry_us; /* after FAILURES_MAX: when to try again */
    pthread_t makers[LAN_POOL_MAKERS], keyer;
    size_t nmakers;
    bool keyer_started;
};

static void timed_wait(struct lan_pool *p, int seconds)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += seconds;
    if (pthread_cond_timedwait(&p->cv, &p->mu, &ts) != 0) {
        /* Timed out: look again. */
    }
}

/* Moves the dead and the surplus decoys to the removal list (lock held). */
static void prune(struct lan_pool *p)
{
    for (size_t i = 0; i < p->nready;) {
        bool dead = !lan_decoy_alive(&p->ready[i]);
        bool surplus = p->nready > p->want;
        if ((!dead && !surplus) || p->ngone == LAN_POOL_MAX) {
            i++;
            continue;
        }
        if (dead)
            LOG_RATELIMITED(LOG_LEVEL_WARN, "lan: pool decoy %.12s is gone; not used",
                            p->ready[i].id);
        memcpy(p->gone[p->ngone++], p->ready[i].id, sizeof(p->gone[0]));
        lan_decoy_close(&p->ready[i]);
        p->ready[i] = p->ready[--p->nready];
    }
}

/* A key set from the stock into ks, or one made now (lock held, dropped
 * while making). */
static int take_keys(struct lan_pool *p, struct kssh_keyset *ks)
{
    if (p->nkeys) {
        *ks = p->keys[--p->nkeys];
        pthread_cond_broadcast(&p->cv); /* the keyer refills */
        return 0;
    }
    pthread_mutex_unlock(&p->mu);
    int rc = kssh_keyset_generate(ks);
    pthread_mutex_lock(&p->mu);
    return rc;
}

/* One decoy made and added (lock held, dropped meanwhile). */
static void make_one(struct lan_pool *p, struct docker *d)
{
    struct kssh_keyset ks = {0};
    struct lan_decoy dc;
    char err[512];
    p->making++;
    bool keys = take_keys(p, &ks) == 0;
    pthread_mutex_unlock(&p->mu);
    int rc = lan_decoy_make(d, p->cfg, keys ? &ks : NULL, &dc, err, sizeof(err));
    if (keys)
        kssh_keyset_free(&ks);
    pthread_mutex_lock(&p->mu);
    p->making--;
    if (rc < 0) {
        LOG_RATELIMITED(LOG_LEVEL_WARN, "lan: decoy pool: %s", err);
        if (++p->failures >= FAILURES_MAX)
            p->retry_us = util_mono_us() + RETRY_S * 1000000LL;
        return;
    }
    p->failures = 0;
    if (p->nready == LAN_POOL_MAX || p->stopping) {
        pthread_mutex_unlock(&p->mu);
        if (docker_container_remove(d, dc.id, true, true) < 0) {
            /* Labelled: cleanup finds it. */
        }
        lan_decoy_close(&dc);
        pthread_mutex_lock(&p->mu);
        return;
    }
    p->ready[p->nready++] = dc;
    pthread_mutex_unlock(&p->mu);
    p->on_ready(p->ud);
    pthread_mutex_lock(&p->mu);
}

static bool may_make(struct lan_pool *p)
{
    if (!p->active || p->nready + p->making >= p->want)
        return false;
    if (p->failures < FAILURES_MAX)
        return true;
    if (util_mono_us() < p->retry_us)
        return false;
    p->failures = 0;
    return true;
}

/* The calling thread at nice 10: what the pool costs in CPU (key
 * generation above all) must not delay the claims and the answers, which
 * run on the responder's threads meanwhile. */
static void lower_priority(void)
{
    if (setpriority(PRIO_PROCESS, (id_t)gettid(), 10) < 0) {
        /* Runs at the daemon's priority then. */
    }
}

static void *maker_main(void *arg)
{
    struct lan_pool *p = arg;
    pthread_setname_np(pthread_self(), "kk-pool-maker");
    struct docker *d = NULL;
    char err[256];
    lower_priority();
    if (docker_open(p->cfg->docker.host, &d, err, sizeof(err)) < 0) {
        LOG_WARN("lan: a pool maker has no Docker: %s", err);
        return NULL;
    }
    pthread_mutex_lock(&p->mu);
    while (!p->stopping) {
        prune(p);
        if (p->ngone) {
            char id[72];
            snprintf(id, sizeof(id), "%s", p->gone[--p->ngone]);
            pthread_mutex_unlock(&p->mu);
            if (docker_container_remove(d, id, true, true) < 0)
                LOG_RATELIMITED(LOG_LEVEL_WARN, "lan: pool decoy not removed: %s",
                                docker_last_error(d));
            pthread_mutex_lock(&p->mu);
            continue;
        }
        if (may_make(p)) {
            make_one(p, d);
            continue;
        }
        /* Every second: pool decoys that died are found without a claim. */
        timed_wait(p, 1);
    }
    pthread_mutex_unlock(&p->mu);
    docker_close(d);
    return NULL;
}

/* The key stock's size: enough for the pool grown to a whole plan. */
static size_t keys_want(const struct lan_pool *p)
{
    size_t n = (size_t)p->cfg->honeynet.pool + p->cfg->honeynet.hosts;
    return n > KEYS_MAX ? KEYS_MAX : n;
}

static void *keyer_main(void *arg)
{
    struct lan_pool *p = arg;
    pthread_setname_np(pthread_self(), "kk-pool-keys");
    lower_priority();
    pthread_mutex_lock(&p->mu);
    while (!p->stopping) {
        if (!p->active || p->nkeys >= keys_want(p)) {
            timed_wait(p, 5);
            continue;
        }
        struct kssh_keyset ks;
        pthread_mutex_unlock(&p->mu);
        int rc = kssh_keyset_generate(&ks);
        pthread_mutex_lock(&p->mu);
        if (rc < 0) {
            LOG_RATELIMITED(LOG_LEVEL_WARN, "lan: decoy host keys not made");
            timed_wait(p, 1);
        } else if (p->nkeys < KEYS_MAX) {
            p->keys[p->nkeys++] = ks;
        } else {
            kssh_keyset_free(&ks);
        }
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

int lan_pool_start(const struct config *cfg, void (*on_ready)(void *ud), void *ud,
                   struct lan_pool **out, char *err, size_t errlen)
{
    struct lan_pool *p = xcalloc(1, sizeof(*p));
    p->cfg = cfg;
    p->on_ready = on_ready;
    p->ud = ud;
    p->want = cfg->honeynet.pool;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    for (size_t i = 0; i < LAN_POOL_MAKERS; i++)
        if (pthread_create(&p->makers[i], NULL, maker_main, p) == 0)
            p->nmakers++;
    p->keyer_started = pthread_create(&p->keyer, NULL, keyer_main, p) == 0;
    if (p->nmakers == 0 || !p->keyer_started) {
        lan_pool_stop(p);
        snprintf(err, errlen, "cannot start the decoy pool's threads");
        return -EAGAIN;
    }
    *out = p;
    return 0;
}

void lan_pool_want(struct lan_pool *p, unsigned want, bool active)
{
    pthread_mutex_lock(&p->mu);
    want = want > LAN_POOL_MAX ? LAN_POOL_MAX : want;
    if (want != p->want || active != p->active) {
        p->want = want;
        p->active = active;
        LOG_DEBUG("lan: pool: want %u (ready %zu, making %u, key sets %zu)", want, p->nready,
                  p->making, p->nkeys);
        pthread_cond_broadcast(&p->cv);
    }
    pthread_mutex_unlock(&p->mu);
}

bool lan_pool_take(struct lan_pool *p, struct lan_decoy *dc)
{
    bool got = false;
    pthread_mutex_lock(&p->mu);
    while (p->nready && !got) {
        struct lan_decoy *last = &p->ready[p->nready - 1];
        if (lan_decoy_alive(last)) {
            *dc = *last;
            got = true;
        } else if (p->ngone < LAN_POOL_MAX) {
            LOG_RATELIMITED(LOG_LEVEL_WARN, "lan: pool decoy %.12s is gone; not used", last->id);
            memcpy(p->gone[p->ngone++], last->id, sizeof(p->gone[0]));
            lan_decoy_close(last);
        } else {
            lan_decoy_close(last); /* labelled: cleanup removes it */
        }
        p->nready--;
    }
    pthread_cond_broadcast(&p->cv); /* refill, or remove the dead */
    pthread_mutex_unlock(&p->mu);
    return got;
}

void lan_pool_count(struct lan_pool *p, unsigned *ready, unsigned *making)
{
    pthread_mutex_lock(&p->mu);
    *ready = (unsigned)p->nready;
    *making = p->making;
    pthread_mutex_unlock(&p->mu);
}

void lan_pool_stop(struct lan_pool *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    p->stopping = true;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    for (size_t i = 0; i < p->nmakers; i++)
        pthread_join(p->makers[i], NULL);
    if (p->keyer_started)
        pthread_join(p->keyer, NULL);
    struct docker *d = NULL;
    char err[256];
    if (docker_open(p->cfg->docker.host, &d, err, sizeof(err)) < 0)
        LOG_WARN("lan: pool decoys not removed (cleanup will): %s", err);
    for (size_t i = 0; i < p->nready; i++) {
        if (d && docker_container_remove(d, p->ready[i].id, true, true) < 0)
            LOG_WARN("lan: pool decoy not removed: %s", docker_last_error(d));
        lan_decoy_close(&p->ready[i]);
    }
    for (size_t i = 0; d && i < p->ngone; i++)
        if (docker_container_remove(d, p->gone[i], true, true) < 0)
            LOG_WARN("lan: pool decoy not removed: %s", docker_last_error(d));
    if (d)
        docker_close(d);
    for (size_t i = 0; i < p->nkeys; i++)
        kssh_keyset_free(&p->keys[i]);
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
    free(p);
}
