/* honeynet service: the workers, their queue and the answers (see
 * honeynet.h). A worker takes the first queued job that may run now: a
 * login's when no other work holds its honeynet, an extraction when none
 * runs on that honeynet and fewer than HONEYNET_SLOW_MAX slow jobs run (any
 * number once stopping), the sweep likewise. */
#include "honeynet/honeynet_int.h"

#include "common/log.h"
#include "common/util.h"
#include "common/xalloc.h"
#include "config/config.h"
#include "docker/docker.h"
#include "event/event.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

char *honeynet_hostkey_dir(const struct config *cfg, const char *who)
{
    return xasprintf("%s/hostkeys/%s", cfg->store.dir, who);
}

int honeynet_docker(struct worker *w, char *err, size_t errlen)
{
    if (w->d)
        return 0;
    return docker_open(w->h->cfg->docker.host, &w->d, err, errlen);
}

void honeynet_emit(struct honeynet_service *h, const struct honeynet_who *who, json_t *ev)
{
    if (who) {
        json_object_set_new(ev, "session", json_string(who->session));
        json_object_set_new(ev, "src_ip", json_string(who->ip));
        json_object_set_new(ev, "src_port", json_integer(who->port));
    }
    if (event_emit(h->p, ev) < 0)
        LOG_RATELIMITED(LOG_LEVEL_WARN, "honeynet: an event could not be queued");
}

void honeynet_post(struct honeynet_service *h, const struct honeynet_done *d)
{
    struct done_node *n = xcalloc(1, sizeof(*n));
    n->d = *d;
    uint64_t one = 1;
    pthread_mutex_lock(&h->mu);
    *h->done_tail = n;
    h->done_tail = &n->next;
    if (write(h->efd, &one, sizeof(one)) < 0)
        LOG_RATELIMITED(LOG_LEVEL_WARN, "honeynet: cannot signal an answer");
    pthread_mutex_unlock(&h->mu);
}

void honeynet_key_lock(struct honeynet_service *h, const char *key)
{
    while (honeynet_registry_get(&h->reg, key)->locked)
        pthread_cond_wait(&h->cv, &h->mu);
    honeynet_registry_get(&h->reg, key)->locked = true;
}

static void unlock_keys(struct honeynet_service *h, struct job *j)
{
    if (j->unlocked)
        return;
    j->unlocked = true;
    honeynet_registry_get(&h->reg, j->key)->locked = false;
    if (j->shared_key[0])
        honeynet_registry_get(&h->reg, j->shared_key)->locked = false;
    pthread_cond_broadcast(&h->cv);
}

void honeynet_job_unlock(struct honeynet_service *h, struct job *j)
{
    pthread_mutex_lock(&h->mu);
    unlock_keys(h, j);
    pthread_mutex_unlock(&h->mu);
}

/* ---- the queue ---- */

/* Hops and sweeps are on no one honeynet's queue. */
static bool keyed(const struct job *j)
{
    return j->kind == JOB_ACQUIRE || j->kind == JOB_EXTRACT;
}

static void push(struct honeynet_service *h, struct job *j)
{
    if (keyed(j))
        honeynet_registry_get(&h->reg, j->key)->jobs++;
    *h->tail = j;
    h->tail = &j->next;
    pthread_cond_broadcast(&h->cv);
}

static bool may_run(struct honeynet_service *h, const struct job *j)
{
    bool slow_ok = h->stopping || h->slow_running < HONEYNET_SLOW_MAX;
    switch (j->kind) {
    case JOB_ACQUIRE:
        return !honeynet_registry_get(&h->reg, j->key)->locked;
    case JOB_EXTRACT:
        return slow_ok && !honeynet_registry_get(&h->reg, j->key)->extracting;
    case JOB_SWEEP:
        return slow_ok;
    case JOB_HOP_REACH:
    case JOB_HOP_AUTH:
        return true;
    }
    return false;
}

/* The first job that may run, taken off the queue and marked running. */
static struct job *pick(struct honeynet_service *h)
{
    for (struct job **pp = &h->head; *pp; pp = &(*pp)->next) {
        struct job *j = *pp;
        if (!may_run(h, j))
            continue;
        *pp = j->next;
        if (!*pp)
            h->tail = pp;
        j->next = NULL;
        if (j->kind == JOB_ACQUIRE)
            honeynet_registry_get(&h->reg, j->key)->locked = true;
        else if (keyed(j) || j->kind == JOB_SWEEP)
            h->slow_running++;
        if (j->kind == JOB_EXTRACT)
            honeynet_registry_get(&h->reg, j->key)->extracting = true;
        return j;
    }
    return NULL;
}

