/* lan responder, the claimer and worker threads. The claimer gives pending
 * hosts decoys from the warm pool (lan/pool.c), one at a time, holding the
 * lock only to take and to publish; the slow part of a claim (files,
 * netlink, the wait for the link, iptables) runs without it. The worker
 * does the slow Docker work queued as jobs: a decoy's files extracted and
 * the decoy stopped (idle) or removed, users added to live decoys, and
 * idle-stopped decoys removed after the retention. */
#include "common/log.h"
#include "common/util.h"
#include "common/xalloc.h"
#include "config/config.h"
#include "contain/firewall.h"
#include "docker/docker.h"
#include "event/event.h"
#include "lan/decide.h"
#include "lan/decoy.h"
#include "lan/honeynet.h"
#include "lan/netns.h"
#include "lan/plan.h"
#include "lan/pool.h"
#include "lan/responder_int.h"
#include "lan/trail.h"
#include "monitor/exec.h"
#include "monitor/files.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <pcap/pcap.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- the claimer ---- */

static void started_event(struct lan_responder *r, struct net *n, struct lan_decide_host *h)
{
    char mac[18];
    lan_mac_format(h->h.mac, mac);
    json_t *ev = lan_rsp_net_event(n, EVENT_LAN_DECOY_STARTED);
    json_object_set_new(ev, "ip", lan_rsp_ip_json(h->h.ip));
    json_object_set_new(ev, "mac", json_string(mac));
    json_object_set_new(ev, "hostname", json_string(h->h.hostname));
    json_object_set_new(ev, "role", json_string(h->h.role->name));
    json_object_set_new(ev, "planned", json_boolean(h->planned));
    json_object_set_new(ev, "container", json_string(h->dc.id));
    json_object_set_new(ev, "trigger", json_string(h->trigger));
    json_object_set_new(ev, "src_ip", lan_rsp_ip_json(h->trigger_src));
    json_object_set_new(ev, "depth", json_integer(h->depth));
    json_object_set_new(ev, "latency_ms",
                        json_real((double)(util_mono_us() - h->contact_us) / 1000.0));
    lan_rsp_emit(r, ev);
}

void lan_rsp_pool_ready(void *ud)
{
    struct lan_responder *r = ud;
    pthread_mutex_lock(&r->mu);
    pthread_cond_signal(&r->claim_cv);
    pthread_mutex_unlock(&r->mu);
}

/* A claim in progress on the claimer thread: what it needs of its host,
 * copied under the lock, so that the slow part (file writes, netlink, the
 * wait for the link) runs without it and every LAN is answered meanwhile. */
struct claim {
    char net[64], bridge[IF_NAMESIZE], host_if[IF_NAMESIZE], ip_text[UTIL_IPV4_LEN];
    struct lan_host h;
    uint32_t base, gw_ip; /* the honeynet's /24 and gateway: its plan */
    struct lan_user users[LAN_RSP_MAX_USERS];
    size_t nusers;
    struct lan_decoy dc;
    char err[256];
};

/* The pending host with no claim in progress, if any (lock held). */
static struct lan_decide_host *next_pending(struct lan_responder *r, struct net **np)
{
    for (size_t i = 0; i < r->nnets; i++)
        for (size_t k = 0; k < r->nets[i]->s.nhosts; k++) {
            struct lan_decide_host *h = &r->nets[i]->s.hosts[k];
            if (h->st == LAN_DECIDE_PENDING && !h->claiming) {
                *np = r->nets[i];
                return h;
            }
        }
    return NULL;
}

/* The decoy's trails (trail.h): the derived host key the others'
 * known_hosts name, and files naming the honeynet's other planned hosts,
 * into t (its parts owned by the other arguments). false: none (logged),
 * the decoy still serves with the key it was made with. */
