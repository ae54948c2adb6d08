/* monitor exec: user side of exec.bpf.c (see exec.h). The watch table maps
 * pid-namespace inode numbers to containers; the kernel side gets only the
 * numbers (its map), so execs elsewhere on the host cost one lookup and
 * send nothing. */
#include "monitor/exec.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "common/proc.h"
#include "common/util.h"
#include "common/xalloc.h"
#include "event/event.h"
#include "monitor/exec.skel.h"
#include "monitor/exec_record.h"

#define POLL_MS 200
#define DROPS_EVERY_US 10000000LL

struct watch {
    __u32 pidns;
    int pidfd; /* the container's init: readable once it has ended */
    char container[96];
    char honeynet[64];
    char host_ip[16];
    char hostname[64];
};

struct monitor_exec {
    struct event_pipeline *p;
    struct exec_bpf *skel;
    struct ring_buffer *rb;
    pthread_t thread;
    atomic_bool stop;
    pthread_mutex_t lock; /* guards watches */
    struct watch *watches;
    size_t n_watches, cap_watches;
    unsigned long long drops_reported; /* the poll thread's */
    long long drops_next_us;
};

/* libbpf's own messages are for developers; errors reach the caller as
 * return codes. */
static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
    (void)level;
    (void)fmt;
    (void)ap;
    return 0;
}

/* Loads and attaches the program; libbpf's errors as err. */
static int load(struct exec_bpf **out, char *err, size_t errlen)
{
    char e[128];

    libbpf_set_print(quiet);
    if (access("/sys/kernel/btf/vmlinux", R_OK) != 0) {
        snprintf(err, errlen, "the kernel has no BTF (/sys/kernel/btf/vmlinux)");
        return -ENOTSUP;
    }
    struct exec_bpf *s = exec_bpf__open_and_load();
    if (!s) {
        int rc = -errno;
        snprintf(err, errlen, "loading the exec tracepoint program: %s%s",
                 util_strerror(-rc, e, sizeof(e)),
                 rc == -EPERM ? " (needs root: CAP_BPF and CAP_PERFMON)" : "");
        return rc;
    }
    int rc = exec_bpf__attach(s);
    if (rc < 0) {
        snprintf(err, errlen, "attaching to sched_process_exec: %s",
                 util_strerror(-rc, e, sizeof(e)));
        exec_bpf__destroy(s);
        return rc;
    }
    *out = s;
    return 0;
}

int monitor_exec_probe(char *err, size_t errlen)
{
    struct exec_bpf *s = NULL;
    int rc = load(&s, err, errlen);
    exec_bpf__destroy(s);
    return rc;
}

/* The cwd from its components, leaf first and NUL-terminated: "/a/b". */
static json_t *cwd_path(const char *c, size_t n)
{
    size_t starts[EXEC_CWD_DEPTH], k = 0, i = 0;
    char path[EXEC_CWD_MAX + EXEC_CWD_DEPTH + 2];
    size_t len = 0;

    while (i < n && k < EXEC_CWD_DEPTH) {
        starts[k++] = i;
        i += strnlen(c + i, n - i) + 1;
    }
    while (k--) {
        size_t l = strnlen(c + starts[k], n - starts[k]);
        path[len++] = '/';
        memcpy(path + len, c + starts[k], l);
        len += l;
    }
    if (!len)
        path[len++] = '/';
    return event_str(path, len);
}

json_t *monitor_exec_event(const void *record, size_t n)
{
    const struct exec_record *r = record;

    if (n != sizeof(*r))
        return NULL;
    size_t argv_len = r->argv_len < EXEC_ARGV_MAX ? r->argv_len : EXEC_ARGV_MAX;
    size_t cwd_len = r->cwd_len < EXEC_CWD_MAX ? r->cwd_len : EXEC_CWD_MAX;
    json_t *ev = event_new(EVENT_PROC_EXEC), *argv = json_array();

    json_object_set_new(ev, "pid", json_integer(r->pid));
    json_object_set_new(ev, "ppid", json_integer(r->ppid));
    json_object_set_new(ev, "host_pid", json_integer(r->host_pid));
    json_object_set_new(ev, "uid", json_integer(r->uid));
    /* The arguments are NUL-terminated; a last one without its NUL was cut. */
    for (size_t i = 0; i < argv_len;) {
        size_t l = strnlen(r->argv + i, argv_len - i);
        json_array_append_new(argv, event_str(r->argv + i, l));
        i += l + 1;
    }
    json_object_set_new(ev, "argv", argv);
    json_object_set_new(ev, "cwd", cwd_path(r->cwd, cwd_len));
    if (r->flags & EXEC_ARGV_TRUNCATED)
        json_object_set_new(ev, "argv_truncated", json_true());
    if (r->flags & EXEC_CWD_TRUNCATED)
        json_object_set_new(ev, "cwd_truncated", json_true());
    json_object_set_new(ev, "pidns", json_integer(r->pidns));
    return ev;
}

