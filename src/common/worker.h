/* worker: a module's background thread, started and stopped one way.
 *
 * The module threads (the exec monitor, the firewall log watcher, the limits
 * watcher, ...) each wrote their own start, stop signal and join: an eventfd
 * polled beside their fds, a condition variable for a periodic sleep, or an
 * atomic flag. A worker has all three in one: stop_fd to poll, worker_sleep
 * for periodic work, worker_stopping for a loop condition.
 *
 * Lifecycle: worker_start → (the thread runs fn until it sees the stop) →
 * worker_stop (asks, joins, frees). A struct worker is embedded in the
 * module's own state; it must not move while started. */
#ifndef KARAKURI_COMMON_WORKER_H
#define KARAKURI_COMMON_WORKER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

struct worker {
    pthread_t thread;
    int stop_fd; /* eventfd: readable (POLLIN) once stop is asked; poll it */
    atomic_bool stopping;
    pthread_mutex_t mu; /* for worker_sleep */
    pthread_cond_t cv;
    bool started;
};

/* Starts fn(arg) on a new thread. Returns 0 or a negative errno (nothing is
 * left to free then). */
int worker_start(struct worker *w, void *(*fn)(void *), void *arg)
    __attribute__((warn_unused_result));
/* True once worker_stop was called: the thread's loop condition. */
bool worker_stopping(struct worker *w);
/* Sleeps up to ms, less when stop is asked meanwhile. Returns
 * worker_stopping(w). */
bool worker_sleep(struct worker *w, unsigned ms);
/* Asks the thread to stop, joins it and frees what worker_start made. A
 * worker never started (zeroed) or already stopped is left alone. */
void worker_stop(struct worker *w);

#endif
