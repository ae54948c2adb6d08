/* contain limits: HostConfig limits and the watcher of their counters (see
 * limits.h). */
#include "contain/limits.h"

#include "common/log.h"
#include "common/util.h"
#include "common/xalloc.h"
#include "config/config.h"
#include "docker/docker.h"
#include "event/event.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define POLL_MS 2000
#define CPU_EVENT_EVERY_US 60000000LL
#define MAX_TRACKED 1024

/* Docker's defaults but these: device nodes, file capabilities and the
 * capability bounding set stay as they are; set-group-ID bits are not kept
 * by unprivileged writes. NET_RAW stays: ping and nmap -sS are what an
 * intruder runs first, and the firewall holds what they send. */
static const char *const CAP_DROP[] = {"MKNOD", "SETFCAP", "SETPCAP", "FSETID"};

void contain_host_config(const struct config *cfg, json_t *hc)
{
    const long long mem = cfg->containment.memory_bytes;
    json_t *drop = json_array();
    for (size_t i = 0; i < sizeof(CAP_DROP) / sizeof(CAP_DROP[0]); i++)
        json_array_append_new(drop, json_string(CAP_DROP[i]));
    json_object_set_new(hc, "Memory", json_integer(mem));
    json_object_set_new(hc, "MemorySwap", json_integer(mem + cfg->containment.swap_bytes));
    json_object_set_new(hc, "NanoCpus",
                        json_integer((json_int_t)cfg->containment.cpu_millis * 1000000));
    json_object_set_new(hc, "PidsLimit", json_integer(cfg->containment.pids));
    /* No single file larger than the disk allowance: the common fill (one
     * big file) ends with "File too large" at the cap, not a poll later. */
    json_object_set_new(hc, "Ulimits",
                        json_pack("[{s:s, s:I, s:I}, {s:s, s:I, s:I}]", "Name", "nofile", "Soft",
                                  (json_int_t)cfg->containment.nofile, "Hard",
                                  (json_int_t)cfg->containment.nofile, "Name", "fsize", "Soft",
                                  (json_int_t)cfg->containment.disk_bytes, "Hard",
                                  (json_int_t)cfg->containment.disk_bytes));
    json_object_set_new(hc, "CapDrop", drop);
    if (cfg->containment.no_new_privileges)
        json_object_set_new(hc, "SecurityOpt", json_pack("[s]", "no-new-privileges"));
}

unsigned long long contain_cgroup_value(const char *text, const char *key)
{
    size_t klen = strlen(key);
    for (const char *line = text; *line;) {
        if (strncmp(line, key, klen) == 0 && line[klen] == ' ')
            return strtoull(line + klen + 1, NULL, 10);
        const char *nl = strchr(line, '\n');
        if (!nl)
            break;
        line = nl + 1;
    }
    return 0;
}

/* ---- the watcher ---- */

struct tracked {
    char id[72];
    char honeynet[64];    /* from its label; decoys get theirs at claim (who) */
    char upper[PATH_MAX]; /* its writable layer on the host, "" until known */
    struct contain_counters c;
    long long cpu_event_us;
    bool seen;        /* in this round's list */
    bool disk_killed; /* stopped for its disk or inode use */
};

struct contain_limits {
    const struct config *cfg;
    struct event_pipeline *p;
    contain_container_fn who;
    void *ud;
    struct docker *d;
    bool cgroup_v2; /* the layout of /sys/fs/cgroup, read once */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stopping;
    pthread_t thread;
    struct tracked *t;
    size_t nt;
};

/* Reads a small file whole; false when it is not there. */
static bool read_small(const char *path, char *buf, size_t len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    ssize_t n = read(fd, buf, len - 1);
    close(fd);
    buf[n > 0 ? n : 0] = '\0';
    return n > 0;
}

/* The value of key in the first of the cgroup files that exists: every
 * layout Docker uses (v2 or v1; cgroupfs or systemd driver). */
static unsigned long long counter(const char *id, const char *const ctl[], const char *file,
                                  const char *key)
{
    char path[512], buf[2048], rel[2][128];
    snprintf(rel[0], sizeof(rel[0]), "docker/%s", id);
    snprintf(rel[1], sizeof(rel[1]), "system.slice/docker-%s.scope", id);
    for (size_t c = 0; ctl[c]; c++)
        for (size_t p = 0; p < 2; p++) {
            snprintf(path, sizeof(path), "/sys/fs/cgroup/%s%s%s/%s", ctl[c], *ctl[c] ? "/" : "",
                     rel[p], file);
            if (read_small(path, buf, sizeof(buf)))
                return contain_cgroup_value(buf, key);
        }
    return 0;
}