static struct watch *find_pidns(struct monitor_exec *m, __u32 pidns)
{
    for (size_t i = 0; i < m->n_watches; i++)
        if (m->watches[i].pidns == pidns)
            return &m->watches[i];
    return NULL;
}

static struct watch *find_container(struct monitor_exec *m, const char *container)
{
    for (size_t i = 0; i < m->n_watches; i++)
        if (strcmp(m->watches[i].container, container) == 0)
            return &m->watches[i];
    return NULL;
}

static int on_record(void *ud, void *data, size_t n)
{
    struct monitor_exec *m = ud;
    json_t *ev = monitor_exec_event(data, n);
    if (!ev)
        return 0;
    __u32 pidns = (__u32)json_integer_value(json_object_get(ev, "pidns"));
    json_object_del(ev, "pidns");
    pthread_mutex_lock(&m->lock);
    struct watch *w = find_pidns(m, pidns);
    if (w) {
        json_object_set_new(ev, "honeynet", json_string(w->honeynet));
        json_object_set_new(ev, "container", json_string(w->container));
        json_object_set_new(ev, "host_ip", json_string(w->host_ip));
        json_object_set_new(ev, "hostname", json_string(w->hostname));
    }
    pthread_mutex_unlock(&m->lock);
    /* Unwatched between the exec and now: its container is gone. */
    if (!w) {
        json_decref(ev);
        return 0;
    }
    event_emit(m->p, ev);
    return 0;
}

/* Forgets watch w (lock held): its namespace number may be reused. */
static void unwatch(struct monitor_exec *m, struct watch *w)
{
    (void)bpf_map_delete_elem(bpf_map__fd(m->skel->maps.watched), &w->pidns);
    close(w->pidfd);
    *w = m->watches[--m->n_watches];
}

/* Drops the watches whose container's init has ended (killed, stopped, its
 * engine restarted) without an unwatch: one poll over their pidfds. */
static void prune(struct monitor_exec *m)
{
    pthread_mutex_lock(&m->lock);
    size_t n = m->n_watches;
    struct pollfd *p = n ? xcalloc(n, sizeof(*p)) : NULL;
    for (size_t i = 0; i < n; i++)
        p[i] = (struct pollfd){.fd = m->watches[i].pidfd, .events = POLLIN};
    /* From the end: unwatch moves the last entry into the freed place. */
    if (n && poll(p, n, 0) > 0)
        for (size_t i = n; i-- > 0;)
            if (p[i].revents)
                unwatch(m, &m->watches[i]);
    pthread_mutex_unlock(&m->lock);
    free(p);
}

/* Records the kernel side could not send (its ring full), summed over CPUs
 * from its drops map; 0 when it cannot be read. */
static unsigned long long kernel_drops(struct monitor_exec *m)
{
    int ncpu = libbpf_num_possible_cpus();
    unsigned long long sum = 0;
    __u32 zero = 0;
    if (ncpu <= 0)
        return 0;
    __u64 *v = xcalloc((size_t)ncpu, sizeof(*v));
    if (bpf_map_lookup_elem(bpf_map__fd(m->skel->maps.drops), &zero, v) == 0)
        for (int i = 0; i < ncpu; i++)
            sum += v[i];
    free(v);
    return sum;
}

/* A proc.dropped event for the records lost since the last one. */
static void report_drops(struct monitor_exec *m)
{
    unsigned long long total = kernel_drops(m);
    if (total <= m->drops_reported)
        return;
    json_t *ev = event_new(EVENT_PROC_DROPPED);
    json_object_set_new(ev, "count", json_integer((json_int_t)(total - m->drops_reported)));
    json_object_set_new(ev, "total", json_integer((json_int_t)total));
    m->drops_reported = total;
    event_emit(m->p, ev);
}

static void *poll_main(void *arg)
{
    struct monitor_exec *m = arg;
    pthread_setname_np(pthread_self(), "kk-exec");

    while (!atomic_load(&m->stop)) {
        int rc = ring_buffer__poll(m->rb, POLL_MS);
        if (rc < 0 && rc != -EINTR) {
            LOG_ERROR("monitor: exec ring: %d; proc.exec stops", rc);
            break;
        }
        /* After the ring: what a container ran before it ended is sent. */
        prune(m);
        if (util_mono_us() >= m->drops_next_us) {
            report_drops(m);
            m->drops_next_us = util_mono_us() + DROPS_EVERY_US;
        }
    }
    report_drops(m);
    /* What the kernel had already sent. */
    (void)ring_buffer__consume(m->rb);
    return NULL;
}

