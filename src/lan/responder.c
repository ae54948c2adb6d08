/* lan responder: sweeps answered, decoys claimed, flows and captures
 * recorded (see responder.h). One mutex guards all state; the capture thread
 * holds it while it handles a batch of frames, which takes microseconds. A
 * claim's slow part (the decoy's files, netlink, the wait for its link,
 * iptables) runs on the claimer thread without it, so every LAN is answered
 * meanwhile; its held packets are replayed when it is published.
 * This file: start, stop, attach and the look-ups; the capture thread is in
 * responder_capture.c, the claimer and the worker in responder_worker.c, the
 * decisions on each frame in decide.c. */
#include "lan/responder.h"

#include "common/log.h"
#include "common/util.h"
#include "common/xalloc.h"
#include "config/config.h"
#include "contain/firewall.h"
#include "docker/docker.h"
#include "event/event.h"
#include "lan/capture.h"
#include "lan/decide.h"
#include "lan/decoy.h"
#include "lan/honeynet.h"
#include "lan/pool.h"
#include "lan/responder_int.h"

#include <errno.h>
#include <netinet/tcp.h>
#include <pcap/pcap.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <unistd.h>

void lan_rsp_emit(struct lan_responder *r, json_t *ev)
{
    if (event_emit(r->p, ev) < 0)
        LOG_RATELIMITED(LOG_LEVEL_WARN, "lan: an event was lost");
}

void lan_rsp_wake(struct lan_responder *r)
{
    uint64_t one = 1;
    if (write(r->wake, &one, sizeof(one)) < 0) {
        /* The counter is saturated: the thread is awake anyway. */
    }
}

json_t *lan_rsp_ip_json(uint32_t ip)
{
    char a[UTIL_IPV4_LEN];
    util_ipv4_format(ip, a);
    return json_string(a);
}

json_t *lan_rsp_net_event(struct net *n, enum event_type t)
{
    json_t *ev = event_new(t);
    json_object_set_new(ev, "honeynet", json_string(n->s.name));
    return ev;
}

void lan_rsp_queue_job(struct lan_responder *r, const struct job *j)
{
    struct job *c = xmalloc(sizeof(*c));
    *c = *j;
    c->next = NULL;
    *r->jobs_tail = c;
    r->jobs_tail = &c->next;
    pthread_cond_signal(&r->cv);
}

void lan_rsp_drop_held(struct lan_decide_host *h)
{
    for (size_t i = 0; i < h->nheld; i++)
        free(h->held[i].data);
    h->nheld = 0;
}

/* How many decoys the pool should hold (lock held): the configured base,
 * or, if more, one for each host waiting for a decoy and, on a honeynet
 * swept or contacted within [honeynet] pool_quiet, one for each planned
 * host it may still claim within its caps. A sweep is seen seconds before
 * the connects that follow it, so the pool grows ahead of them; once the
 * honeynet is quiet the surplus is removed, so a quiet honeynet costs its
 * gateway and the base pool only. */
void lan_rsp_pool_demand(struct lan_responder *r)
{
    const struct config *c = r->cfg;
    long long now = util_mono_us();
    unsigned need = 0, grow = 0;
    for (size_t i = 0; i < r->nnets; i++) {
        struct net *n = r->nets[i];
        unsigned empty = 0;
        for (size_t k = 0; k < n->s.nhosts; k++) {
            const struct lan_decide_host *h = &n->s.hosts[k];
            need += h->st == LAN_DECIDE_PENDING && !h->claiming;
            empty += h->planned && h->st == LAN_DECIDE_EMPTY;
        }
        if (!n->s.hot_us || now - n->s.hot_us >= c->honeynet.pool_quiet_s * 1000000LL)
            continue;
        unsigned room = c->honeynet.decoys_max > n->s.live ? c->honeynet.decoys_max - n->s.live : 0;
        grow += empty < room ? empty : room;
    }
    unsigned room = c->honeynet.decoys_total > r->shared.live_total
                        ? c->honeynet.decoys_total - r->shared.live_total
                        : 0;
    need += grow < room ? grow : room;
    lan_pool_want(r->pool, need > c->honeynet.pool ? need : c->honeynet.pool, r->nnets > 0);
}

/* The calling thread ahead of the rest of the host (root may raise it):
 * answers and claims are what the intruder times, and they compete with the
 * pool's makers, the engine and the containers for CPU. */
