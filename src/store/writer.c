/* writer: the event pipeline: event_emit on the producers' side, one writer
 * thread on the other, the bounded queue (queue.c) in between.
 *
 * The writer pops up to batch_events records, makes them a batch and writes
 * the batch to each sink in turn (the back end in one transaction, then the
 * JSON lines). Batches wait in a FIFO until every sink has written them; each
 * sink writes them in order, so a sink's unwritten batches are always a tail
 * of the FIFO and the fully written ones a head that is freed.
 *
 * A sink that fails keeps its batches and is retried with exponential
 * backoff (BACKOFF_MIN_US … BACKOFF_MAX_US) while the other sink goes on.
 * While every sink is failing, newly popped events are merged into the
 * newest unwritten batch, so a recovering store writes big transactions, not
 * thousands of one-event ones. The records held by the writer keep their room
 * in the queue, so a failing store fills the queue and emit starts dropping
 * (counted) instead of memory growing. When a lagging sink alone fills the
 * queue, it gives up its oldest batch (counted as abandoned).
 *
 * With [store] url set, a forwarder thread (forward.c) ships what the back
 * end committed to PostgreSQL; the writer kicks it after each commit. It is
 * started after the writer and stopped after it, so at stop it ships the
 * last batches too.
 *
 * Threads: producers touch only the queue and two atomic counters; the
 * writer owns the sinks and the FIFO; stats are shared under `mu`. */
#include "common/log.h"
#include "common/util.h"
#include "common/xalloc.h"
#include "event/budget.h"
#include "store/backend.h"
#include "store/forward.h"
#include "store/fsutil.h"
#include "store/jsonl.h"
#include "store/queue.h"
#include "store/store.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define BACKOFF_MIN_US 50000LL
#define BACKOFF_MAX_US 2000000LL
#define BACKOFF_STOPPING_MAX_US 250000LL
#define MAX_QUEUE_EVENTS (1u << 24)
#define BUDGET_SWEEP_US 1000000LL
#define COUNT_MAGIC 0x6b6b65766e747331ULL /* "kkevnts1" */

/* <dir>/events.count, mapped shared: it outlives a kill -9, so the next
 * start knows how many accepted events were never written. */
struct counts {
    unsigned long long magic;
    atomic_ullong accepted; /* queued (counted before the push) */
    atomic_ullong settled;  /* committed by the back end, or given up (and reported) */
};

enum { SINK_BACKEND, SINK_JSONL, SINK_MAX };

struct batch {
    struct batch *next;
    unsigned todo; /* bit per sink that has not written it yet */
    size_t n;
    struct event_record **recs; /* batch_events slots */
};

struct sink {
    const char *name;
    bool failing;
    long long retry_at_us; /* monotonic, while failing */
    long long backoff_us;
    long long failing_since_us;
    unsigned long long failed_before, dropped_before; /* counters when it started failing */
};

struct event_pipeline {
    /* Set at start, then read-only. */
    struct store_queue *q;
    char *dir;
    char *sensor;
    unsigned batch_events;
    unsigned emit_wait_ms;
    unsigned stop_timeout_ms;
    void (*on_commit)(long long last_id, size_t n, void *ud);
    void *on_commit_ud;
    const struct store_backend *be;
    pthread_t thread;
    struct store_forward *fwd; /* NULL without a url */

    struct event_budget *budget;
    struct counts *counts; /* mapped; NULL when the file could not be made */

    /* Producers. */
    atomic_ullong emitted;
    atomic_ullong dropped;
    atomic_ullong suppressed;

    /* The writer thread's own. */
    void *be_ctx;
    struct store_jsonl *jsonl;
    struct sink sinks[SINK_MAX];
    unsigned nsinks;
    unsigned all_mask;
    struct batch *head, *tail, *spare;
    struct event_record **popped;
    bool stopping;
    long long next_sweep_us;

    /* Shared with event_pipeline_stats, under mu. */
    pthread_mutex_t mu;
    struct event_pipeline_stats st;
    unsigned long long lost_at_stop;
};

/* Events the writer records about the store itself: never waits (the writer
 * waiting for room only it can make would be a deadlock). */
static void count_accepted(struct event_pipeline *p, long long n)
{
    if (p->counts)
        atomic_fetch_add(&p->counts->accepted, (unsigned long long)n);
}