/* Often enough that a honeynet outlives its retention or lifetime by a
 * quarter at most, and at least every minute. */
static long long sweep_every_us(const struct config *cfg)
{
    long long every = cfg->honeynet.retention_s, life = cfg->containment.honeynet_lifetime_s;
    if (life && life < every)
        every = life;
    return (every < 240 ? every : 240) * 250000LL;
}

static void finish(struct honeynet_service *h, struct job *j)
{
    if (j->kind == JOB_SWEEP) {
        h->sweep_queued = false;
        h->next_sweep_us = util_now_us() + sweep_every_us(h->cfg);
    } else if (keyed(j)) {
        struct honeynet_entry *e = honeynet_registry_get(&h->reg, j->key);
        e->jobs--;
        if (j->kind == JOB_ACQUIRE)
            unlock_keys(h, j);
        else
            e->extracting = false;
    }
    if (j->kind == JOB_EXTRACT || j->kind == JOB_SWEEP)
        h->slow_running--;
    pthread_cond_broadcast(&h->cv);
}

static void run(struct worker *w, struct job *j)
{
    switch (j->kind) {
    case JOB_ACQUIRE:
        honeynet_run_acquire(w, j);
        break;
    case JOB_EXTRACT:
        honeynet_run_extract(w, j);
        break;
    case JOB_SWEEP:
        honeynet_run_sweep(w);
        break;
    case JOB_HOP_REACH:
        honeynet_run_hop_reach(w, j);
        break;
    case JOB_HOP_AUTH:
        honeynet_run_hop_auth(w, j);
        break;
    }
}

static void job_free(struct job *j)
{
    free(j->user);
    free(j->password);
    free(j->pubkey);
    free(j);
}

static void wait_a_while(struct honeynet_service *h)
{
    long long now = util_now_us();
    long long until = h->next_sweep_us > now && h->next_sweep_us - now < 1000000 ? h->next_sweep_us
                                                                                 : now + 1000000;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    long long ns = (until - now) * 1000;
    ts.tv_sec += (time_t)(ns / 1000000000LL);
    ts.tv_nsec += (long)(ns % 1000000000LL);
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    pthread_cond_timedwait(&h->cv, &h->mu, &ts);
}

static void *worker_main(void *arg)
{
    struct worker w = {.h = arg};
    pthread_setname_np(pthread_self(), "kk-honeynet");
    struct honeynet_service *h = w.h;
    pthread_mutex_lock(&h->mu);
    for (;;) {
        if (!h->stopping && !h->sweep_queued && util_now_us() >= h->next_sweep_us) {
            struct job *sw = xcalloc(1, sizeof(*sw));
            sw->kind = JOB_SWEEP;
            h->sweep_queued = true;
            push(h, sw);
        }
        struct job *j = pick(h);
        if (j) {
            pthread_mutex_unlock(&h->mu);
            run(&w, j);
            pthread_mutex_lock(&h->mu);
            finish(h, j);
            job_free(j);
            continue;
        }
        if (h->stopping && !h->head)
            break;
        wait_a_while(h);
    }
    pthread_mutex_unlock(&h->mu);
    if (w.d)
        docker_close(w.d);
    return NULL;
}

/* ---- the interface ---- */

int honeynet_start(const struct config *cfg, struct event_pipeline *p, struct lan_responder *lan,
                   struct monitor_exec *mon, struct honeynet_service **out, char *err,
                   size_t errlen)
{
    struct honeynet_service *h = xcalloc(1, sizeof(*h));
    h->cfg = cfg;
    h->p = p;
    h->lan = lan;
    h->mon = mon;
    h->tail = &h->head;
    h->done_tail = &h->done_head;
    h->files_seen = json_object();
    pthread_mutex_init(&h->mu, NULL);
    pthread_mutex_init(&h->create_mu, NULL);
    pthread_cond_init(&h->cv, NULL);
    h->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (h->efd < 0) {
        snprintf(err, errlen, "cannot make the honeynet service's eventfd");
        honeynet_stop(h);
        return -EMFILE;
    }
    for (; h->nth < HONEYNET_WORKERS; h->nth++)
        if (pthread_create(&h->th[h->nth], NULL, worker_main, h) != 0) {
            snprintf(err, errlen, "cannot start the honeynet workers");
            honeynet_stop(h);
            return -EAGAIN;
        }
    *out = h;
    return 0;
}

void honeynet_set_hooks(struct honeynet_service *h, const struct honeynet_hooks *hooks)
{
    pthread_mutex_lock(&h->mu);
    h->hooks = *hooks;
    pthread_mutex_unlock(&h->mu);
}

int honeynet_fd(const struct honeynet_service *h)
{
    return h->efd;
}