void lan_rsp_raise_priority(void)
{
    if (setpriority(PRIO_PROCESS, (id_t)gettid(), -10) < 0) {
        /* Not root, or not allowed: the default priority then. */
    }
}

int lan_responder_start(const struct config *cfg, struct event_pipeline *p,
                        struct monitor_exec *mon, struct lan_responder **out, char *err,
                        size_t errlen)
{
    struct lan_responder *r = xcalloc(1, sizeof(*r));
    r->cfg = cfg;
    r->p = p;
    r->mon = mon;
    r->jobs_tail = &r->jobs;
    r->shared = (struct lan_decide_shared){.chain_depth = cfg->honeynet.chain_depth,
                                           .decoys_max = cfg->honeynet.decoys_max,
                                           .decoys_total = cfg->honeynet.decoys_total,
                                           .seed = (unsigned)util_now_us()};
    r->out = xmalloc(sizeof(*r->out));
    r->wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    lan_rsp_recover_captures(r);
    pthread_mutex_init(&r->mu, NULL);
    pthread_cond_init(&r->cv, NULL);
    pthread_cond_init(&r->claim_cv, NULL);
    pthread_cond_init(&r->live_cv, NULL);
    if (r->wake < 0 || docker_open(cfg->docker.host, &r->d, err, errlen) < 0 ||
        lan_pool_start(cfg, lan_rsp_pool_ready, r, &r->pool, err, errlen) < 0) {
        if (r->wake < 0)
            snprintf(err, errlen, "eventfd failed");
        goto fail;
    }
    if (pthread_create(&r->capture, NULL, lan_rsp_capture_main, r) != 0) {
        snprintf(err, errlen, "cannot start the capture thread");
        goto fail;
    }
    bool worker = pthread_create(&r->worker, NULL, lan_rsp_worker_main, r) == 0;
    if (!worker || pthread_create(&r->claimer, NULL, lan_rsp_claimer_main, r) != 0) {
        pthread_mutex_lock(&r->mu);
        r->stopping = true;
        pthread_cond_broadcast(&r->cv);
        pthread_mutex_unlock(&r->mu);
        lan_rsp_wake(r);
        pthread_join(r->capture, NULL);
        if (worker)
            pthread_join(r->worker, NULL);
        snprintf(err, errlen, "cannot start the decoy threads");
        goto fail;
    }
    *out = r;
    return 0;
fail:
    lan_pool_stop(r->pool);
    if (r->d)
        docker_close(r->d);
    if (r->wake >= 0)
        close(r->wake);
    pthread_cond_destroy(&r->cv);
    pthread_cond_destroy(&r->claim_cv);
    pthread_cond_destroy(&r->live_cv);
    pthread_mutex_destroy(&r->mu);
    free(r->out);
    free(r);
    return -EIO;
}

