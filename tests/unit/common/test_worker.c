#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <poll.h>
#include <string.h>
#include <time.h>

#include "common/worker.h"

struct job {
    struct worker w;
    int rounds;
    atomic_int seen;
};

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void *periodic(void *arg)
{
    struct job *j = arg;
    while (!worker_sleep(&j->w, 10))
        atomic_fetch_add(&j->seen, 1);
    return NULL;
}

static void *poller(void *arg)
{
    struct job *j = arg;
    struct pollfd p = {.fd = j->w.stop_fd, .events = POLLIN};
    while (!worker_stopping(&j->w))
        if (poll(&p, 1, 10000) == 1)
            atomic_fetch_add(&j->seen, 1);
    return NULL;
}

static void test_periodic_stops_at_once(void **state)
{
    (void)state;
    struct job j;
    memset(&j, 0, sizeof(j));
    assert_int_equal(worker_start(&j.w, periodic, &j), 0);
    while (atomic_load(&j.seen) < 3)
        ;
    long long t0 = now_ms();
    worker_stop(&j.w);
    assert_true(now_ms() - t0 < 1000); /* not a whole sleep, let alone more */
    worker_stop(&j.w);                 /* twice: nothing */
}

static void test_poller_woken_by_stop_fd(void **state)
{
    (void)state;
    struct job j;
    memset(&j, 0, sizeof(j));
    assert_int_equal(worker_start(&j.w, poller, &j), 0);
    long long t0 = now_ms();
    worker_stop(&j.w);
    assert_true(now_ms() - t0 < 5000); /* the 10 s poll was cut short */
    struct worker never;
    memset(&never, 0, sizeof(never));
    worker_stop(&never);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_periodic_stops_at_once),
        cmocka_unit_test(test_poller_woken_by_stop_fd),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