static void count_settled(struct event_pipeline *p, size_t n)
{
    if (p->counts)
        atomic_fetch_add(&p->counts->settled, n);
}

/* Counted as accepted before the push, so a kill between the two never
 * hides a loss. */
static int push(struct event_pipeline *p, struct event_record *r, unsigned wait_ms)
{
    /* Budgeted types leave the last quarter of the queue to the exempt ones:
     * no flood keeps a login out. */
    unsigned cap = store_queue_cap(p->q);
    unsigned limit = event_budget_exempt(r->type) ? cap : cap - cap / 4;
    count_accepted(p, 1);
    int rc = store_queue_push_below(p->q, r, wait_ms, limit);
    if (rc < 0)
        count_accepted(p, -1);
    return rc;
}

/* Events the writer records about the store itself: never waits (the writer
 * waiting for room only it can make would be a deadlock). */
static void emit_internal(struct event_pipeline *p, json_t *ev)
{
    struct event_record *r = NULL;
    int rc = event_encode(ev, p->sensor, util_now_us(), &r);
    json_decref(ev);
    if (rc < 0)
        return;
    if (push(p, r, 0) < 0) {
        event_record_free(r);
        atomic_fetch_add(&p->dropped, 1);
        return;
    }
    atomic_fetch_add(&p->emitted, 1);
}

/* The budget's summaries that are due (all of them when all is set). */
static void emit_summaries(struct event_pipeline *p, bool all)
{
    json_t *due[64];
    size_t n;
    do {
        n = event_budget_due(p->budget, util_mono_us(), all, due, 64);
        for (size_t i = 0; i < n; i++)
            emit_internal(p, due[i]);
    } while (n == 64);
}

int event_emit(struct event_pipeline *p, json_t *ev)
{
    struct event_record *r = NULL;

    if (!p) {
        json_decref(ev);
        return 0;
    }
    if (json_is_object(ev) && !event_budget_take(p->budget, ev, util_mono_us())) {
        json_decref(ev); /* counted: a contain.budget event says so */
        atomic_fetch_add(&p->suppressed, 1);
        return 0;
    }
    int rc = event_encode(ev, p->sensor, util_now_us(), &r);
    json_decref(ev);
    if (rc < 0) {
        LOG_RATELIMITED(LOG_LEVEL_WARN, "event not recorded: it does not encode (%d)", rc);
        return rc;
    }
    rc = push(p, r, p->emit_wait_ms);
    if (rc < 0) {
        event_record_free(r);
        if (rc == -ENOBUFS) {
            /* Once a second at most: a failing store drops at the event rate. */
            static struct log_ratelimit rl;
            unsigned long long n = atomic_fetch_add(&p->dropped, 1) + 1;
            if (log_ratelimit_ok(&rl, 1))
                LOG_WARN("event queue full: dropping events (%llu so far)", n);
        }
        return rc;
    }
    atomic_fetch_add(&p->emitted, 1);
    return 0;
}

static unsigned popcount(unsigned v)
{
    unsigned n = 0;
    for (; v; v &= v - 1)
        n++;
    return n;
}

static void batch_free_records(struct batch *b)
{
    for (size_t i = 0; i < b->n; i++)
        event_record_free(b->recs[i]);
    b->n = 0;
}

/* Takes the head batch off the FIFO, frees its records and gives their room
 * back to the queue. */
static void retire_head(struct event_pipeline *p)
{
    struct batch *b = p->head;
    size_t n = b->n;

    p->head = b->next;
    if (!p->head)
        p->tail = NULL;
    batch_free_records(b);
    b->next = p->spare;
    p->spare = b;
    store_queue_release(p->q, n);
}

/* Gives up the head batch for the sinks that have not written it. */
static void abandon_head(struct event_pipeline *p, const char *why)
{
    struct batch *b = p->head;
    unsigned long long lost = (unsigned long long)b->n * popcount(b->todo);

    if (b->todo & (1u << SINK_BACKEND))
        count_settled(p, b->n);
    pthread_mutex_lock(&p->mu);
    p->st.abandoned += lost;
    if (p->stopping)
        p->lost_at_stop += lost; /* reported once, by event_pipeline_stop */
    pthread_mutex_unlock(&p->mu);
    if (!p->stopping)
        LOG_RATELIMITED(LOG_LEVEL_ERROR, "store: gave up %zu events for a failing sink (%s)", b->n,
                        why);
    retire_head(p);
}