int lan_responder_attach(struct lan_responder *r, struct docker *d, const struct lan_gateway *gw,
                         const char *user, const char *password, char *err, size_t errlen)
{
    struct lan_user u;
    bool have_user = lan_user_make(user, password, &u) == 0;
    struct net *n = NULL;

    pthread_mutex_lock(&r->mu);
    for (size_t i = 0; i < r->nnets && !n; i++)
        if (strcmp(r->nets[i]->s.name, gw->honeynet) == 0)
            n = r->nets[i];
    pthread_mutex_unlock(&r->mu);
    if (!n) {
        /* Opened without the lock: it talks to Docker. */
        struct net *fresh = lan_rsp_net_open(r, d, gw, err, errlen);
        if (!fresh)
            return -EIO;
        pthread_mutex_lock(&r->mu);
        for (size_t i = 0; i < r->nnets && !n; i++)
            if (strcmp(r->nets[i]->s.name, gw->honeynet) == 0)
                n = r->nets[i];
        bool added = false;
        if (!n && r->nnets < LAN_RSP_MAX_NETS) {
            n = r->nets[r->nnets++] = fresh;
            fresh = NULL;
            added = true;
            lan_rsp_pool_demand(r); /* the pool may start filling */
        }
        uint32_t base = n ? n->s.base : 0, gw_ip = n ? n->s.gw_ip : 0;
        pthread_mutex_unlock(&r->mu);
        char ferr[256];
        /* Without the steering, SSH in the LAN goes straight to the sshds
         * (packets and processes only): the LAN still answers. */
        if (added && r->cfg->honeynet.hops &&
            contain_fw_hop_steer(base, gw_ip, ferr, sizeof(ferr)) < 0)
            LOG_RATELIMITED(LOG_LEVEL_WARN, "lan: SSH hops on %s not taken: %s", gw->honeynet,
                            ferr);
        if (fresh) {
            /* Not unlinked: the same file is the other one's. */
            lan_capture_close(&fresh->cap);
            pcap_close(fresh->pc);
            free(fresh);
        }
        if (!n) {
            snprintf(err, errlen, "too many honeynets for the responder");
            return -ENOSPC;
        }
        lan_rsp_wake(r);
    }
    if (!have_user)
        return 0; /* the gateway took it; decoys simply will not */
    pthread_mutex_lock(&r->mu);
    size_t i;
    for (i = 0; i < n->nusers && strcmp(n->users[i].name, u.name) != 0; i++)
        ;
    if (i < LAN_RSP_MAX_USERS) {
        n->users[i] = u;
        if (i == n->nusers)
            n->nusers++;
    }
    for (size_t k = 0; k < n->s.nhosts; k++) {
        if (n->s.hosts[k].st != LAN_DECIDE_LIVE)
            continue;
        struct job j = {.kind = JOB_USER};
        snprintf(j.container, sizeof(j.container), "%s", n->s.hosts[k].dc.id);
        util_ipv4_format(n->s.hosts[k].h.ip, j.ip);
        snprintf(j.user, sizeof(j.user), "%s", user);
        snprintf(j.password, sizeof(j.password), "%s", password);
        lan_rsp_queue_job(r, &j);
    }
    pthread_mutex_unlock(&r->mu);
    return 0;
}

bool lan_responder_owner(void *ud, uint32_t ip, char *honeynet, size_t hlen, char *host,
                         size_t hostlen)
{
    struct lan_responder *r = ud;
    bool found = false;
    pthread_mutex_lock(&r->mu);
    for (size_t i = 0; i < r->nnets && !found; i++) {
        struct net *n = r->nets[i];
        if ((ip & ~0xffu) != n->s.base)
            continue;
        const char *name = lan_decide_host_name(&n->s, ip);
        snprintf(honeynet, hlen, "%s", n->s.name);
        snprintf(host, hostlen, "%s", name ? name : "");
        found = true;
    }
    pthread_mutex_unlock(&r->mu);
    return found;
}

int lan_responder_container(void *ud, const char *id, char *honeynet, size_t hlen, char *host,
                            size_t hostlen, char *ip, size_t iplen)
{
    struct lan_responder *r = ud;
    char a[UTIL_IPV4_LEN];
    int rc = -ENOENT;
    pthread_mutex_lock(&r->mu);
    for (size_t i = 0; i < r->nnets && rc < 0; i++) {
        struct net *n = r->nets[i];
        if (*honeynet && strcmp(honeynet, n->s.name) == 0) { /* a gateway, known by its label */
            util_ipv4_format(n->s.gw_ip, a);
            snprintf(host, hostlen, "%s", n->s.gw_name);
            snprintf(ip, iplen, "%s", a);
            rc = 0;
        }
        for (size_t k = 0; k < n->s.nhosts && rc < 0; k++) {
            struct lan_decide_host *h = &n->s.hosts[k];
            if (h->st == LAN_DECIDE_EMPTY || strcmp(h->dc.id, id) != 0)
                continue;
            util_ipv4_format(h->h.ip, a);
            snprintf(honeynet, hlen, "%s", n->s.name);
            snprintf(host, hostlen, "%s", h->h.hostname);
            snprintf(ip, iplen, "%s", a);
            rc = 0;
        }
    }
    pthread_mutex_unlock(&r->mu);
    return rc;
}

