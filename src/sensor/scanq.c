/* sensor scanq: see scanq.h. A ring of SENSOR_SCANQ_MAX entries under one
 * mutex; the scan thread takes one at a time and scans outside the lock. */
#include "sensor/scanq.h"

#include "common/worker.h"
#include "common/xalloc.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct entry {
    json_t *ev;
    uint8_t *data;
    size_t len;
};

struct sensor_scanq {
    sensor_scanq_emit_fn emit;
    void *ud;
    struct worker w;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct entry ring[SENSOR_SCANQ_MAX];
    size_t head, n;
    bool stop;
};

static void emit_skipped(struct sensor_scanq *q, json_t *ev, const char *why)
{
    json_object_set_new(ev, "shellcode", json_pack("{s:s}", "skipped", why));
    q->emit(q->ud, ev);
}

/* The lines of a listing (one instruction a line, "+0xOFF  ...") worth
 * keeping: the SENSOR_SCANQ_LISTING_INSNS before the reached instruction
 * and a few after it (a scan's start may lie in a sled or in bytes in front
 * of the code); from the start when the reach is not in it. Cuts listing in
 * place and returns where the kept part starts. */
static char *window(char *listing, size_t reach)
{
    enum { AFTER = 4 };
    char *line[SENSOR_SC_DISASM_MAX_INSNS + 1];
    size_t n = 0, at = SIZE_MAX;
    for (char *p = listing; *p && n < SENSOR_SC_DISASM_MAX_INSNS; n++) {
        line[n] = p;
        if (at == SIZE_MAX && strtoull(p + 3, NULL, 16) == reach)
            at = n;
        char *nl = strchr(p, '\n');
        p = nl ? nl + 1 : p + strlen(p);
    }
    line[n] = listing + strlen(listing);
    size_t from = 0, to = n < SENSOR_SCANQ_LISTING_INSNS ? n : SENSOR_SCANQ_LISTING_INSNS;
    if (at != SIZE_MAX) {
        to = at + AFTER + 1 < n ? at + AFTER + 1 : n;
        from = to > SENSOR_SCANQ_LISTING_INSNS ? to - SENSOR_SCANQ_LISTING_INSNS : 0;
    }
    *line[to] = '\0';
    return line[from];
}

json_t *sensor_scanq_verdict_json(const struct sensor_sc_verdict *v, const uint8_t *data,
                                  size_t len)
{
    json_t *o = json_object();
    json_object_set_new(o, "detected", json_boolean(v->detected));
    if (!v->detected) {
        json_object_set_new(o, "candidates", json_integer(v->candidates));
        json_object_set_new(o, "budget_hit", json_boolean(v->budget_hit));
        return o;
    }
    json_object_set_new(o, "arch", json_string(sensor_sc_arch_name(v->arch)));
    json_object_set_new(o, "technique", json_string(sensor_sc_technique_name(v->technique)));
    json_object_set_new(o, "reached", json_string(sensor_sc_reach_name(v->reached)));
    if (v->reached != SENSOR_SC_REACH_SELFMOD)
        json_object_set_new(o, "syscall_nr", json_integer((json_int_t)v->syscall_nr));
    json_object_set_new(o, "offset", json_integer((json_int_t)v->offset));
    if (v->reach_offset != SIZE_MAX)
        json_object_set_new(o, "reach_offset", json_integer((json_int_t)v->reach_offset));
    json_object_set_new(o, "self_modifying", json_boolean(v->self_modifying));
    json_object_set_new(o, "insns", json_integer((json_int_t)v->insns));
    /* A long sled or filler in front: listed from a little before the
     * reach (x86 decoding falls into step within a few instructions). */
    size_t from = v->offset;
    if (v->reach_offset != SIZE_MAX && v->reach_offset > from + 256)
        from = v->reach_offset - 128;
    char *listing = sensor_shellcode_disasm(data, len, from, v->arch, SENSOR_SC_DISASM_MAX_INSNS);
    if (listing)
        json_object_set_new(o, "listing", json_string(window(listing, v->reach_offset)));
    free(listing);
    return o;
}

static void scan_one(struct sensor_scanq *q, struct entry *e)
{
    struct sensor_sc_verdict v;
    if (sensor_shellcode_scan(e->data, e->len, &v) < 0) {
        emit_skipped(q, e->ev, "error");
    } else {
        json_object_set_new(e->ev, "shellcode", sensor_scanq_verdict_json(&v, e->data, e->len));
        q->emit(q->ud, e->ev);
    }
    free(e->data);
}

static void *scan_main(void *arg)
{
    struct sensor_scanq *q = arg;
    pthread_mutex_lock(&q->mu);
    for (;;) {
        while (!q->n && !q->stop)
            pthread_cond_wait(&q->cv, &q->mu);
        if (q->stop)
            break;
        struct entry e = q->ring[q->head];
        q->head = (q->head + 1) % SENSOR_SCANQ_MAX;
        q->n--;
        pthread_mutex_unlock(&q->mu);
        scan_one(q, &e);
        pthread_mutex_lock(&q->mu);
    }
    pthread_mutex_unlock(&q->mu);
    return NULL;
}

int sensor_scanq_start(sensor_scanq_emit_fn emit, void *ud, struct sensor_scanq **out)
{
    if (!emit || !out)
        return -EINVAL;
    struct sensor_scanq *q = xcalloc(1, sizeof(*q));
    q->emit = emit;
    q->ud = ud;
    pthread_mutex_init(&q->mu, NULL);
    pthread_cond_init(&q->cv, NULL);
    int rc = worker_start(&q->w, scan_main, q);
    if (rc < 0) {
        pthread_cond_destroy(&q->cv);
        pthread_mutex_destroy(&q->mu);
        free(q);
        return rc;
    }
    *out = q;
    return 0;
}

void sensor_scanq_push(struct sensor_scanq *q, json_t *ev, const uint8_t *data, size_t len)
{
    if (!len) {
        q->emit(q->ud, ev);
        return;
    }
    pthread_mutex_lock(&q->mu);
    const char *skip = q->stop ? "shutdown" : q->n == SENSOR_SCANQ_MAX ? "queue_full" : NULL;
    if (!skip) {
        uint8_t *copy = xmalloc(len);
        memcpy(copy, data, len);
        q->ring[(q->head + q->n) % SENSOR_SCANQ_MAX] = (struct entry){ev, copy, len};
        q->n++;
        pthread_cond_signal(&q->cv);
    }
    pthread_mutex_unlock(&q->mu);
    if (skip)
        emit_skipped(q, ev, skip);
}

void sensor_scanq_stop(struct sensor_scanq *q)
{
    if (!q)
        return;
    pthread_mutex_lock(&q->mu);
    q->stop = true;
    pthread_cond_broadcast(&q->cv);
    pthread_mutex_unlock(&q->mu);
    worker_stop(&q->w);
    /* The thread is gone: what still waits is recorded unscanned. */
    for (; q->n; q->n--) {
        struct entry *e = &q->ring[q->head];
        q->head = (q->head + 1) % SENSOR_SCANQ_MAX;
        emit_skipped(q, e->ev, "shutdown");
        free(e->data);
    }
    pthread_cond_destroy(&q->cv);
    pthread_mutex_destroy(&q->mu);
    free(q);
}