static bool claim_trails(struct lan_responder *r, const struct claim *c, struct lan_decoy_trails *t,
                         struct lan_trail_key *hk, struct lan_trail_key *user,
                         struct lan_trail_set *set, char **hosts)
{
    unsigned char secret[LAN_TRAIL_SECRET_LEN];
    struct lan_plan plan;
    char eb[128], *comment = xasprintf("root@%s", c->h.hostname);
    lan_plan_make(c->net, c->base, r->cfg->honeynet.hosts, c->gw_ip, &plan);
    int rc = lan_trail_secret(r->cfg->store.dir, secret);
    if (rc == 0)
        rc = lan_trail_hostkey(secret, c->net, c->ip_text, comment, hk);
    if (rc == 0 && (rc = lan_trail_userkey(r->cfg->store.dir, c->net, user)) == 0 &&
        (rc = lan_trail_files(&plan, c->net, c->h.ip, secret, user, true, set)) == 0)
        *hosts = lan_trail_hosts(&plan, c->h.ip);
    OPENSSL_cleanse(secret, sizeof(secret));
    free(comment);
    if (rc < 0) {
        LOG_RATELIMITED(LOG_LEVEL_WARN, "lan: no trails in decoy %s: %s", c->ip_text,
                        util_strerror(rc, eb, sizeof(eb)));
        return false;
    }
    *t = (struct lan_decoy_trails){hk->priv, *hosts, set};
    return true;
}

/* The slow part of a claim, without the lock: the decoy's names, users
 * and trails, then its link. The new decoy is watched before anyone can
 * reach it: its first exec is the intruder's. */
static int claim_prepare(struct lan_responder *r, struct claim *c)
{
    struct lan_decoy_trails tr;
    struct lan_trail_key hk = {0}, user = {0};
    struct lan_trail_set set = {0};
    char *hosts = NULL;
    bool trails = claim_trails(r, c, &tr, &hk, &user, &set, &hosts);
    int rc = lan_decoy_setup(&c->dc, c->h.hostname, c->ip_text, c->h.role->ports, c->users,
                             c->nusers, trails ? &tr : NULL, c->err, sizeof(c->err));
    lan_trail_set_free(&set);
    lan_trail_key_free(&hk);
    lan_trail_key_free(&user);
    free(hosts);
    if (rc == 0)
        rc = lan_netns_plug(&c->dc.init, c->bridge, c->h.mac, c->h.ip, 24, c->host_if, c->err,
                            sizeof(c->err));
    if (rc < 0)
        return rc;
    char eb[128];
    struct monitor_exec_target t = {c->dc.id, c->net, c->ip_text, c->h.hostname};
    int wrc = monitor_exec_watch(r->mon, c->dc.init.pid, &t);
    if (wrc < 0)
        LOG_RATELIMITED(LOG_LEVEL_WARN, "lan: executions in decoy %s not watched: %s", c->ip_text,
                        util_strerror(-wrc, eb, sizeof(eb)));
    /* With egress, what it sends is shaped (netlink: fast) before the replay. */
    if (r->cfg->containment.negress &&
        lan_netns_shape_in(c->dc.init.dirfd, r->cfg->containment.egress_rate) < 0)
        LOG_RATELIMITED(LOG_LEVEL_WARN, "lan: egress of decoy %s not shaped", c->ip_text);
    return 0;
}

/* The claim's outcome made visible (lock held): the host live and its held
 * packets replayed, or empty again. A honeynet dropped meanwhile gets
 * nothing: the decoy goes. Returns whether the host went live. */
static bool claim_publish(struct lan_responder *r, struct claim *c, int rc)
{
    struct net *n = NULL;
    struct lan_decide_host *h = NULL;
    for (size_t i = 0; i < r->nnets && !n; i++)
        if (strcmp(r->nets[i]->s.name, c->net) == 0)
            n = r->nets[i];
    h = n ? lan_decide_host_find(&n->s, c->h.ip) : NULL;
    if (!h || !h->claiming) {
        monitor_exec_unwatch(r->mon, c->dc.id);
        if (rc == 0 && lan_netns_unplug(c->host_if) < 0) {
            /* Gone with the bridge already. */
        }
        rc = -ENOENT;
    }
    if (rc < 0) {
        struct job j = {.kind = JOB_REMOVE};
        snprintf(j.container, sizeof(j.container), "%s", c->dc.id);
        lan_rsp_queue_job(r, &j);
        lan_decoy_close(&c->dc);
    }
    /* Whatever the outcome, a hop waiting on it looks again. */
    pthread_cond_broadcast(&r->live_cv);
    if (!h || !h->claiming)
        return false;
    h->claiming = false;
    if (rc < 0) {
        LOG_RATELIMITED(LOG_LEVEL_WARN, "lan: decoy for %s on %s failed: %s", c->ip_text, n->s.name,
                        c->err);
        json_t *ev = lan_rsp_net_event(n, EVENT_LAN_DECOY_STOPPED);
        json_object_set_new(ev, "ip", json_string(c->ip_text));
        json_object_set_new(ev, "reason", json_string("failed"));
        json_object_set_new(ev, "error", json_string(c->err));
        lan_rsp_emit(r, ev);
        h->st = LAN_DECIDE_EMPTY;
        n->s.live--;
        r->shared.live_total--;
        lan_rsp_drop_held(h);
        return false;
    }
    h->dc = c->dc;
    memcpy(h->host_if, c->host_if, sizeof(h->host_if));
    h->st = LAN_DECIDE_LIVE;
    h->last_us = util_mono_us();
    /* The first packets again, now that someone is there to answer them. */
    for (size_t i = 0; i < h->nheld; i++)
        if (pcap_inject(n->pc, h->held[i].data, h->held[i].len) < 0)
            LOG_RATELIMITED(LOG_LEVEL_WARN, "lan: replay on %s: %s", n->bridge, pcap_geterr(n->pc));
    lan_rsp_drop_held(h);
    started_event(r, n, h);
    return true;
}

