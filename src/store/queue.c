/* queue: see queue.h. A ring of record pointers under one mutex. Producers
 * signal the writer only when it is actually waiting, and the writer wakes
 * producers only when some are waiting, so a busy pipeline makes no futex
 * calls per event. */
#include "store/queue.h"
#include "common/util.h"
#include "common/xalloc.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

struct store_queue {
    pthread_mutex_t mu;
    pthread_cond_t not_empty; /* the writer waits here */
    pthread_cond_t room;      /* producers and flushers wait here */
    struct event_record **ring;
    unsigned cap;
    unsigned head;  /* next to pop */
    unsigned count; /* in the ring */
    unsigned held;  /* in the ring + popped and not released */
    unsigned room_waiters;
    bool writer_waiting;
    bool nowait;
    bool closed;
};

static void cond_init_mono(pthread_cond_t *c)
{
    pthread_condattr_t a;
    pthread_condattr_init(&a);
    pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
    pthread_cond_init(c, &a);
    pthread_condattr_destroy(&a);
}

static struct timespec mono_deadline(long long us)
{
    struct timespec ts = {.tv_sec = (time_t)(us / 1000000), .tv_nsec = (long)(us % 1000000) * 1000};
    return ts;
}

struct store_queue *store_queue_new(unsigned cap)
{
    struct store_queue *q = xcalloc(1, sizeof(*q));
    pthread_mutex_init(&q->mu, NULL);
    cond_init_mono(&q->not_empty);
    cond_init_mono(&q->room);
    q->cap = cap ? cap : 1;
    q->ring = xcalloc(q->cap, sizeof(struct event_record *));
    return q;
}

void store_queue_free(struct store_queue *q)
{
    if (!q)
        return;
    for (unsigned i = 0; i < q->count; i++)
        event_record_free(q->ring[(q->head + i) % q->cap]);
    free(q->ring);
    pthread_cond_destroy(&q->not_empty);
    pthread_cond_destroy(&q->room);
    pthread_mutex_destroy(&q->mu);
    free(q);
}

int store_queue_push(struct store_queue *q, struct event_record *r, unsigned wait_ms)
{
    return store_queue_push_below(q, r, wait_ms, q->cap);
}

int store_queue_push_below(struct store_queue *q, struct event_record *r, unsigned wait_ms,
                           unsigned limit)
{
    int rc = 0;
    bool timed_out = false;

    if (limit > q->cap)
        limit = q->cap;
    pthread_mutex_lock(&q->mu);
    if (q->held >= limit && wait_ms > 0 && !q->nowait && !q->closed) {
        struct timespec dl = mono_deadline(util_mono_us() + (long long)wait_ms * 1000);
        q->room_waiters++;
        while (q->held >= limit && !q->nowait && !q->closed && !timed_out)
            timed_out = pthread_cond_timedwait(&q->room, &q->mu, &dl) == ETIMEDOUT;
        q->room_waiters--;
    }
    if (q->closed) {
        rc = -ESHUTDOWN;
    } else if (q->held >= limit) {
        rc = -ENOBUFS;
    } else {
        /* count ≤ held < limit ≤ cap, so the slot is free. */
        q->ring[(q->head + q->count) % q->cap] = r;
        q->count++;
        q->held++;
        if (q->writer_waiting)
            pthread_cond_signal(&q->not_empty);
    }
    pthread_mutex_unlock(&q->mu);
    return rc;
}

size_t store_queue_pop(struct store_queue *q, struct event_record **out, size_t max,
                       long long deadline_us, bool *drained)
{
    size_t n = 0;
    struct timespec dl = mono_deadline(deadline_us < 0 ? 0 : deadline_us);

    pthread_mutex_lock(&q->mu);
    while (q->count == 0 && !q->closed) {
        if (deadline_us >= 0 && util_mono_us() >= deadline_us)
            break;
        q->writer_waiting = true;
        if (deadline_us < 0)
            pthread_cond_wait(&q->not_empty, &q->mu);
        else
            pthread_cond_timedwait(&q->not_empty, &q->mu, &dl);
        q->writer_waiting = false;
    }
    while (n < max && q->count > 0) {
        out[n++] = q->ring[q->head];
        q->head = (q->head + 1) % q->cap;
        q->count--;
    }
    *drained = q->closed && q->count == 0;
    pthread_mutex_unlock(&q->mu);
    return n;
}

void store_queue_release(struct store_queue *q, size_t n)
{
    pthread_mutex_lock(&q->mu);
    q->held -= n <= q->held ? (unsigned)n : q->held;
    if (q->room_waiters)
        pthread_cond_broadcast(&q->room);
    pthread_mutex_unlock(&q->mu);
}

int store_queue_wait_empty(struct store_queue *q, unsigned timeout_ms)
{
    struct timespec dl = mono_deadline(util_mono_us() + (long long)timeout_ms * 1000);
    int rc = 0;

    pthread_mutex_lock(&q->mu);
    q->room_waiters++;
    while (q->held > 0 && rc == 0)
        if (pthread_cond_timedwait(&q->room, &q->mu, &dl) == ETIMEDOUT)
            rc = q->held > 0 ? -ETIMEDOUT : 0;
    q->room_waiters--;
    pthread_mutex_unlock(&q->mu);
    return rc;
}

void store_queue_set_nowait(struct store_queue *q, bool on)
{
    pthread_mutex_lock(&q->mu);
    q->nowait = on;
    if (on && q->room_waiters)
        pthread_cond_broadcast(&q->room); /* waiting producers give up now */
    pthread_mutex_unlock(&q->mu);
}

void store_queue_close(struct store_queue *q)
{
    pthread_mutex_lock(&q->mu);
    q->closed = true;
    pthread_cond_broadcast(&q->not_empty);
    pthread_cond_broadcast(&q->room);
    pthread_mutex_unlock(&q->mu);
}

unsigned store_queue_held(struct store_queue *q)
{
    pthread_mutex_lock(&q->mu);
    unsigned n = q->held;
    pthread_mutex_unlock(&q->mu);
    return n;
}

unsigned store_queue_cap(struct store_queue *q)
{
    return q->cap; /* fixed at creation */
}
