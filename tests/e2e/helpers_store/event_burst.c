/* event_burst: runs the real event pipeline on a store directory and emits
 * events as fast as it can (or at --rate per second), for the e2e tests that
 * kill it or break its disk.
 *
 * stdout, one line each, every line written with one write(2) so that a
 * SIGKILL never leaves half a line's meaning behind:
 *   committed ID      after each batch the back end committed: the highest id
 *   stats k=v ...     every 200 ms when a counter changed
 *   final k=v ...     at exit (SIGTERM/SIGINT, or --count reached)
 * With --url, the pipeline also forwards to that PostgreSQL (forwarded=N in
 * the stats); --sensor names the sensor (default event-burst).
 * Exit status: 0, or 1 when the pipeline could not start, or had to give up
 * events when stopping. */
#include "common/util.h"
#include "event/event.h"
#include "store/store.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static void put_line(const char *s, size_t n)
{
    while (n > 0) {
        ssize_t w = write(STDOUT_FILENO, s, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;
        s += w;
        n -= (size_t)w;
    }
}

static void on_commit(long long last_id, size_t n, void *ud)
{
    char line[64];
    (void)n;
    (void)ud;
    int k = snprintf(line, sizeof(line), "committed %lld\n", last_id);
    put_line(line, (size_t)k);
}

static void print_stats(const char *tag, const struct event_pipeline_stats *st)
{
    char line[512];
    int k =
        snprintf(line, sizeof(line),
                 "%s emitted=%llu dropped=%llu committed=%llu jsonl=%llu failed_writes=%llu "
                 "abandoned=%llu queued=%llu last_id=%lld failing=%d forwarded=%llu "
                 "forward_failing=%d last_error=%s\n",
                 tag, st->emitted, st->dropped, st->committed, st->jsonl_written, st->failed_writes,
                 st->abandoned, st->queued, st->last_id, st->failing ? 1 : 0, st->forwarded,
                 st->forward_failing ? 1 : 0, st->last_error[0] ? st->last_error : "-");
    if (k > 0)
        put_line(line, (size_t)k < sizeof(line) ? (size_t)k : sizeof(line) - 1);
}

static json_t *make_event(long long seq)
{
    char session[32], ip[32], pw[32];
    snprintf(session, sizeof(session), "s-%lld", seq / 10);
    snprintf(ip, sizeof(ip), "192.0.2.%lld", seq % 250 + 1);
    snprintf(pw, sizeof(pw), "hunter%lld", seq);
    json_t *ev = event_new(EVENT_LOGIN_FAILED);
    json_object_set_new(ev, "session", json_string(session));
    json_object_set_new(ev, "src_ip", json_string(ip));
    json_object_set_new(ev, "src_port", json_integer(40000 + seq % 20000));
    json_object_set_new(ev, "dst_port", json_integer(22));
    json_object_set_new(ev, "seq", json_integer(seq));
    event_set_str(ev, "username", "root", 4);
    event_set_str(ev, "password", pw, strlen(pw));
    return ev;
}

struct args {
    const char *dir, *url, *sensor;
    long long rate, count, queue, batch;
    bool jsonl;
};

static int parse_args(int argc, char **argv, struct args *a)
{
    for (int i = 1; i < argc; i++) {
        long long *dst = NULL;
        if (strcmp(argv[i], "--rate") == 0)
            dst = &a->rate;
        else if (strcmp(argv[i], "--count") == 0)
            dst = &a->count;
        else if (strcmp(argv[i], "--queue") == 0)
            dst = &a->queue;
        else if (strcmp(argv[i], "--batch") == 0)
            dst = &a->batch;
        else if (strcmp(argv[i], "--no-jsonl") == 0)
            a->jsonl = false;
        else if (strcmp(argv[i], "--url") == 0 && i + 1 < argc)
            a->url = argv[++i];
        else if (strcmp(argv[i], "--sensor") == 0 && i + 1 < argc)
            a->sensor = argv[++i];
        else if (argv[i][0] != '-' && !a->dir)
            a->dir = argv[i];
        else
            return -EINVAL;
        if (dst && (i + 1 >= argc || util_parse_ll(argv[++i], 0, 100000000, dst) < 0))
            return -EINVAL;
    }
    return a->dir ? 0 : -EINVAL;
}

static void sleep_us(long long us)
{
    struct timespec ts = {(time_t)(us / 1000000), (long)(us % 1000000) * 1000};
    nanosleep(&ts, NULL);
}

/* Emits until stopped or count is reached, printing stats as they change. */
static void run(struct event_pipeline *p, const struct args *a)
{
    struct event_pipeline_stats st, shown = {0};
    long long seq = 0, t0 = util_mono_us(), next_stats = t0;

    while (!stop_requested && (a->count == 0 || seq < a->count)) {
        if (a->rate > 0) {
            long long due = (util_mono_us() - t0) * a->rate / 1000000;
            if (seq >= due) {
                sleep_us(1000);
                continue;
            }
        }
        event_emit(p, make_event(++seq)); /* drops are counted in the stats */
        long long now = util_mono_us();
        if (now >= next_stats) {
            next_stats = now + 200000;
            event_pipeline_stats(p, &st);
            if (st.committed != shown.committed || st.failed_writes != shown.failed_writes ||
                st.dropped != shown.dropped || st.failing != shown.failing ||
                st.forwarded != shown.forwarded) {
                print_stats("stats", &st);
                shown = st;
            }
        }
    }
}

int main(int argc, char **argv)
{
    struct args a = {.jsonl = true};
    char err[256] = "";
    struct event_pipeline *p = NULL;

    if (parse_args(argc, argv, &a) < 0) {
        fprintf(stderr, "usage: event_burst [--rate N/s] [--count N] [--queue N] [--batch N] "
                        "[--no-jsonl] [--url URL] [--sensor NAME] DIR\n");
        return 2;
    }
    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    struct store_options o = {.dir = a.dir,
                              .jsonl = a.jsonl,
                              .queue_events = (unsigned)a.queue,
                              .batch_events = (unsigned)a.batch,
                              .url = a.url,
                              .sensor = a.sensor ? a.sensor : "event-burst",
                              .stop_timeout_ms = 2000,
                              .on_commit = on_commit};
    if (event_pipeline_start(&o, &p, err, sizeof(err)) < 0) {
        fprintf(stderr, "event_burst: %s\n", err);
        return 1;
    }
    run(p, &a);
    /* Stats after the flush, as stop frees the pipeline. */
    if (event_pipeline_flush(p, 2000) < 0)
        fprintf(stderr, "event_burst: not everything written after 2 s; stopping anyway\n");
    struct event_pipeline_stats st;
    event_pipeline_stats(p, &st);
    int rc = event_pipeline_stop(p);
    print_stats("final", &st);
    return rc < 0 ? 1 : 0;
}
