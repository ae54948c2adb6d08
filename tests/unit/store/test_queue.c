#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "common/util.h"
#include "event/event.h"
#include "store/queue.h"

static struct event_record *rec(long long tag)
{
    json_t *ev = event_new(EVENT_COMMAND_INPUT);
    struct event_record *r = NULL;
    assert_int_equal(event_encode(ev, "t", tag, &r), 0);
    json_decref(ev);
    return r;
}

static void test_fifo_and_release(void **state)
{
    (void)state;
    struct store_queue *q = store_queue_new(4);
    struct event_record *out[8];
    bool drained = true;

    for (int i = 1; i <= 4; i++)
        assert_int_equal(store_queue_push(q, rec(i), 0), 0);
    assert_int_equal(store_queue_held(q), 4);
    assert_int_equal(store_queue_pop(q, out, 3, -1, &drained), 3);
    assert_false(drained);
    for (int i = 0; i < 3; i++)
        assert_true(out[i]->ts_us == i + 1);
    /* Popped but not released: still no room. */
    struct event_record *r = rec(9);
    assert_int_equal(store_queue_push(q, r, 0), -ENOBUFS);
    store_queue_release(q, 2);
    assert_int_equal(store_queue_held(q), 2);
    assert_int_equal(store_queue_push(q, r, 0), 0);
    assert_int_equal(store_queue_pop(q, out + 3, 8, -1, &drained), 2);
    assert_true(out[3]->ts_us == 4);
    assert_true(out[4]->ts_us == 9);
    for (int i = 0; i < 5; i++)
        event_record_free(out[i]);
    store_queue_free(q);
}

static void test_full_waits_bounded(void **state)
{
    (void)state;
    struct store_queue *q = store_queue_new(1);
    assert_int_equal(store_queue_push(q, rec(1), 0), 0);
    struct event_record *r = rec(2);

    long long t0 = util_mono_us();
    assert_int_equal(store_queue_push(q, r, 0), -ENOBUFS);
    assert_true(util_mono_us() - t0 < 20000);

    t0 = util_mono_us();
    assert_int_equal(store_queue_push(q, r, 60), -ENOBUFS);
    long long waited = util_mono_us() - t0;
    assert_true(waited >= 55000);
    assert_true(waited < 1000000);

    /* While nowait is on, even a long wait gives up at once. */
    store_queue_set_nowait(q, true);
    t0 = util_mono_us();
    assert_int_equal(store_queue_push(q, r, 5000), -ENOBUFS);
    assert_true(util_mono_us() - t0 < 20000);
    event_record_free(r);
    store_queue_free(q); /* frees the queued record */
}

struct releaser {
    struct store_queue *q;
};

static void *release_later(void *arg)
{
    struct releaser *rl = arg;
    struct event_record *out[1];
    bool drained;
    struct timespec ts = {0, 30000000L};
    nanosleep(&ts, NULL);
    assert_int_equal(store_queue_pop(rl->q, out, 1, -1, &drained), 1);
    event_record_free(out[0]);
    store_queue_release(rl->q, 1);
    return NULL;
}

static void test_wait_gets_room(void **state)
{
    (void)state;
    struct store_queue *q = store_queue_new(1);
    struct releaser rl = {q};
    pthread_t th;

    assert_int_equal(store_queue_push(q, rec(1), 0), 0);
    assert_int_equal(pthread_create(&th, NULL, release_later, &rl), 0);
    long long t0 = util_mono_us();
    assert_int_equal(store_queue_push(q, rec(2), 5000), 0);
    assert_true(util_mono_us() - t0 < 4000000);
    pthread_join(th, NULL);
    assert_int_equal(store_queue_held(q), 1);
    store_queue_free(q);
}

static void test_pop_deadline_and_close(void **state)
{
    (void)state;
    struct store_queue *q = store_queue_new(4);
    struct event_record *out[4];
    bool drained = true;

    long long t0 = util_mono_us();
    assert_int_equal(store_queue_pop(q, out, 4, t0 + 40000, &drained), 0);
    assert_true(util_mono_us() - t0 >= 39000);
    assert_false(drained);

    assert_int_equal(store_queue_push(q, rec(1), 0), 0);
    store_queue_close(q);
    struct event_record *r = rec(2);
    assert_int_equal(store_queue_push(q, r, 100), -ESHUTDOWN);
    event_record_free(r);
    assert_int_equal(store_queue_pop(q, out, 4, -1, &drained), 1);
    assert_true(drained);
    event_record_free(out[0]);
    assert_int_equal(store_queue_pop(q, out, 4, -1, &drained), 0); /* no wait once closed */
    assert_true(drained);
    store_queue_free(q);
}

static void test_wait_empty(void **state)
{
    (void)state;
    struct store_queue *q = store_queue_new(2);
    struct releaser rl = {q};
    pthread_t th;

    assert_int_equal(store_queue_wait_empty(q, 10), 0);
    assert_int_equal(store_queue_push(q, rec(1), 0), 0);
    assert_int_equal(store_queue_wait_empty(q, 20), -ETIMEDOUT);
    assert_int_equal(pthread_create(&th, NULL, release_later, &rl), 0);
    assert_int_equal(store_queue_wait_empty(q, 5000), 0);
    pthread_join(th, NULL);
    assert_int_equal(store_queue_cap(q), 2);
    store_queue_free(q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fifo_and_release), cmocka_unit_test(test_full_waits_bounded),
        cmocka_unit_test(test_wait_gets_room),   cmocka_unit_test(test_pop_deadline_and_close),
        cmocka_unit_test(test_wait_empty),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