static void read_counters(const char *id, bool is_v2, struct contain_counters *c)
{
    static const char *const v2[] = {"", NULL}, *const mem1[] = {"memory", NULL},
                             *const pids1[] = {"pids", NULL},
                             *const cpu1[] = {"cpu", "cpu,cpuacct", NULL};
    c->oom_kills = is_v2 ? counter(id, v2, "memory.events", "oom_kill")
                         : counter(id, mem1, "memory.oom_control", "oom_kill");
    c->pids_refused = counter(id, is_v2 ? v2 : pids1, "pids.events", "max");
    c->cpu_throttled = counter(id, is_v2 ? v2 : cpu1, "cpu.stat", "nr_throttled");
}

static void limit_event(struct contain_limits *l, const struct tracked *t, const char *limit,
                        unsigned long long count, json_t *value)
{
    const char *id = t->id;
    char hn[64] = "", host[64] = "", ip[64] = "";
    json_t *ev = event_new(EVENT_CONTAIN_LIMIT);
    json_object_set_new(ev, "container", json_string(id));
    json_object_set_new(ev, "limit", json_string(limit));
    json_object_set_new(ev, "count", json_integer((json_int_t)count));
    json_object_set_new(ev, "value", value);
    snprintf(hn, sizeof(hn), "%s", t->honeynet);
    if (l->who && l->who(l->ud, id, hn, sizeof(hn), host, sizeof(host), ip, sizeof(ip)) == 0) {
        if (host[0])
            json_object_set_new(ev, "host", json_string(host));
        if (ip[0])
            json_object_set_new(ev, "host_ip", json_string(ip));
    }
    if (hn[0])
        json_object_set_new(ev, "honeynet", json_string(hn));
    if (event_emit(l->p, ev) < 0)
        LOG_RATELIMITED(LOG_LEVEL_WARN, "contain: a contain.limit event was not recorded");
}

static struct tracked *track(struct contain_limits *l, const char *id)
{
    for (size_t i = 0; i < l->nt; i++)
        if (strcmp(l->t[i].id, id) == 0)
            return &l->t[i];
    if (l->nt == MAX_TRACKED)
        return NULL;
    struct tracked *t = &l->t[l->nt++];
    memset(t, 0, sizeof(*t));
    snprintf(t->id, sizeof(t->id), "%s", id);
    return t;
}

/* Bytes and inodes under a directory; the walk stops past either limit (it
 * is bounded by what it is looking for): 1 for bytes, 2 for inodes. nftw
 * passes no context: these are the watcher thread's own. */
static long long disk_walked, disk_limit;
static unsigned long long inodes_walked, inodes_limit;

static int add_size(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)path;
    (void)flag;
    (void)ftw;
    disk_walked += (long long)st->st_blocks * 512;
    inodes_walked++; /* empty files, directories and whiteouts take no blocks, but an inode */
    return disk_walked > disk_limit ? 1 : inodes_walked > inodes_limit ? 2 : 0;
}

/* The writable layer past [containment] disk or inodes: the container is
 * killed, since the engine's disk is what it fills (overlay2 on this file
 * system has no per-container size or inode quota). Its files stay, for
 * extraction. */
static void check_disk(struct contain_limits *l, struct tracked *t)
{
    if (t->disk_killed)
        return;
    if (!t->upper[0]) {
        json_t *info = NULL;
        if (docker_container_inspect(l->d, t->id, &info) < 0)
            return;
        const char *up = json_string_value(json_object_get(
            json_object_get(json_object_get(info, "GraphDriver"), "Data"), "UpperDir"));
        snprintf(t->upper, sizeof(t->upper), "%s", up ? up : "-");
        json_decref(info);
    }
    if (t->upper[0] == '-')
        return; /* not a layered driver: nothing to measure */
    disk_walked = 0;
    disk_limit = l->cfg->containment.disk_bytes;
    inodes_walked = 0;
    inodes_limit = l->cfg->containment.inodes;
    int over = nftw(t->upper, add_size, 16, FTW_PHYS | FTW_MOUNT);
    if (over != 1 && over != 2)
        return;
    t->disk_killed = true;
    if (over == 1)
        limit_event(l, t, "disk", 1, json_integer(disk_limit));
    else
        limit_event(l, t, "inodes", 1, json_integer((json_int_t)inodes_limit));
    if (docker_container_kill(l->d, t->id, "KILL") < 0)
        LOG_RATELIMITED(LOG_LEVEL_WARN, "contain: container past its %s not stopped: %s",
                        over == 1 ? "disk" : "inodes", docker_last_error(l->d));
}