int monitor_exec_start(struct event_pipeline *p, struct monitor_exec **out, char *err,
                       size_t errlen)
{
    struct monitor_exec *m = xcalloc(1, sizeof(*m));
    char e[128];
    int rc;

    m->p = p;
    pthread_mutex_init(&m->lock, NULL);
    if ((rc = load(&m->skel, err, errlen)) < 0)
        goto fail;
    m->rb = ring_buffer__new(bpf_map__fd(m->skel->maps.records), on_record, m, NULL);
    if (!m->rb) {
        rc = -errno;
        snprintf(err, errlen, "exec ring buffer: %s", util_strerror(-rc, e, sizeof(e)));
        goto fail;
    }
    if ((rc = -pthread_create(&m->thread, NULL, poll_main, m)) < 0) {
        snprintf(err, errlen, "exec monitor thread: %s", util_strerror(-rc, e, sizeof(e)));
        goto fail;
    }
    *out = m;
    return 0;
fail:
    ring_buffer__free(m->rb);
    exec_bpf__destroy(m->skel);
    pthread_mutex_destroy(&m->lock);
    free(m);
    return rc;
}

int monitor_exec_watch(struct monitor_exec *m, pid_t pid, const struct monitor_exec_target *t)
{
    struct stat st;
    struct proc_ref init;
    __u8 one = 1;
    int rc = 0;

    if (!m)
        return 0;
    /* The container's own process (never the host's pid namespace, never a
     * reused pid), held by pidfd so that the watch ends with it. */
    if (proc_ref_open(pid, t->container, &init) < 0)
        return -ENOENT;
    if (fstatat(init.dirfd, "ns/pid", &st, 0) != 0) {
        proc_ref_close(&init);
        return -ENOENT;
    }
    __u32 pidns = (__u32)st.st_ino;
    int pidfd = init.pidfd;
    init.pidfd = -1;
    proc_ref_close(&init);
    int fd = bpf_map__fd(m->skel->maps.watched);
    pthread_mutex_lock(&m->lock);
    struct watch *w = find_container(m, t->container);
    if (!w && m->n_watches >= EXEC_WATCH_MAX) {
        rc = -ENOSPC;
        goto out;
    }
    if (!w) {
        if (m->n_watches == m->cap_watches) {
            m->cap_watches = m->cap_watches ? m->cap_watches * 2 : 16;
            m->watches = xrealloc(m->watches, m->cap_watches * sizeof(*m->watches));
        }
        w = &m->watches[m->n_watches++];
    } else {
        if (w->pidns != pidns)
            (void)bpf_map_delete_elem(fd, &w->pidns);
        close(w->pidfd);
    }
    *w = (struct watch){.pidns = pidns, .pidfd = pidfd};
    pidfd = -1;
    snprintf(w->container, sizeof(w->container), "%s", t->container);
    snprintf(w->honeynet, sizeof(w->honeynet), "%s", t->honeynet);
    snprintf(w->host_ip, sizeof(w->host_ip), "%s", t->host_ip);
    snprintf(w->hostname, sizeof(w->hostname), "%s", t->hostname);
    if (bpf_map_update_elem(fd, &pidns, &one, BPF_ANY) < 0) {
        rc = -errno;
        close(w->pidfd);
        *w = m->watches[--m->n_watches];
    }
out:
    pthread_mutex_unlock(&m->lock);
    if (pidfd >= 0)
        close(pidfd);
    return rc;
}

void monitor_exec_unwatch(struct monitor_exec *m, const char *container)
{
    if (!m)
        return;
    pthread_mutex_lock(&m->lock);
    struct watch *w = find_container(m, container);
    if (w)
        unwatch(m, w);
    pthread_mutex_unlock(&m->lock);
}

void monitor_exec_stop(struct monitor_exec *m)
{
    if (!m)
        return;
    atomic_store(&m->stop, true);
    pthread_join(m->thread, NULL);
    ring_buffer__free(m->rb);
    exec_bpf__destroy(m->skel);
    pthread_mutex_destroy(&m->lock);
    for (size_t i = 0; i < m->n_watches; i++)
        close(m->watches[i].pidfd);
    free(m->watches);
    free(m);
}
