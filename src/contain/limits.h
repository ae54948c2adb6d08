/* contain limits: what each honeynet container may use ([containment]), and
 * the events of it biting.
 *
 * contain_host_config() writes the limits into a container's HostConfig:
 * memory and swap, CPU time, pids, open files, capabilities cut to what
 * sshd, the services and the intruder's usual tools need (Docker's seccomp
 * profile stays), and no_new_privileges if [containment] asks for it (by
 * default not: the images' set-user-ID set is cut to programs that give no
 * root instead, images/server/setuid-allow).
 *
 * The limits watcher reads the kernel's counters of every running karakuri
 * container's cgroup (v1 or v2) every POLL_MS and sends contain.limit when
 * one grew: limit "memory" (processes killed for memory), "pids" (forks
 * refused), "cpu" (time throttled; at most one event per container a
 * minute). */
#ifndef KARAKURI_CONTAIN_LIMITS_H
#define KARAKURI_CONTAIN_LIMITS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

struct config;
struct event_pipeline;
struct contain_limits;

/* Adds the limits to host_config (a HostConfig object, borrowed). */
void contain_host_config(const struct config *cfg, json_t *host_config);

/* The counters of one cgroup that matter here. */
struct contain_counters {
    unsigned long long oom_kills, pids_refused, cpu_throttled;
};

/* Parses "key value" lines (memory.events, pids.events, cpu.stat,
 * memory.oom_control) for key; 0 when absent. */
unsigned long long contain_cgroup_value(const char *text, const char *key);

/* Who a container is, for the events: fills honeynet, host name and IP
 * (empty when unknown) and returns 0, or -ENOENT. */
typedef int (*contain_container_fn)(void *ud, const char *id, char *honeynet, size_t hlen,
                                    char *host, size_t hostlen, char *ip, size_t iplen);

/* cfg, p, ud borrowed; who may be NULL. */
int contain_limits_start(const struct config *cfg, struct event_pipeline *p,
                         contain_container_fn who, void *ud, struct contain_limits **out, char *err,
                         size_t errlen) __attribute__((warn_unused_result));
void contain_limits_stop(struct contain_limits *l);

#endif