/* Whether the newest batch can take more events: no sink has written it. */
static bool tail_mergeable(const struct event_pipeline *p)
{
    return p->tail && p->tail->todo == p->all_mask && p->tail->n < p->batch_events;
}

static void enqueue(struct event_pipeline *p, struct event_record **recs, size_t n)
{
    struct batch *b;

    if (tail_mergeable(p)) {
        b = p->tail;
    } else {
        b = p->spare;
        if (b) {
            p->spare = b->next;
        } else {
            b = xcalloc(1, sizeof(*b));
            b->recs = xmalloc(p->batch_events * sizeof(struct event_record *));
        }
        b->next = NULL;
        b->n = 0;
        b->todo = p->all_mask;
        if (p->tail)
            p->tail->next = b;
        else
            p->head = b;
        p->tail = b;
    }
    memcpy(b->recs + b->n, recs, n * sizeof(struct event_record *));
    b->n += n;
}

static int sink_write(struct event_pipeline *p, int i, struct batch *b, char *err, size_t errlen)
{
    long long last_id = 0;
    int rc;

    if (i == SINK_BACKEND) {
        rc = p->be->append_batch(p->be_ctx, b->recs, b->n, &last_id, err, errlen);
        if (rc < 0)
            return rc;
        count_settled(p, b->n);
        pthread_mutex_lock(&p->mu);
        p->st.committed += b->n;
        p->st.last_id = last_id;
        pthread_mutex_unlock(&p->mu);
        if (p->on_commit)
            p->on_commit(last_id, b->n, p->on_commit_ud);
        if (p->fwd)
            store_forward_kick(p->fwd);
        return 0;
    }
    rc = store_jsonl_append(p->jsonl, b->recs, b->n, err, errlen);
    if (rc < 0)
        return rc;
    pthread_mutex_lock(&p->mu);
    p->st.jsonl_written += b->n;
    pthread_mutex_unlock(&p->mu);
    return 0;
}

static unsigned failing_sinks(const struct event_pipeline *p)
{
    unsigned n = 0;
    for (unsigned i = 0; i < p->nsinks; i++)
        n += p->sinks[i].failing;
    return n;
}

/* Producers wait for room only while some sink writes: with every sink
 * failing, room comes no sooner than the next successful retry. */
static void update_nowait(struct event_pipeline *p)
{
    store_queue_set_nowait(p->q, failing_sinks(p) == p->nsinks);
}

static void sink_failed(struct event_pipeline *p, int i, const char *err)
{
    struct sink *s = &p->sinks[i];
    long long now = util_mono_us();
    unsigned long long failed;

    pthread_mutex_lock(&p->mu);
    failed = ++p->st.failed_writes;
    snprintf(p->st.last_error, sizeof(p->st.last_error), "%s: %s", s->name, err);
    p->st.failing = true;
    pthread_mutex_unlock(&p->mu);
    LOG_RATELIMITED(LOG_LEVEL_WARN, "store: writing to %s failed: %s (will retry)", s->name, err);
    if (!s->failing) {
        s->failing = true;
        s->failing_since_us = now;
        s->backoff_us = BACKOFF_MIN_US;
        s->failed_before = failed - 1;
        s->dropped_before = atomic_load(&p->dropped);
        update_nowait(p);
        json_t *ev = event_new(EVENT_SENSOR_STORE_FAILED);
        json_object_set_new(ev, "sink", json_string(s->name));
        json_object_set_new(ev, "error", event_str(err, strlen(err)));
        emit_internal(p, ev);
    } else {
        s->backoff_us *= 2;
        if (s->backoff_us > BACKOFF_MAX_US)
            s->backoff_us = BACKOFF_MAX_US;
    }
    if (p->stopping && s->backoff_us > BACKOFF_STOPPING_MAX_US)
        s->backoff_us = BACKOFF_STOPPING_MAX_US;
    s->retry_at_us = now + s->backoff_us;
}