void lan_responder_stop(struct lan_responder *r)
{
    if (!r)
        return;
    pthread_mutex_lock(&r->mu);
    r->stopping = true;
    pthread_cond_broadcast(&r->cv);
    pthread_cond_broadcast(&r->claim_cv);
    pthread_cond_broadcast(&r->live_cv);
    pthread_mutex_unlock(&r->mu);
    lan_rsp_wake(r);
    pthread_join(r->capture, NULL);
    pthread_join(r->worker, NULL);
    pthread_join(r->claimer, NULL);
    /* Only this thread is left: no lock needed. */
    for (struct job *j = r->jobs, *next; j; j = next) {
        next = j->next;
        lan_rsp_run_job(r, j);
        free(j);
    }
    for (size_t i = 0; i < r->nnets; i++) {
        struct net *n = r->nets[i];
        for (size_t k = 0; k < n->s.nhosts; k++) {
            struct lan_decide_host *h = &n->s.hosts[k];
            if (h->st == LAN_DECIDE_PENDING)
                lan_rsp_drop_held(h);
            if (h->st != LAN_DECIDE_LIVE)
                continue;
            struct job j = {.kind = JOB_STOP};
            snprintf(j.container, sizeof(j.container), "%s", h->dc.id);
            snprintf(j.honeynet, sizeof(j.honeynet), "%s", n->s.name);
            util_ipv4_format(h->h.ip, j.ip);
            snprintf(j.reason, sizeof(j.reason), "shutdown");
            lan_rsp_run_stop(r, &j, true);
            lan_decoy_close(&h->dc);
        }
        lan_rsp_net_close(r, n);
    }
    lan_pool_stop(r->pool);
    lan_rsp_remove_stopped(r, true);
    for (size_t i = 0; i < r->nechoes; i++)
        free(r->echoes[i]);
    docker_close(r->d);
    close(r->wake);
    pthread_cond_destroy(&r->cv);
    pthread_cond_destroy(&r->claim_cv);
    pthread_cond_destroy(&r->live_cv);
    pthread_mutex_destroy(&r->mu);
    free(r->out);
    free(r);
}

static struct net *net_of(struct lan_responder *r, uint32_t ip)
{
    for (size_t i = 0; i < r->nnets; i++)
        if ((ip & 0xffffff00u) == r->nets[i]->s.base)
            return r->nets[i];
    return NULL;
}

int lan_responder_reach(struct lan_responder *r, uint32_t src, uint16_t src_port, uint32_t dst,
                        int timeout_ms, struct lan_reached *out)
{
    struct lan_decide_out *acts = xmalloc(sizeof(*acts));
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += timeout_ms / 1000;
    until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    int rc = -ENOENT;
    pthread_mutex_lock(&r->mu);
    struct net *n = net_of(r, src);
    struct lan_decide_host *h = n ? lan_decide_host_find(&n->s, dst) : NULL;
    /* Only a host of src's own LAN; src is its gateway or a live host. */
    struct lan_decide_host *from = n ? lan_decide_host_find(&n->s, src) : NULL;
    if (!h || (src != n->s.gw_ip && (!from || from->st != LAN_DECIDE_LIVE)))
        goto out;
    char name[64];
    snprintf(name, sizeof(name), "%s", n->s.name);
    /* As its SYN would have, had it reached the LAN: flow, caps, claim. */
    struct lan_pkt p = {.kind = LAN_PKT_TCP,
                        .src_ip = src,
                        .dst_ip = dst,
                        .src_port = src_port,
                        .dst_port = 22,
                        .tcp_flags = TH_SYN};
    acts->n = 0;
    lan_decide_packet(&n->s, &r->shared, &p, util_mono_us(), 0, acts);
    lan_rsp_carry_out(r, n, acts, NULL, 0);
    rc = -ETIMEDOUT;
    while (!r->stopping) {
        /* The net may be gone (and freed) while waiting: found again. */
        n = net_of(r, src);
        h = n && strcmp(n->s.name, name) == 0 ? lan_decide_host_find(&n->s, dst) : NULL;
        if (!h || h->st == LAN_DECIDE_EMPTY) {
            rc = -ENOENT;
            break;
        }
        if (h->st == LAN_DECIDE_LIVE) {
            snprintf(out->honeynet, sizeof(out->honeynet), "%s", n->s.name);
            snprintf(out->hostname, sizeof(out->hostname), "%s", h->h.hostname);
            snprintf(out->container, sizeof(out->container), "%s", h->dc.id);
            out->pid = h->dc.init.pid;
            out->depth = h->depth;
            h->last_us = util_mono_us();
            rc = 0;
            break;
        }
        if (pthread_cond_timedwait(&r->live_cv, &r->mu, &until) == ETIMEDOUT)
            break;
    }
out:
    pthread_mutex_unlock(&r->mu);
    free(acts);
    return rc;
}
