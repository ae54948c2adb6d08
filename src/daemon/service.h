/* service: start a table of services in order, stop them in reverse.
 *
 * The daemon is a list of services (the store, the firewall, the monitors,
 * the SSH front end, ...), each with a start and an optional stop over one
 * shared context. service_start_all starts them in table order; when a
 * required one fails, it stops those already started, in reverse, and
 * returns its error: the same teardown as at the end of a run. A service
 * that is not required may fail: it is logged by its own start and the rest
 * go on without it (its stop is not called).
 *
 * Lifecycle: service_start_all → (run) → service_stop_all, with one
 * service_run per table, zeroed before the start. */
#ifndef KARAKURI_DAEMON_SERVICE_H
#define KARAKURI_DAEMON_SERVICE_H

#include <stdbool.h>
#include <stddef.h>

struct service {
    const char *name;
    /* 0, or a negative errno; logs its own failure (the text is the
     * service's). ctx is the table's shared context. */
    int (*start)(void *ctx);
    void (*stop)(void *ctx); /* NULL: nothing to undo */
    bool required;           /* its failure stops the daemon */
};

/* What was started, for the stop. At most SERVICE_MAX services a table. */
#define SERVICE_MAX 32
struct service_run {
    const struct service *table;
    size_t n;
    bool started[SERVICE_MAX];
};

/* table (n entries) is borrowed and must outlive run. Returns 0, or the
 * first required service's error after everything started was stopped. */
int service_start_all(struct service_run *run, const struct service *table, size_t n, void *ctx)
    __attribute__((warn_unused_result));
/* Stops every started service, last first; each at most once. */
void service_stop_all(struct service_run *run, void *ctx);

#endif
