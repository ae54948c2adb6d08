/* monitor exec: every process executed in a watched container, seen from
 * the host by an eBPF program on the sched_process_exec tracepoint (libbpf,
 * CO-RE against the kernel's BTF), as proc.exec events: pid, ppid (both as
 * seen inside), host pid, uid, full argv, cwd, and which container, honeynet
 * and host it ran in. Nothing runs inside the container, so the intruder
 * cannot see or stop it, and short-lived processes are complete (the record
 * is taken in the exec itself, not read from /proc later). */
#ifndef KARAKURI_MONITOR_EXEC_H
#define KARAKURI_MONITOR_EXEC_H

#include <jansson.h>
#include <stddef.h>
#include <sys/types.h>

struct event_pipeline;
struct monitor_exec;

/* Loads and attaches the program and starts the thread that turns its
 * records into events on p (borrowed, must outlive the monitor). Needs root
 * (CAP_BPF, CAP_PERFMON) and a kernel with BTF; err says which is missing. */
int monitor_exec_start(struct event_pipeline *p, struct monitor_exec **out, char *err,
                       size_t errlen) __attribute__((warn_unused_result));

/* What a watched container is, for its events. */
struct monitor_exec_target {
    const char *container; /* id */
    const char *honeynet;
    const char *host_ip;
    const char *hostname;
};

/* Watches the container whose init is pid (in the host's namespace): its
 * pid namespace is what the kernel side matches. pid must be in the
 * container's cgroup and not in the host's pid namespace (a pid kept too
 * long may be another process's by now). The watch ends by itself when
 * that process does (its pidfd, looked at every 200 ms), so a namespace
 * number the kernel reuses is never attributed to it. Watching a container
 * again (restarted: a new namespace) replaces the old entry. m may be NULL
 * (no monitor): 0. -ENOENT when pid is gone or not the container's, -ENOSPC
 * past EXEC_WATCH_MAX. The kernel side counts the records its ring had no
 * room for; they are reported as proc.dropped (count) every 10 s. */
int monitor_exec_watch(struct monitor_exec *m, pid_t pid, const struct monitor_exec_target *t)
    __attribute__((warn_unused_result));
/* Stops watching the container (removed or stopped). m may be NULL. */
void monitor_exec_unwatch(struct monitor_exec *m, const char *container);

/* Stops the thread (records already in the ring are turned into events
 * first) and detaches the program. m may be NULL. */
void monitor_exec_stop(struct monitor_exec *m);

/* A proc.exec event from one kernel record of n bytes (pure; fuzzed): pid,
 * ppid, host_pid, uid, argv (array), cwd, truncation flags, and "pidns" for
 * the caller to look up the target with. NULL when n is not a record's
 * size. The caller owns the result. */
json_t *monitor_exec_event(const void *record, size_t n);

/* Whether this host can run the monitor (BTF present, program loads):
 * 0, or a negative errno with why in err. For `karakuri check`. */
int monitor_exec_probe(char *err, size_t errlen) __attribute__((warn_unused_result));

#endif