static void sink_recovered(struct event_pipeline *p, int i)
{
    struct sink *s = &p->sinks[i];
    long long outage_ms = (util_mono_us() - s->failing_since_us) / 1000;
    unsigned long long failed, dropped = atomic_load(&p->dropped) - s->dropped_before;

    s->failing = false;
    pthread_mutex_lock(&p->mu);
    failed = p->st.failed_writes - s->failed_before;
    p->st.failing = failing_sinks(p) > 0;
    pthread_mutex_unlock(&p->mu);
    update_nowait(p);
    LOG_WARN("store: %s writes again after %lld ms (%llu failed writes, %llu events dropped)",
             s->name, outage_ms, failed, dropped);
    json_t *ev = event_new(EVENT_SENSOR_STORE_RECOVERED);
    json_object_set_new(ev, "sink", json_string(s->name));
    json_object_set_new(ev, "outage_ms", json_integer(outage_ms));
    json_object_set_new(ev, "failed_writes", json_integer((json_int_t)failed));
    json_object_set_new(ev, "dropped", json_integer((json_int_t)dropped));
    emit_internal(p, ev);
}

/* Each sink writes the batches it has not written, oldest first, unless it is
 * failing and its retry is not due; it stops at its first failure. */
static void write_pending(struct event_pipeline *p)
{
    long long now = util_mono_us();
    char err[256];

    for (unsigned i = 0; i < p->nsinks; i++) {
        struct sink *s = &p->sinks[i];
        unsigned bit = 1u << i;
        if (s->failing && now < s->retry_at_us)
            continue;
        for (struct batch *b = p->head; b; b = b->next) {
            if (!(b->todo & bit))
                continue;
            err[0] = '\0';
            if (sink_write(p, (int)i, b, err, sizeof(err)) < 0) {
                sink_failed(p, (int)i, err[0] ? err : "unknown error");
                break;
            }
            b->todo &= ~bit;
            if (s->failing)
                sink_recovered(p, (int)i);
        }
    }
    while (p->head && p->head->todo == 0)
        retire_head(p);
}

/* The earliest retry of a failing sink that has something to write; -1 when
 * there is none. */
static long long next_retry(const struct event_pipeline *p)
{
    long long at = -1;
    for (unsigned i = 0; i < p->nsinks; i++) {
        const struct sink *s = &p->sinks[i];
        bool has_work = false;
        for (const struct batch *b = p->head; b && !has_work; b = b->next)
            has_work = (b->todo & (1u << i)) != 0;
        if (s->failing && has_work && (at < 0 || s->retry_at_us < at))
            at = s->retry_at_us;
    }
    return at;
}

/* A sink that lags alone must not hold the queue full for the other one: its
 * oldest batch goes once the queue is nearly full, leaving producers some
 * headroom rather than a queue that is full after every event. */
static void relieve_pressure(struct event_pipeline *p)
{
    unsigned cap = store_queue_cap(p->q);
    unsigned headroom = p->batch_events < cap / 4 ? p->batch_events : cap / 4;

    while (p->head && p->head->todo != p->all_mask && store_queue_held(p->q) + headroom >= cap)
        abandon_head(p, "queue nearly full and the other sink is writing");
}

static void sleep_until_mono(long long us)
{
    struct timespec ts = {.tv_sec = (time_t)(us / 1000000), .tv_nsec = (long)(us % 1000000) * 1000};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR) {
    }
}

/* After the queue is closed and empty: retry what is left until it is
 * written or stop_timeout_ms is over. Returns true when the writer is done. */
static bool drain_step(struct event_pipeline *p, long long *stop_deadline_us)
{
    long long now = util_mono_us();

    if (!p->head)
        return true;
    if (*stop_deadline_us < 0) {
        *stop_deadline_us = now + (long long)p->stop_timeout_ms * 1000;
        p->stopping = true;
    }
    if (now >= *stop_deadline_us) {
        while (p->head)
            abandon_head(p, "stopping");
        return true;
    }
    long long wake = next_retry(p);
    if (wake < 0 || wake > *stop_deadline_us)
        wake = *stop_deadline_us;
    sleep_until_mono(wake);
    return false;
}

static void *writer_main(void *arg)
{
    struct event_pipeline *p = arg;
    long long stop_deadline_us = -1;
    bool drained = false;

    for (;;) {
        size_t room = tail_mergeable(p) ? p->batch_events - p->tail->n : p->batch_events;
        size_t n = 0;
        long long wake = next_retry(p);
        if (wake < 0 || wake > p->next_sweep_us)
            wake = p->next_sweep_us;
        if (!drained)
            n = store_queue_pop(p->q, p->popped, room, wake, &drained);
        if (!drained && util_mono_us() >= p->next_sweep_us) {
            emit_summaries(p, false);
            p->next_sweep_us = util_mono_us() + BUDGET_SWEEP_US;
        }
        if (n)
            enqueue(p, p->popped, n);
        write_pending(p);
        relieve_pressure(p);
        if (drained && drain_step(p, &stop_deadline_us))
            break;
    }
    return NULL;
}