static void check_one(struct contain_limits *l, struct tracked *t, long long now)
{
    const struct config *cfg = l->cfg;
    struct contain_counters c;
    read_counters(t->id, l->cgroup_v2, &c);
    if (c.oom_kills > t->c.oom_kills)
        limit_event(l, t, "memory", c.oom_kills - t->c.oom_kills,
                    json_integer(cfg->containment.memory_bytes));
    if (c.pids_refused > t->c.pids_refused)
        limit_event(l, t, "pids", c.pids_refused - t->c.pids_refused,
                    json_integer(cfg->containment.pids));
    if (c.cpu_throttled > t->c.cpu_throttled) {
        if (now - t->cpu_event_us < CPU_EVENT_EVERY_US)
            c.cpu_throttled = t->c.cpu_throttled; /* counted into the next one */
        else {
            limit_event(l, t, "cpu", c.cpu_throttled - t->c.cpu_throttled,
                        json_real(cfg->containment.cpu_millis / 1000.0));
            t->cpu_event_us = now;
        }
    }
    t->c = c;
    check_disk(l, t);
}

static void poll_once(struct contain_limits *l)
{
    json_t *f = json_pack("{s:[s]}", "label", DOCKER_LABEL_MANAGED "=1"), *list = NULL, *it;
    size_t i;
    int rc = docker_container_list(l->d, false, f, &list);
    json_decref(f);
    if (rc < 0) {
        LOG_RATELIMITED(LOG_LEVEL_WARN, "contain: listing containers: %s", docker_last_error(l->d));
        return;
    }
    for (i = 0; i < l->nt; i++)
        l->t[i].seen = false;
    long long now = util_mono_us();
    json_array_foreach(list, i, it)
    {
        const char *id = json_string_value(json_object_get(it, "Id"));
        struct tracked *t = id ? track(l, id) : NULL;
        if (!t)
            continue;
        t->seen = true;
        const char *hn =
            json_string_value(json_object_get(json_object_get(it, "Labels"), "karakuri.honeynet"));
        snprintf(t->honeynet, sizeof(t->honeynet), "%s", hn ? hn : "");
        check_one(l, t, now);
    }
    json_decref(list);
    /* Containers gone since: forgotten. */
    for (i = 0; i < l->nt;)
        if (!l->t[i].seen)
            l->t[i] = l->t[--l->nt];
        else
            i++;
}

static void *limits_main(void *arg)
{
    struct contain_limits *l = arg;
    pthread_setname_np(pthread_self(), "kk-limits");
    pthread_mutex_lock(&l->mu);
    while (!l->stopping) {
        pthread_mutex_unlock(&l->mu);
        poll_once(l);
        pthread_mutex_lock(&l->mu);
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += POLL_MS / 1000;
        while (!l->stopping && pthread_cond_timedwait(&l->cv, &l->mu, &ts) == 0)
            ;
    }
    pthread_mutex_unlock(&l->mu);
    return NULL;
}

int contain_limits_start(const struct config *cfg, struct event_pipeline *p,
                         contain_container_fn who, void *ud, struct contain_limits **out, char *err,
                         size_t errlen)
{
    struct contain_limits *l = xcalloc(1, sizeof(*l));
    l->cfg = cfg;
    l->p = p;
    l->who = who;
    l->ud = ud;
    l->t = xcalloc(MAX_TRACKED, sizeof(*l->t));
    l->cgroup_v2 = access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0;
    if (docker_open(cfg->docker.host, &l->d, err, errlen) < 0) {
        free(l->t);
        free(l);
        return -EIO;
    }
    pthread_mutex_init(&l->mu, NULL);
    pthread_cond_init(&l->cv, NULL);
    if (pthread_create(&l->thread, NULL, limits_main, l) != 0) {
        snprintf(err, errlen, "cannot start a thread");
        pthread_cond_destroy(&l->cv);
        pthread_mutex_destroy(&l->mu);
        docker_close(l->d);
        free(l->t);
        free(l);
        return -EAGAIN;
    }
    *out = l;
    return 0;
}

void contain_limits_stop(struct contain_limits *l)
{
    if (!l)
        return;
    pthread_mutex_lock(&l->mu);
    l->stopping = true;
    pthread_cond_signal(&l->cv);
    pthread_mutex_unlock(&l->mu);
    pthread_join(l->thread, NULL);
    pthread_cond_destroy(&l->cv);
    pthread_mutex_destroy(&l->mu);
    docker_close(l->d);
    free(l->t);
    free(l);
}
