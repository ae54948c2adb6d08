/* worker: the one start/stop for module threads (worker.h). */
#include "common/worker.h"

#include "common/util.h"

#include <errno.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

int worker_start(struct worker *w, void *(*fn)(void *), void *arg)
{
    w->started = false;
    atomic_store(&w->stopping, false);
    w->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (w->stop_fd < 0)
        return -errno;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC); /* sleeps ignore clock steps */
    pthread_cond_init(&w->cv, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&w->mu, NULL);
    int rc = pthread_create(&w->thread, NULL, fn, arg);
    if (rc != 0) {
        pthread_cond_destroy(&w->cv);
        pthread_mutex_destroy(&w->mu);
        close(w->stop_fd);
        w->stop_fd = -1;
        return -rc;
    }
    w->started = true;
    return 0;
}

bool worker_stopping(struct worker *w)
{
    return atomic_load(&w->stopping);
}

bool worker_sleep(struct worker *w, unsigned ms)
{
    struct timespec until;
    util_deadline(CLOCK_MONOTONIC, ms, &until);
    pthread_mutex_lock(&w->mu);
    while (!atomic_load(&w->stopping) &&
           pthread_cond_timedwait(&w->cv, &w->mu, &until) != ETIMEDOUT)
        ;
    pthread_mutex_unlock(&w->mu);
    return worker_stopping(w);
}

void worker_stop(struct worker *w)
{
    if (!w || !w->started)
        return;
    uint64_t one = 1;
    pthread_mutex_lock(&w->mu);
    atomic_store(&w->stopping, true);
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
    if (write(w->stop_fd, &one, sizeof(one)) < 0) {
        /* only on overflow: it is signalled already */
    }
    pthread_join(w->thread, NULL);
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->mu);
    close(w->stop_fd);
    w->stop_fd = -1;
    w->started = false;
}