/* The claimer thread: gives pending hosts decoys from the pool, one at a
 * time, holding the lock only to take and to publish. */
void *lan_rsp_claimer_main(void *arg)
{
    struct lan_responder *r = arg;
    pthread_setname_np(pthread_self(), "kk-lan-claim");
    lan_rsp_raise_priority();
    struct claim *c = xmalloc(sizeof(*c));
    pthread_mutex_lock(&r->mu);
    while (!r->stopping) {
        struct net *n = NULL;
        struct lan_decide_host *h = next_pending(r, &n);
        if (!h || !lan_pool_take(r->pool, &c->dc)) {
            pthread_cond_wait(&r->claim_cv, &r->mu);
            continue;
        }
        h->claiming = true;
        snprintf(c->net, sizeof(c->net), "%s", n->s.name);
        snprintf(c->bridge, sizeof(c->bridge), "%s", n->bridge);
        c->h = h->h;
        c->base = n->s.base;
        c->gw_ip = n->s.gw_ip;
        util_ipv4_format(h->h.ip, c->ip_text);
        memcpy(c->users, n->users, sizeof(c->users));
        c->nusers = n->nusers;
        c->err[0] = '\0';
        pthread_mutex_unlock(&r->mu);
        int rc = claim_prepare(r, c);
        pthread_mutex_lock(&r->mu);
        if (!claim_publish(r, c, rc) || !r->cfg->containment.negress)
            continue;
        /* What leaves is capped in bytes (after the replay and without the
         * lock: iptables may wait for its own lock for seconds). */
        pthread_mutex_unlock(&r->mu);
        if (contain_fw_egress_allow(r->cfg, c->ip_text, c->err, sizeof(c->err)) < 0)
            LOG_RATELIMITED(LOG_LEVEL_WARN, "lan: egress of decoy %s not limited: %s", c->ip_text,
                            c->err);
        pthread_mutex_lock(&r->mu);
    }
    pthread_mutex_unlock(&r->mu);
    free(c);
    return NULL;
}

/* ---- the worker: the slow Docker work ---- */

struct files_ctx {
    struct lan_responder *r;
    const struct job *j;
};

static bool on_file(const struct monitor_file *f, void *ud)
{
    struct files_ctx *x = ud;
    json_t *ev = monitor_file_event(f, x->j->honeynet);
    json_object_set_new(ev, "host_ip", json_string(x->j->ip));
    json_object_set_new(ev, "container", json_string(x->j->container));
    lan_rsp_emit(x->r, ev);
    return true;
}

/* Files extracted, then the decoy stopped (idle: kept until cleanup) or
 * removed (shutdown). */