static char *default_sensor(void)
{
    char host[256];
    if (gethostname(host, sizeof(host) - 1) < 0 || !host[0])
        return xstrdup("karakuri");
    host[sizeof(host) - 1] = '\0';
    return xstrdup(host);
}

/* Copies the options, with defaults for zeros; err says what is wrong. */
static int configure(struct event_pipeline *p, const struct store_options *o, char *err,
                     size_t errlen)
{
    p->dir = xstrdup(o->dir && *o->dir ? o->dir : "./var");
    p->sensor = o->sensor && *o->sensor ? xstrdup(o->sensor) : default_sensor();
    if (!event_utf8_valid(p->sensor, strlen(p->sensor))) {
        snprintf(err, errlen, "the sensor name is not valid UTF-8");
        return -EINVAL;
    }
    unsigned queue = o->queue_events ? o->queue_events : STORE_DEFAULT_QUEUE_EVENTS;
    if (queue > MAX_QUEUE_EVENTS) {
        snprintf(err, errlen, "queue_events %u is over the limit %u", queue, MAX_QUEUE_EVENTS);
        return -EINVAL;
    }
    p->batch_events = o->batch_events ? o->batch_events : STORE_DEFAULT_BATCH_EVENTS;
    if (p->batch_events > queue)
        p->batch_events = queue;
    p->emit_wait_ms = o->emit_wait_ms ? o->emit_wait_ms : STORE_DEFAULT_EMIT_WAIT_MS;
    p->stop_timeout_ms = o->stop_timeout_ms ? o->stop_timeout_ms : STORE_DEFAULT_STOP_TIMEOUT_MS;
    p->on_commit = o->on_commit;
    p->on_commit_ud = o->on_commit_ud;
    p->q = store_queue_new(queue);
    p->budget = event_budget_new(o->budget);
    p->next_sweep_us = util_mono_us() + BUDGET_SWEEP_US;
    p->popped = xmalloc(p->batch_events * sizeof(struct event_record *));
    return 0;
}

static void pipeline_free(struct event_pipeline *p)
{
    if (p->counts)
        munmap(p->counts, sizeof(*p->counts));
    event_budget_free(p->budget);
    if (p->be_ctx)
        p->be->close(p->be_ctx);
    store_jsonl_close(p->jsonl);
    while (p->head)
        retire_head(p);
    while (p->spare) {
        struct batch *b = p->spare;
        p->spare = b->next;
        free(b->recs);
        free(b);
    }
    store_queue_free(p->q);
    pthread_mutex_destroy(&p->mu);
    free(p->popped);
    free(p->sensor);
    free(p->dir);
    free(p);
}

/* Maps <dir>/events.count; returns how many events the previous run
 * accepted and never settled, and starts the counts from zero. A file that
 * cannot be made costs only the record of a crash's loss (logged). */
static unsigned long long open_counts(struct event_pipeline *p)
{
    char path[4096];
    unsigned long long lost = 0;
    snprintf(path, sizeof(path), "%s/%s", p->dir, STORE_COUNTS_NAME);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
    struct stat st;
    void *m = MAP_FAILED;
    /* Blocks allocated, not a hole: a store on a full disk must not make a
     * write to the mapping a SIGBUS. */
    if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
        posix_fallocate(fd, 0, sizeof(struct counts)) == 0)
        m = mmap(NULL, sizeof(struct counts), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (fd >= 0)
        close(fd);
    if (m == MAP_FAILED) {
        LOG_WARN("store: cannot map %s: events lost in a crash will not be counted", path);
        return 0;
    }
    p->counts = m;
    if (p->counts->magic == COUNT_MAGIC) {
        unsigned long long a = atomic_load(&p->counts->accepted);
        unsigned long long d = atomic_load(&p->counts->settled);
        lost = a > d ? a - d : 0;
    }
    p->counts->magic = COUNT_MAGIC;
    atomic_store(&p->counts->accepted, 0);
    atomic_store(&p->counts->settled, 0);
    return lost;
}