void honeynet_acquire(struct honeynet_service *h, struct honeynet_login *l)
{
    struct job *j = xcalloc(1, sizeof(*j));
    j->kind = JOB_ACQUIRE;
    j->who = l->who;
    j->user = l->user;
    j->password = l->password;
    l->user = l->password = NULL;
    j->done.up = -1;
    if (h->cfg->honeynet.mode == CONFIG_MODE_SHARED)
        snprintf(j->key, sizeof(j->key), "shared");
    else
        snprintf(j->key, sizeof(j->key), "src-%s", j->who.ip);
    pthread_mutex_lock(&h->mu);
    push(h, j);
    pthread_mutex_unlock(&h->mu);
}

void honeynet_hop_reach(struct honeynet_service *h, const struct honeynet_who *who, const char *dst)
{
    struct job *j = xcalloc(1, sizeof(*j));
    j->kind = JOB_HOP_REACH;
    j->who = *who;
    j->done.up = -1;
    snprintf(j->dst, sizeof(j->dst), "%s", dst);
    pthread_mutex_lock(&h->mu);
    push(h, j);
    pthread_mutex_unlock(&h->mu);
}

void honeynet_hop_auth(struct honeynet_service *h, const struct honeynet_who *who,
                       const char *honeynet, const char *container, int pid, char *user,
                       char *password, char *pubkey)
{
    struct job *j = xcalloc(1, sizeof(*j));
    j->kind = JOB_HOP_AUTH;
    j->who = *who;
    j->done.up = -1;
    snprintf(j->key, sizeof(j->key), "%s", honeynet);
    snprintf(j->container, sizeof(j->container), "%s", container);
    j->pid = pid;
    j->user = user;
    j->password = password;
    j->pubkey = pubkey;
    pthread_mutex_lock(&h->mu);
    push(h, j);
    pthread_mutex_unlock(&h->mu);
}

void honeynet_release(struct honeynet_service *h, const struct honeynet_who *who,
                      const char *honeynet, const char *container, bool extract)
{
    pthread_mutex_lock(&h->mu);
    struct honeynet_entry *e = honeynet_registry_get(&h->reg, honeynet);
    if (e->open)
        e->open--;
    e->last_used_s = util_now_us() / 1000000;
    if (extract && container[0]) {
        struct job *j = xcalloc(1, sizeof(*j));
        j->kind = JOB_EXTRACT;
        j->who = *who;
        snprintf(j->key, sizeof(j->key), "%s", honeynet);
        snprintf(j->container, sizeof(j->container), "%s", container);
        push(h, j);
    }
    pthread_mutex_unlock(&h->mu);
}

bool honeynet_take(struct honeynet_service *h, struct honeynet_done *out)
{
    pthread_mutex_lock(&h->mu);
    struct done_node *n = h->done_head;
    if (n) {
        h->done_head = n->next;
        if (!h->done_head)
            h->done_tail = &h->done_head;
    } else {
        uint64_t v;
        (void)!read(h->efd, &v, sizeof(v)); /* empty: the next post signals again */
    }
    pthread_mutex_unlock(&h->mu);
    if (!n)
        return false;
    *out = n->d;
    free(n);
    return true;
}

void honeynet_stop(struct honeynet_service *h)
{
    if (!h)
        return;
    pthread_mutex_lock(&h->mu);
    h->stopping = true;
    atomic_store(&h->drain_deadline_us, util_mono_us() + HONEYNET_DRAIN_MS * 1000LL);
    /* Logins nobody waits for any more are not prepared; a queued sweep
     * waits for the next run. */
    for (struct job **pp = &h->head; *pp;) {
        struct job *j = *pp;
        if (j->kind == JOB_EXTRACT) {
            pp = &j->next;
            continue;
        }
        *pp = j->next;
        if (keyed(j))
            honeynet_registry_get(&h->reg, j->key)->jobs--;
        job_free(j);
    }
    h->tail = &h->head;
    while (*h->tail)
        h->tail = &(*h->tail)->next;
    pthread_cond_broadcast(&h->cv);
    pthread_mutex_unlock(&h->mu);
    for (unsigned i = 0; i < h->nth; i++)
        pthread_join(h->th[i], NULL);
    struct honeynet_done d;
    while (honeynet_take(h, &d))
        if (d.up >= 0)
            close(d.up);
    if (h->efd >= 0)
        close(h->efd);
    pthread_cond_destroy(&h->cv);
    pthread_mutex_destroy(&h->create_mu);
    pthread_mutex_destroy(&h->mu);
    honeynet_registry_free(&h->reg);
    json_decref(h->files_seen);
    free(h);
}