void lan_rsp_run_stop(struct lan_responder *r, const struct job *j, bool remove)
{
    struct monitor_files_options o = {
        .store_dir = r->cfg->store.dir, .max_file_bytes = 16u << 20, .max_total_bytes = 256u << 20};
    struct files_ctx x = {r, j};
    monitor_exec_unwatch(r->mon, j->container);
    contain_fw_egress_revoke(r->cfg, j->ip);
    if (monitor_extract_changes(r->d, j->container, &o, on_file, &x) < 0)
        LOG_RATELIMITED(LOG_LEVEL_WARN, "lan: files of decoy %s not extracted: %s", j->ip,
                        docker_last_error(r->d));
    int rc = remove ? docker_container_remove(r->d, j->container, true, true)
                    : docker_container_stop(r->d, j->container, 2);
    if (rc < 0)
        LOG_RATELIMITED(LOG_LEVEL_WARN, "lan: decoy %s not stopped: %s", j->ip,
                        docker_last_error(r->d));
    json_t *ev = event_new(EVENT_LAN_DECOY_STOPPED);
    json_object_set_new(ev, "honeynet", json_string(j->honeynet));
    json_object_set_new(ev, "ip", json_string(j->ip));
    json_object_set_new(ev, "container", json_string(j->container));
    json_object_set_new(ev, "reason", json_string(j->reason));
    lan_rsp_emit(r, ev);
}

/* Removes the stopped decoys older than the retention (all with all). */
void lan_rsp_remove_stopped(struct lan_responder *r, bool all)
{
    long long keep_since = util_now_us() - r->cfg->honeynet.retention_s * 1000000LL;
    size_t kept = 0;
    for (size_t i = 0; i < r->nstopped; i++) {
        if (!all && r->stopped[i].at_us > keep_since) {
            r->stopped[kept++] = r->stopped[i];
            continue;
        }
        if (docker_container_remove(r->d, r->stopped[i].id, true, true) < 0)
            LOG_RATELIMITED(LOG_LEVEL_WARN, "lan: stopped decoy not removed: %s",
                            docker_last_error(r->d));
    }
    r->nstopped = kept;
}

void lan_rsp_run_job(struct lan_responder *r, const struct job *j)
{
    char err[256];
    if (j->kind == JOB_STOP) {
        lan_rsp_run_stop(r, j, false);
        /* Full: the oldest goes now rather than never. */
        if (r->nstopped == LAN_RSP_MAX_STOPPED) {
            if (docker_container_remove(r->d, r->stopped[0].id, true, true) < 0)
                LOG_RATELIMITED(LOG_LEVEL_WARN, "lan: stopped decoy not removed: %s",
                                docker_last_error(r->d));
            memmove(r->stopped, r->stopped + 1, (LAN_RSP_MAX_STOPPED - 1) * sizeof(r->stopped[0]));
            r->nstopped--;
        }
        struct stopped *s = &r->stopped[r->nstopped++];
        snprintf(s->id, sizeof(s->id), "%s", j->container);
        s->at_us = util_now_us();
    } else if (j->kind == JOB_REMOVE) {
        if (docker_container_remove(r->d, j->container, true, true) < 0)
            LOG_RATELIMITED(LOG_LEVEL_WARN, "lan: decoy not removed: %s", docker_last_error(r->d));
    } else {
        struct lan_gateway g = {0};
        bool created;
        snprintf(g.container, sizeof(g.container), "%s", j->container);
        if (lan_gateway_user(r->d, &g, j->user, j->password, &created, err, sizeof(err)) < 0)
            LOG_RATELIMITED(LOG_LEVEL_WARN, "lan: user not added to decoy %s: %s", j->ip, err);
    }
}

void *lan_rsp_worker_main(void *arg)
{
    struct lan_responder *r = arg;
    pthread_setname_np(pthread_self(), "kk-lan-worker");
    pthread_mutex_lock(&r->mu);
    while (!r->stopping) {
        if (r->jobs) {
            struct job *j = r->jobs;
            r->jobs = j->next;
            if (!r->jobs)
                r->jobs_tail = &r->jobs;
            pthread_mutex_unlock(&r->mu);
            lan_rsp_run_job(r, j);
            free(j);
            pthread_mutex_lock(&r->mu);
            continue;
        }
        pthread_mutex_unlock(&r->mu);
        lan_rsp_remove_stopped(r, false);
        pthread_mutex_lock(&r->mu);
        if (r->jobs || r->stopping)
            continue;
        /* Stopped decoys are looked at every 10 s. */
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += r->nstopped ? 10 : 60;
        if (pthread_cond_timedwait(&r->cv, &r->mu, &ts) != 0) {
            /* Timed out: look again. */
        }
    }
    pthread_mutex_unlock(&r->mu);
    return NULL;
}