static int open_sinks(struct event_pipeline *p, bool jsonl, char *err, size_t errlen)
{
    struct store_options eff = {.dir = p->dir, .sensor = p->sensor, .jsonl = jsonl};
    int rc = store_mkdir_p(p->dir, 0750);

    if (rc < 0)
        return store_err_errno(err, errlen, rc, p->dir);
    rc = p->be->open(&eff, &p->be_ctx, err, errlen);
    if (rc < 0)
        return rc;
    p->sinks[SINK_BACKEND].name = p->be->name;
    p->nsinks = 1;
    if (jsonl) {
        rc = store_jsonl_open(p->dir, &p->jsonl, err, errlen);
        if (rc < 0)
            return rc;
        p->sinks[SINK_JSONL].name = "jsonl";
        p->nsinks = 2;
    }
    p->all_mask = (1u << p->nsinks) - 1;
    unsigned long long lost = open_counts(p);
    if (lost) {
        LOG_ERROR("store: the previous run ended with %llu events not written", lost);
        json_t *ev = event_new(EVENT_SENSOR_EVENTS_LOST);
        json_object_set_new(ev, "lost", json_integer((json_int_t)lost));
        emit_internal(p, ev);
    }
    return 0;
}

int event_pipeline_start_backend(const struct store_options *o, const struct store_backend *be,
                                 struct event_pipeline **out, char *err, size_t errlen)
{
    sigset_t all, old;

    if (!o || !be || !out)
        return -EINVAL;
    struct event_pipeline *p = xcalloc(1, sizeof(*p));
    p->be = be;
    pthread_mutex_init(&p->mu, NULL);
    atomic_init(&p->emitted, 0);
    atomic_init(&p->dropped, 0);
    atomic_init(&p->suppressed, 0);
    int rc = configure(p, o, err, errlen);
    if (rc == 0)
        rc = open_sinks(p, o->jsonl, err, errlen);
    /* Before the writer, which reads p->fwd: it only waits for kicks. */
    if (rc == 0 && o->url && *o->url)
        rc = store_forward_start(p->dir, o->url, p->sensor, p, &p->fwd, err, errlen);
    if (rc == 0) {
        /* The writer takes no signals: they belong to the daemon's loop. */
        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, &old);
        rc = -pthread_create(&p->thread, NULL, writer_main, p);
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        if (rc < 0)
            store_err_errno(err, errlen, rc, "starting the writer thread");
        else
            pthread_setname_np(p->thread, "kk-store");
    }
    if (rc < 0) {
        store_forward_stop(p->fwd, 0);
        p->fwd = NULL;
        pipeline_free(p);
        return rc;
    }
    *out = p;
    return 0;
}

int event_pipeline_start(const struct store_options *o, struct event_pipeline **out, char *err,
                         size_t errlen)
{
    return event_pipeline_start_backend(o, &store_backend_sqlite, out, err, errlen);
}

int event_pipeline_flush(struct event_pipeline *p, unsigned timeout_ms)
{
    return store_queue_wait_empty(p->q, timeout_ms);
}

void event_pipeline_stats(struct event_pipeline *p, struct event_pipeline_stats *st)
{
    pthread_mutex_lock(&p->mu);
    *st = p->st;
    pthread_mutex_unlock(&p->mu);
    st->emitted = atomic_load(&p->emitted);
    st->dropped = atomic_load(&p->dropped);
    st->suppressed = atomic_load(&p->suppressed);
    st->queued = store_queue_held(p->q);
    if (p->fwd)
        store_forward_stats(p->fwd, &st->forwarded, &st->forward_failing);
}

int event_pipeline_stop(struct event_pipeline *p)
{
    if (!p)
        return 0;
    emit_summaries(p, true); /* counts still open go out with the rest */
    store_queue_close(p->q);
    pthread_join(p->thread, NULL);
    store_forward_stop(p->fwd, p->stop_timeout_ms);
    p->fwd = NULL;
    int rc = 0;
    if (p->lost_at_stop) {
        LOG_ERROR("store: gave up %llu event writes to failing sinks when stopping (last "
                  "error: %s)",
                  p->lost_at_stop, p->st.last_error);
        rc = -EIO;
    }
    pipeline_free(p);
    return rc;
}
