/* ssh keypool: key sets made ahead of time (see keypool.h). */
#include "ssh/keypool.h"

#include "common/log.h"
#include "common/xalloc.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct kssh_keypool {
    pthread_mutex_t mu;
    pthread_cond_t cv; /* a slot was filled or emptied, or stop */
    pthread_t th;
    bool stopping;
    bool ready; /* every slot filled once (logged) */
    unsigned n;
    struct kssh_keyset *slots; /* pem[0] NULL: to be made */
};

static int empty_slot(const struct kssh_keypool *p)
{
    for (unsigned i = 0; i < p->n; i++)
        if (!p->slots[i].pem[0])
            return (int)i;
    return -1;
}

static void *pool_main(void *arg)
{
    struct kssh_keypool *p = arg;
    pthread_setname_np(pthread_self(), "kk-ssh-keys");
    pthread_mutex_lock(&p->mu);
    for (;;) {
        int i;
        while (!p->stopping && (i = empty_slot(p)) < 0)
            pthread_cond_wait(&p->cv, &p->mu);
        if (p->stopping)
            break;
        pthread_mutex_unlock(&p->mu);
        struct kssh_keyset ks;
        int rc = kssh_keyset_generate(&ks);
        pthread_mutex_lock(&p->mu);
        if (rc < 0) {
            LOG_RATELIMITED(LOG_LEVEL_WARN, "ssh: cannot generate host keys");
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_sec++;
            pthread_cond_timedwait(&p->cv, &p->mu, &ts);
            continue;
        }
        p->slots[i] = ks;
        pthread_cond_broadcast(&p->cv);
        if (!p->ready && empty_slot(p) < 0) {
            p->ready = true;
            LOG_INFO("ssh: %u host key sets ready", p->n);
        }
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

int kssh_keypool_start(unsigned n, struct kssh_keypool **out)
{
    struct kssh_keypool *p = xcalloc(1, sizeof(*p));
    p->n = n ? n : 1;
    p->slots = xcalloc(p->n, sizeof(*p->slots));
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    if (pthread_create(&p->th, NULL, pool_main, p) != 0) {
        pthread_cond_destroy(&p->cv);
        pthread_mutex_destroy(&p->mu);
        free(p->slots);
        free(p);
        return -EAGAIN;
    }
    *out = p;
    return 0;
}

int kssh_keypool_get(struct kssh_keypool *p, unsigned hash, int timeout_ms, struct kssh_keyset *out)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += timeout_ms / 1000;
    ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    int rc = 0;
    struct kssh_keyset *slot = &p->slots[hash % p->n];
    pthread_mutex_lock(&p->mu);
    while (!slot->pem[0] && rc == 0)
        rc = pthread_cond_timedwait(&p->cv, &p->mu, &ts);
    if (slot->pem[0]) {
        kssh_keyset_copy(out, slot);
        rc = 0;
    } else {
        rc = -ETIMEDOUT;
    }
    pthread_mutex_unlock(&p->mu);
    return rc;
}

void kssh_keypool_retire(struct kssh_keypool *p, const struct kssh_keyset *ks)
{
    pthread_mutex_lock(&p->mu);
    for (unsigned i = 0; i < p->n; i++)
        if (p->slots[i].pem[0] && ks->pem[0] && strcmp(p->slots[i].pem[0], ks->pem[0]) == 0) {
            kssh_keyset_free(&p->slots[i]);
            pthread_cond_broadcast(&p->cv);
        }
    pthread_mutex_unlock(&p->mu);
}

void kssh_keypool_stop(struct kssh_keypool *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    p->stopping = true;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    pthread_join(p->th, NULL);
    for (unsigned i = 0; i < p->n; i++)
        kssh_keyset_free(&p->slots[i]);
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
    free(p->slots);
    free(p);
}
