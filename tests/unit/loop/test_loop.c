#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "loop/loop.h"

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct reads {
    int n;
    char last;
    int del_other; /* an fd to remove from the callback, or -1 */
};

static void on_read(struct loop *l, int fd, unsigned events, void *ud)
{
    struct reads *r = ud;
    char c;
    assert_true(events & LOOP_READ);
    if (read(fd, &c, 1) == 1) {
        r->n++;
        r->last = c;
    }
    if (r->del_other >= 0) {
        assert_int_equal(loop_del_fd(l, r->del_other), 0);
        r->del_other = -1;
    }
}

static void test_fds(void **state)
{
    (void)state;
    struct loop *l = NULL;
    int a[2], b[2];
    assert_int_equal(loop_new(&l), 0);
    assert_int_equal(pipe(a), 0);
    assert_int_equal(pipe(b), 0);
    struct reads ra = {.del_other = b[0]}, rb = {.del_other = -1};
    assert_int_equal(loop_add_fd(l, a[0], LOOP_READ, on_read, &ra), 0);
    assert_int_equal(loop_add_fd(l, a[0], LOOP_READ, on_read, &ra), -EEXIST);
    assert_int_equal(loop_add_fd(l, b[0], LOOP_READ, on_read, &rb), 0);
    assert_int_equal(loop_run_once(l, 0), 0); /* nothing ready */
    /* Both ready in one batch; a's callback removes b: b's is not called,
     * whichever epoll reports first. */
    assert_int_equal(write(b[1], "y", 1), 1);
    assert_int_equal(write(a[1], "x", 1), 1);
    int called = 0;
    for (int i = 0; i < 3; i++) {
        int rc = loop_run_once(l, 100);
        assert_true(rc >= 0);
        called += rc;
    }
    assert_int_equal(ra.n, 1);
    assert_true(rb.n <= 1); /* only if b came first in the batch */
    assert_int_equal(called, 1 + rb.n);
    assert_int_equal(loop_del_fd(l, b[0]), -ENOENT);
    assert_int_equal(loop_mod_fd(l, a[0], 0), 0); /* not interested any more */
    assert_int_equal(write(a[1], "z", 1), 1);
    assert_int_equal(loop_run_once(l, 20), 0);
    assert_int_equal(loop_del_fd(l, a[0]), 0);
    loop_free(l);
    close(a[0]);
    close(a[1]);
    close(b[0]);
    close(b[1]);
}

struct ticks {
    int n;
    int stop_at;
};

static void on_tick(struct loop *l, struct loop_timer *t, void *ud)
{
    struct ticks *k = ud;
    (void)t;
    if (++k->n == k->stop_at)
        loop_stop(l);
}

static void test_timers(void **state)
{
    (void)state;
    struct loop *l = NULL;
    struct loop_timer *rep = NULL, *once = NULL, *gone = NULL;
    struct ticks tr = {.stop_at = 3}, to = {0}, tg = {0};
    assert_int_equal(loop_new(&l), 0);
    long long t0 = now_ms();
    assert_int_equal(loop_add_timer(l, 10, 10, on_tick, &tr, &rep), 0);
    assert_int_equal(loop_add_timer(l, 0, 0, on_tick, &to, &once), 0);
    assert_int_equal(loop_add_timer(l, 5, 0, on_tick, &tg, &gone), 0);
    loop_del_timer(l, gone);
    assert_int_equal(loop_run(l), 0);
    long long took = now_ms() - t0;
    assert_int_equal(tr.n, 3);
    assert_int_equal(to.n, 1); /* at once, and once only */
    assert_int_equal(tg.n, 0);
    assert_true(took >= 25 && took < 2000);
    loop_free(l); /* frees the timers still added */
}

static void on_sig(struct loop *l, int signo, void *ud)
{
    *(int *)ud = signo;
    loop_stop(l);
}

static void test_signals(void **state)
{
    (void)state;
    struct loop *l = NULL;
    sigset_t set, old;
    int got = 0;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &set, &old);
    assert_int_equal(loop_new(&l), 0);
    assert_int_equal(loop_add_signal(l, SIGUSR1, on_sig, &got), 0);
    assert_int_equal(loop_add_signal(l, SIGUSR1, on_sig, &got), -EEXIST);
    assert_int_equal(kill(getpid(), SIGUSR1), 0);
    assert_int_equal(loop_run(l), 0);
    assert_int_equal(got, SIGUSR1);
    loop_free(l);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
}

static void *stopper(void *arg)
{
    struct timespec ts = {0, 20 * 1000000L};
    nanosleep(&ts, NULL);
    loop_stop(arg);
    return NULL;
}

static void test_stop_from_another_thread(void **state)
{
    (void)state;
    struct loop *l = NULL;
    pthread_t th;
    assert_int_equal(loop_new(&l), 0);
    assert_int_equal(pthread_create(&th, NULL, stopper, l), 0);
    assert_int_equal(loop_run(l), 0); /* nothing watched: only the stop wakes it */
    pthread_join(th, NULL);
    loop_free(l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fds),
        cmocka_unit_test(test_timers),
        cmocka_unit_test(test_signals),
        cmocka_unit_test(test_stop_from_another_thread),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
