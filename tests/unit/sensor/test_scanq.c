/* Unit tests for src/sensor/scanq.c: a payload event gets its shellcode
 * verdict on the scan thread; an empty one goes through as it is; a full
 * queue and a stop record events unscanned, never drop them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "sensor/scanq.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_SEEN 512

struct seen {
    pthread_mutex_t mu;
    json_t *ev[MAX_SEEN];
    unsigned n;
};

static void on_emit(void *ud, json_t *ev)
{
    struct seen *s = ud;
    pthread_mutex_lock(&s->mu);
    if (s->n < MAX_SEEN)
        s->ev[s->n++] = ev;
    else
        json_decref(ev);
    pthread_mutex_unlock(&s->mu);
}

static unsigned count(struct seen *s)
{
    pthread_mutex_lock(&s->mu);
    unsigned n = s->n;
    pthread_mutex_unlock(&s->mu);
    return n;
}

static void wait_for(struct seen *s, unsigned n)
{
    for (int i = 0; i < 1000 && count(s) < n; i++)
        nanosleep(&(struct timespec){0, 10L * 1000 * 1000}, NULL);
    assert_int_equal(count(s), n);
}

static void seen_free(struct seen *s)
{
    for (unsigned i = 0; i < s->n; i++)
        json_decref(s->ev[i]);
    pthread_mutex_destroy(&s->mu);
}

static json_t *tagged(int k)
{
    return json_pack("{s:i}", "k", k);
}

/* xor eax,eax; push eax; push "//sh"; push "/bin"; mov ebx,esp; push eax;
 * push ebx; mov ecx,esp; xor edx,edx; mov al,11; int 0x80 */
static const uint8_t execve32[] = {0x31, 0xc0, 0x50, 0x68, 0x2f, 0x2f, 0x73, 0x68, 0x68,
                                   0x2f, 0x62, 0x69, 0x6e, 0x89, 0xe3, 0x50, 0x53, 0x89,
                                   0xe1, 0x31, 0xd2, 0xb0, 0x0b, 0xcd, 0x80};

static void test_verdicts(void **state)
{
    (void)state;
    struct seen s = {.mu = PTHREAD_MUTEX_INITIALIZER};
    struct sensor_scanq *q;
    assert_int_equal(sensor_scanq_start(on_emit, &s, &q), 0);

    uint8_t buf[1024]; /* filler first: the listing must still reach the int 0x80 */
    memset(buf, 'A', sizeof(buf));
    memcpy(buf + 700, execve32, sizeof(execve32));
    sensor_scanq_push(q, tagged(0), buf, sizeof(buf));
    static const char get[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    sensor_scanq_push(q, tagged(1), (const uint8_t *)get, sizeof(get) - 1);
    sensor_scanq_push(q, tagged(2), NULL, 0);
    wait_for(&s, 3);
    sensor_scanq_stop(q);

    for (unsigned i = 0; i < s.n; i++) {
        json_t *ev = s.ev[i], *sc = json_object_get(ev, "shellcode");
        switch (json_integer_value(json_object_get(ev, "k"))) {
        case 0:
            assert_true(json_is_true(json_object_get(sc, "detected")));
            assert_string_equal(json_string_value(json_object_get(sc, "arch")), "x86");
            assert_string_equal(json_string_value(json_object_get(sc, "reached")), "int80");
            assert_int_equal(json_integer_value(json_object_get(sc, "syscall_nr")), 11);
            assert_non_null(strstr(json_string_value(json_object_get(sc, "listing")), "int"));
            break;
        case 1:
            assert_true(json_is_false(json_object_get(sc, "detected")));
            assert_null(json_object_get(sc, "listing"));
            break;
        default:
            assert_null(sc); /* nothing to look at */
            break;
        }
    }
    seen_free(&s);
}

/* Far more pushes than the queue holds, then a stop at once: every event
 * comes out, scanned or marked skipped. */
static void test_full_and_stop(void **state)
{
    (void)state;
    struct seen s = {.mu = PTHREAD_MUTEX_INITIALIZER};
    struct sensor_scanq *q;
    assert_int_equal(sensor_scanq_start(on_emit, &s, &q), 0);
    enum { PUSHES = 3 * SENSOR_SCANQ_MAX, BIG = 64 * 1024 };
    uint8_t *buf = malloc(BIG);
    assert_non_null(buf);
    uint32_t x = 12345;
    for (size_t i = 0; i < BIG; i++) {
        x = x * 1103515245u + 12345u;
        buf[i] = (uint8_t)(x >> 24);
    }
    for (int k = 0; k < PUSHES; k++)
        sensor_scanq_push(q, tagged(k), buf, BIG);
    sensor_scanq_stop(q);
    free(buf);

    assert_int_equal(s.n, PUSHES);
    unsigned full = 0, shutdown = 0, scanned = 0;
    for (unsigned i = 0; i < s.n; i++) {
        json_t *sc = json_object_get(s.ev[i], "shellcode");
        const char *why = json_string_value(json_object_get(sc, "skipped"));
        if (!why)
            scanned++;
        else if (!strcmp(why, "queue_full"))
            full++;
        else if (!strcmp(why, "shutdown"))
            shutdown++;
    }
    assert_true(full >= PUSHES - SENSOR_SCANQ_MAX - 1);
    assert_int_equal(full + shutdown + scanned, PUSHES);
    seen_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_verdicts),
        cmocka_unit_test(test_full_and_stop),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
