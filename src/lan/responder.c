/* lan responder: sweeps answered, decoys claimed, flows and captures
 * recorded (see responder.h). One mutex guards all state; the capture thread
 * holds it while it handles a batch of frames, which takes microseconds. A
 * claim's slow part (the decoy's files, netlink, the wait for its link,
 * iptables) runs on the claimer thread without it, so every LAN is answered
 * meanwhile; its held packets are replayed when it is published. */
#include "lan/responder.h"

#include "common/log.h"
#include "common/util.h"
#include "common/xalloc.h"
#include "config/config.h"
#include "contain/firewall.h"
#include "docker/docker.h"
#include "event/event.h"
#include "lan/capture.h"
#include "lan/decoy.h"
#include "lan/flows.h"
#include "lan/honeynet.h"
#include "lan/netns.h"
#include "lan/packet.h"
#include "lan/plan.h"
#include "lan/pool.h"
#include "monitor/exec.h"
#include "monitor/files.h"
#include "store/store.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_NETS 64
#define MAX_HOSTS 64 /* planned (≤ LAN_PLAN_MAX) and adopted */
#define MAX_USERS 16
#define MAX_HELD 8
#define MAX_STOPPED 256 /* idle-stopped decoys kept */
#define ARP_RING 64
#define MAX_ECHOES 512
#define SWEEP_WINDOW_US 5000000LL
#define SWEEP_TARGETS 2 /* other unplanned targets in the window make a sweep */
#define ARP_RETRY_MIN_US 500000LL
#define HOUSEKEEP_US 1000000LL

enum host_state { HOST_EMPTY, HOST_PENDING, HOST_LIVE };

struct held {
    uint8_t *data;
    size_t len;
};

struct host {
    struct lan_host h;
    bool planned;
    enum host_state st;
    unsigned depth;
    struct lan_decoy dc;
    char host_if[IF_NAMESIZE];
    long long contact_us, last_us;
    uint32_t trigger_src;
    char trigger[160];
    struct held held[MAX_HELD];
    size_t nheld;
    bool cap_reported;
    bool claiming; /* pending, its decoy being set up by the claimer */
};

struct net {
    char name[64], bridge[IF_NAMESIZE], gw_name[64];
    uint32_t base, gw_ip;
    pcap_t *pc;
    int fd;
    struct lan_capture cap;
    unsigned drops_reported; /* pcap_stats' count of frames the kernel dropped */
    struct host hosts[MAX_HOSTS];
    size_t nhosts;
    struct lan_user users[MAX_USERS];
    size_t nusers;
    struct lan_flows flows;
    struct {
        uint32_t src, target;
        long long t;
    } arp[ARP_RING];
    size_t arp_next;
    unsigned live;    /* live and pending decoys */
    long long hot_us; /* last sweep or first contact seen (0: none yet) */
};

struct echo {
    long long due;
    struct net *n;
    size_t len;
    uint8_t frame[LAN_PKT_MAX_ECHO];
};

enum job_kind { JOB_STOP, JOB_USER, JOB_REMOVE };

struct job {
    enum job_kind kind;
    char container[72];
    char honeynet[64];
    char ip[UTIL_IPV4_LEN];
    char reason[32];
    char user[33], password[128];
    struct job *next;
};

struct lan_responder {
    const struct config *cfg;
    struct event_pipeline *p;
    struct monitor_exec *mon; /* borrowed; NULL: no proc.exec */
    pthread_mutex_t mu;
    pthread_cond_t cv;       /* the worker's: jobs */
    pthread_cond_t claim_cv; /* the claimer's: pending hosts or pool decoys */
    struct net *nets[MAX_NETS];
    size_t nnets;
    unsigned live_total;
    struct lan_pool *pool;
    struct job *jobs, **jobs_tail;
    struct echo *echoes[MAX_ECHOES];
    size_t nechoes;
    int wake; /* eventfd: the capture thread's */
    bool stopping;
    unsigned seed;
    long long next_housekeep;
    pthread_t capture, worker, claimer;
    struct docker *d; /* the worker's */
    /* Idle-stopped decoys, kept for [honeynet] retention, then removed; the
     * worker's own (no lock). */
    struct stopped {
        char id[72];
        long long at_us;
    } stopped[MAX_STOPPED];
    size_t nstopped;
};

static void emit(struct lan_responder *r, json_t *ev)
{
    if (event_emit(r->p, ev) < 0)
        LOG_RATELIMITED(LOG_LEVEL_WARN, "lan: an event was lost");
}

static void wake(struct lan_responder *r)
{
    uint64_t one = 1;
    if (write(r->wake, &one, sizeof(one)) < 0) {
        /* The counter is saturated: the thread is awake anyway. */
    }
}

static unsigned rnd(struct lan_responder *r)
{
    r->seed = r->seed * 1103515245u + 12345u;
    return r->seed >> 8;
}

static json_t *ip_json(uint32_t ip)
{
    char a[UTIL_IPV4_LEN];
    util_ipv4_format(ip, a);
    return json_string(a);
}

static json_t *net_event(struct net *n, enum event_type t)
{
    json_t *ev = event_new(t);
    json_object_set_new(ev, "honeynet", json_string(n->name));
    return ev;
}

static void queue_job(struct lan_responder *r, const struct job *j)
{
    struct job *c = xmalloc(sizeof(*c));
    *c = *j;
    c->next = NULL;
    *r->jobs_tail = c;
    r->jobs_tail = &c->next;
    pthread_cond_signal(&r->cv);
}

/* ---- hosts ---- */

static struct host *host_find(struct net *n, uint32_t ip)
{
    for (size_t i = 0; i < n->nhosts; i++)
        if (n->hosts[i].h.ip == ip)
            return &n->hosts[i];
    return NULL;
}

static const char *host_name(struct net *n, uint32_t ip)
{
    struct host *h = host_find(n, ip);
    if (ip == n->gw_ip)
        return n->gw_name;
    if (ip == n->base + 1)
        return "bridge";
    return h ? h->h.hostname : NULL;
}

static unsigned depth_of(struct net *n, uint32_t ip)
{
    struct host *h = host_find(n, ip);
    return h && h->st != HOST_EMPTY ? h->depth : 0;
}

/* Which cap a new decoy at h for a contact from src would break, or NULL. */
static const char *cap_for(struct lan_responder *r, struct net *n, uint32_t src)
{
    const struct config *c = r->cfg;
    if (depth_of(n, src) + 1 > c->honeynet.chain_depth)
        return "chain_depth";
    if (n->live >= c->honeynet.decoys_max)
        return "decoys_max";
    if (r->live_total >= c->honeynet.decoys_total)
        return "decoys_total";
    return NULL;
}

static void cap_event(struct lan_responder *r, struct net *n, struct host *h, const char *cap,
                      uint32_t src)
{
    if (h->cap_reported)
        return;
    h->cap_reported = true;
    const struct config *c = r->cfg;
    json_t *ev = net_event(n, EVENT_CONTAIN_CAP_HIT);
    json_object_set_new(ev, "cap", json_string(cap));
    json_object_set_new(ev, "value",
                        json_integer(strcmp(cap, "chain_depth") == 0  ? c->honeynet.chain_depth
                                     : strcmp(cap, "decoys_max") == 0 ? c->honeynet.decoys_max
                                                                      : c->honeynet.decoys_total));
    json_object_set_new(ev, "dst_ip", ip_json(h->h.ip));
    json_object_set_new(ev, "src_ip", ip_json(src));
    emit(r, ev);
}

static void drop_held(struct host *h)
{
    for (size_t i = 0; i < h->nheld; i++)
        free(h->held[i].data);
    h->nheld = 0;
}

static void started_event(struct lan_responder *r, struct net *n, struct host *h)
{
    char mac[18];
    lan_mac_format(h->h.mac, mac);
    json_t *ev = net_event(n, EVENT_LAN_DECOY_STARTED);
    json_object_set_new(ev, "ip", ip_json(h->h.ip));
    json_object_set_new(ev, "mac", json_string(mac));
    json_object_set_new(ev, "hostname", json_string(h->h.hostname));
    json_object_set_new(ev, "role", json_string(h->h.role->name));
    json_object_set_new(ev, "planned", json_boolean(h->planned));
    json_object_set_new(ev, "container", json_string(h->dc.id));
    json_object_set_new(ev, "trigger", json_string(h->trigger));
    json_object_set_new(ev, "src_ip", ip_json(h->trigger_src));
    json_object_set_new(ev, "depth", json_integer(h->depth));
    json_object_set_new(ev, "latency_ms",
                        json_real((double)(util_mono_us() - h->contact_us) / 1000.0));
    emit(r, ev);
}

/* How many decoys the pool should hold (lock held): the configured base,
 * or, if more, one for each host waiting for a decoy and, on a honeynet
 * swept or contacted within [honeynet] pool_quiet, one for each planned
 * host it may still claim within its caps. A sweep is seen seconds before
 * the connects that follow it, so the pool grows ahead of them; once the
 * honeynet is quiet the surplus is removed, so a quiet honeynet costs its
 * gateway and the base pool only. */
static void pool_demand(struct lan_responder *r)
{
    const struct config *c = r->cfg;
    long long now = util_mono_us();
    unsigned need = 0, grow = 0;
    for (size_t i = 0; i < r->nnets; i++) {
        struct net *n = r->nets[i];
        unsigned empty = 0;
        for (size_t k = 0; k < n->nhosts; k++) {
            const struct host *h = &n->hosts[k];
            need += h->st == HOST_PENDING && !h->claiming;
            empty += h->planned && h->st == HOST_EMPTY;
        }
        if (!n->hot_us || now - n->hot_us >= c->honeynet.pool_quiet_s * 1000000LL)
            continue;
        unsigned room = c->honeynet.decoys_max > n->live ? c->honeynet.decoys_max - n->live : 0;
        grow += empty < room ? empty : room;
    }
    unsigned room =
        c->honeynet.decoys_total > r->live_total ? c->honeynet.decoys_total - r->live_total : 0;
    need += grow < room ? grow : room;
    lan_pool_want(r->pool, need > c->honeynet.pool ? need : c->honeynet.pool, r->nnets > 0);
}

/* n was swept or contacted: its plan may be claimed soon (lock held). */
static void net_hot(struct lan_responder *r, struct net *n)
{
    long long now = util_mono_us(), was = n->hot_us;
    n->hot_us = now;
    /* Once per burst; housekeeping follows the rest. */
    if (!was || now - was >= 100000)
        pool_demand(r);
}

static void pool_ready(void *ud)
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
    struct lan_user users[MAX_USERS];
    size_t nusers;
    struct lan_decoy dc;
    char err[256];
};

/* The pending host with no claim in progress, if any (lock held). */
static struct host *next_pending(struct lan_responder *r, struct net **np)
{
    for (size_t i = 0; i < r->nnets; i++)
        for (size_t k = 0; k < r->nets[i]->nhosts; k++) {
            struct host *h = &r->nets[i]->hosts[k];
            if (h->st == HOST_PENDING && !h->claiming) {
                *np = r->nets[i];
                return h;
            }
        }
    return NULL;
}

/* The slow part of a claim, without the lock: the decoy's names and users,
 * then its link. The new decoy is watched before anyone can reach it: its
 * first exec is the intruder's. */
static int claim_prepare(struct lan_responder *r, struct claim *c)
{
    int rc = lan_decoy_setup(&c->dc, c->h.hostname, c->ip_text, c->h.role->ports, c->users,
                             c->nusers, c->err, sizeof(c->err));
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
    struct host *h = NULL;
    for (size_t i = 0; i < r->nnets && !n; i++)
        if (strcmp(r->nets[i]->name, c->net) == 0)
            n = r->nets[i];
    h = n ? host_find(n, c->h.ip) : NULL;
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
        queue_job(r, &j);
        lan_decoy_close(&c->dc);
    }
    if (!h || !h->claiming)
        return false;
    h->claiming = false;
    if (rc < 0) {
        LOG_RATELIMITED(LOG_LEVEL_WARN, "lan: decoy for %s on %s failed: %s", c->ip_text, n->name,
                        c->err);
        json_t *ev = net_event(n, EVENT_LAN_DECOY_STOPPED);
        json_object_set_new(ev, "ip", json_string(c->ip_text));
        json_object_set_new(ev, "reason", json_string("failed"));
        json_object_set_new(ev, "error", json_string(c->err));
        emit(r, ev);
        h->st = HOST_EMPTY;
        n->live--;
        r->live_total--;
        drop_held(h);
        return false;
    }
    h->dc = c->dc;
    memcpy(h->host_if, c->host_if, sizeof(h->host_if));
    h->st = HOST_LIVE;
    h->last_us = util_mono_us();
    /* The first packets again, now that someone is there to answer them. */
    for (size_t i = 0; i < h->nheld; i++)
        if (pcap_inject(n->pc, h->held[i].data, h->held[i].len) < 0)
            LOG_RATELIMITED(LOG_LEVEL_WARN, "lan: replay on %s: %s", n->bridge, pcap_geterr(n->pc));
    drop_held(h);
    started_event(r, n, h);
    return true;
}

/* The claimer thread: gives pending hosts decoys from the pool, one at a
 * time, holding the lock only to take and to publish. */
/* The calling thread ahead of the rest of the host (root may raise it):
 * answers and claims are what the intruder times, and they compete with the
 * pool's makers, the engine and the containers for CPU. */
static void raise_priority(void)
{
    if (setpriority(PRIO_PROCESS, (id_t)gettid(), -10) < 0) {
        /* Not root, or not allowed: the default priority then. */
    }
}

static void *claimer_main(void *arg)
{
    struct lan_responder *r = arg;
    pthread_setname_np(pthread_self(), "kk-lan-claim");
    raise_priority();
    struct claim *c = xmalloc(sizeof(*c));
    pthread_mutex_lock(&r->mu);
    while (!r->stopping) {
        struct net *n = NULL;
        struct host *h = next_pending(r, &n);
        if (!h || !lan_pool_take(r->pool, &c->dc)) {
            pthread_cond_wait(&r->claim_cv, &r->mu);
            continue;
        }
        h->claiming = true;
        snprintf(c->net, sizeof(c->net), "%s", n->name);
        snprintf(c->bridge, sizeof(c->bridge), "%s", n->bridge);
        c->h = h->h;
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

static void describe(const struct lan_pkt *p, char *out, size_t len)
{
    char s[UTIL_IPV4_LEN], d[UTIL_IPV4_LEN];
    util_ipv4_format(p->src_ip, s);
    util_ipv4_format(p->dst_ip, d);
    if (p->kind == LAN_PKT_TCP)
        snprintf(out, len, "tcp syn %s:%u > %s:%u", s, p->src_port, d, p->dst_port);
    else if (p->kind == LAN_PKT_UDP)
        snprintf(out, len, "udp %s:%u > %s:%u", s, p->src_port, d, p->dst_port);
    else
        snprintf(out, len, "icmp echo %s > %s", s, d);
}

/* A first contact with host h, not live yet. */
static void claim(struct lan_responder *r, struct net *n, struct host *h, const struct lan_pkt *p,
                  const uint8_t *frame, size_t len)
{
    if (h->st == HOST_EMPTY) {
        const char *cap = cap_for(r, n, p->src_ip);
        if (cap) {
            cap_event(r, n, h, cap, p->src_ip);
            return;
        }
        h->st = HOST_PENDING;
        h->depth = depth_of(n, p->src_ip) + 1;
        h->contact_us = util_mono_us();
        h->trigger_src = p->src_ip;
        describe(p, h->trigger, sizeof(h->trigger));
        n->live++;
        r->live_total++;
        n->hot_us = util_mono_us();
        pool_demand(r);
    }
    if (h->nheld < MAX_HELD) {
        h->held[h->nheld].data = xmalloc(len);
        memcpy(h->held[h->nheld].data, frame, len);
        /* Captured before the sender's offload finished its checksum; the
         * replay would be dropped without this. ICMP is sent as captured. */
        if (lan_pkt_fix_checksum(h->held[h->nheld].data, len) < 0 && p->kind != LAN_PKT_ICMP)
            LOG_RATELIMITED(LOG_LEVEL_DEBUG, "lan: held frame to %s not checksummed", n->name);
        h->held[h->nheld++].len = len;
    }
    pthread_cond_signal(&r->claim_cv);
}

/* ---- ARP ---- */

static void arp_reply(struct lan_responder *r, struct net *n, struct host *h,
                      const struct lan_pkt *p)
{
    uint8_t out[LAN_PKT_ARP_LEN];
    lan_pkt_arp_reply(p, h->h.mac, out);
    if (pcap_inject(n->pc, out, sizeof(out)) < 0) {
        LOG_RATELIMITED(LOG_LEVEL_WARN, "lan: ARP reply on %s: %s", n->bridge, pcap_geterr(n->pc));
        return;
    }
    json_t *ev = net_event(n, EVENT_LAN_ARP);
    json_object_set_new(ev, "src_ip", ip_json(p->src_ip));
    json_object_set_new(ev, "target", ip_json(p->dst_ip));
    json_object_set_new(ev, "answered", json_true());
    emit(r, ev);
}

/* For an unplanned target: true when this request repeats one of a second
 * or so ago (the kernel's retry for a connection) and its source is not
 * asking for many other unplanned addresses (a sweep). */
static bool looks_like_connection(struct net *n, const struct lan_pkt *p, long long now)
{
    bool retry = false;
    unsigned others = 0;
    uint32_t seen[SWEEP_TARGETS + 1];
    for (size_t i = 0; i < ARP_RING; i++) {
        if (n->arp[i].src != p->src_ip || now - n->arp[i].t > SWEEP_WINDOW_US || !n->arp[i].t)
            continue;
        if (n->arp[i].target == p->dst_ip) {
            retry |= now - n->arp[i].t >= ARP_RETRY_MIN_US;
            continue;
        }
        bool dup = false;
        for (unsigned k = 0; k < others; k++)
            dup |= seen[k] == n->arp[i].target;
        if (!dup && others <= SWEEP_TARGETS)
            seen[others++] = n->arp[i].target;
    }
    n->arp[n->arp_next].src = p->src_ip;
    n->arp[n->arp_next].target = p->dst_ip;
    n->arp[n->arp_next].t = now;
    n->arp_next = (n->arp_next + 1) % ARP_RING;
    return retry && others < SWEEP_TARGETS;
}

static void on_arp(struct lan_responder *r, struct net *n, const struct lan_pkt *p)
{
    uint32_t t = p->dst_ip;
    if ((t & 0xffffff00u) != n->base || t == n->gw_ip || t == n->base + 1 || (t & 0xff) == 0xff ||
        (t & 0xff) == 0 || t == p->src_ip)
        return;
    struct host *h = host_find(n, t);
    if (h && h->st == HOST_LIVE)
        return; /* its own kernel answers */
    if (!h) {
        if (!looks_like_connection(n, p, util_mono_us()) || n->nhosts == MAX_HOSTS)
            return;
        const char *cap = cap_for(r, n, p->src_ip);
        if (cap) {
            struct host tmp = {.h = {.ip = t}};
            cap_event(r, n, &tmp, cap, p->src_ip);
            return;
        }
        h = &n->hosts[n->nhosts++];
        memset(h, 0, sizeof(*h));
        lan_plan_adopt(n->name, t, &h->h);
    }
    if (h->st == HOST_EMPTY) {
        const char *cap = cap_for(r, n, p->src_ip);
        if (cap) {
            cap_event(r, n, h, cap, p->src_ip);
            return;
        }
    }
    arp_reply(r, n, h, p);
    if (h->planned)
        net_hot(r, n);
}

/* ---- ICMP to the broadcast address ---- */

static void on_broadcast_echo(struct lan_responder *r, struct net *n, const struct lan_pkt *p)
{
    long long now = util_mono_us();
    unsigned answered = 0;
    for (size_t i = 0; i < n->nhosts && r->nechoes < MAX_ECHOES; i++) {
        struct host *h = &n->hosts[i];
        if (!h->planned || (h->st == HOST_EMPTY && cap_for(r, n, p->src_ip)))
            continue;
        struct echo *e = xmalloc(sizeof(*e));
        e->len = lan_pkt_echo_reply(p, h->h.mac, h->h.ip, (uint16_t)rnd(r), e->frame);
        if (!e->len) {
            free(e);
            return;
        }
        /* Hosts answer in their own time: 0.2 to 2 ms. */
        e->due = now + 200 + rnd(r) % 1800;
        e->n = n;
        r->echoes[r->nechoes++] = e;
        answered++;
    }
    json_t *ev = net_event(n, EVENT_LAN_ICMP);
    json_object_set_new(ev, "src_ip", ip_json(p->src_ip));
    json_object_set_new(ev, "target", ip_json(p->dst_ip));
    json_object_set_new(ev, "answered", json_integer(answered));
    emit(r, ev);
    if (answered)
        net_hot(r, n);
}

static long long send_echoes(struct lan_responder *r)
{
    long long now = util_mono_us(), next = LLONG_MAX;
    for (size_t i = 0; i < r->nechoes;) {
        struct echo *e = r->echoes[i];
        if (e->due > now) {
            if (e->due < next)
                next = e->due;
            i++;
            continue;
        }
        if (pcap_inject(e->n->pc, e->frame, e->len) < 0)
            LOG_RATELIMITED(LOG_LEVEL_WARN, "lan: echo reply on %s: %s", e->n->bridge,
                            pcap_geterr(e->n->pc));
        free(e);
        r->echoes[i] = r->echoes[--r->nechoes];
    }
    return next;
}

/* ---- flows ---- */

static void on_flow(struct lan_responder *r, struct net *n, const struct lan_pkt *p)
{
    struct lan_flow_key f = {.src = p->src_ip, .dst = p->dst_ip};
    f.proto = p->kind == LAN_PKT_TCP ? 6 : p->kind == LAN_PKT_UDP ? 17 : 1;
    f.port = f.proto == 1 ? 0 : p->dst_port;
    if (lan_flows_see(&n->flows, &f, util_mono_us()) != LAN_FLOW_NEW)
        return; /* seen, or counted (lan.flows_dropped) */
    json_t *ev = net_event(n, EVENT_LAN_FLOW);
    json_object_set_new(ev, "src_ip", ip_json(f.src));
    json_object_set_new(ev, "dst_ip", ip_json(f.dst));
    if (f.port)
        json_object_set_new(ev, "dst_port", json_integer(f.port));
    json_object_set_new(ev, "src_port", json_integer(f.proto == 1 ? 0 : p->src_port));
    json_object_set_new(ev, "proto",
                        json_string(f.proto == 6    ? "tcp"
                                    : f.proto == 17 ? "udp"
                                                    : "icmp"));
    const char *sh = host_name(n, f.src), *dh = host_name(n, f.dst);
    if (sh)
        json_object_set_new(ev, "src_host", json_string(sh));
    if (dh)
        json_object_set_new(ev, "dst_host", json_string(dh));
    emit(r, ev);
}

struct dropped_ctx {
    struct lan_responder *r;
    struct net *n;
};

static void flows_dropped(uint32_t src, uint32_t dst, unsigned long long count, void *ud)
{
    struct dropped_ctx *x = ud;
    json_t *ev = net_event(x->n, EVENT_LAN_FLOWS_DROPPED);
    if (src) {
        const char *sh = host_name(x->n, src), *dh = host_name(x->n, dst);
        json_object_set_new(ev, "src_ip", ip_json(src));
        json_object_set_new(ev, "dst_ip", ip_json(dst));
        if (sh)
            json_object_set_new(ev, "src_host", json_string(sh));
        if (dh)
            json_object_set_new(ev, "dst_host", json_string(dh));
    }
    json_object_set_new(ev, "count", json_integer((json_int_t)count));
    emit(x->r, ev);
}

/* ---- frames ---- */

struct frame_ctx {
    struct lan_responder *r;
    struct net *n;
};

static void on_frame(u_char *user, const struct pcap_pkthdr *hdr, const u_char *bytes)
{
    struct frame_ctx *x = (struct frame_ctx *)(void *)user;
    struct lan_responder *r = x->r;
    struct net *n = x->n;
    struct lan_pkt p;

    lan_capture_frame(&n->cap, hdr, bytes);
    if (lan_pkt_parse(bytes, hdr->caplen, &p) < 0)
        return;
    if (p.kind == LAN_PKT_ARP_REQUEST) {
        on_arp(r, n, &p);
        return;
    }
    if (p.kind != LAN_PKT_TCP && p.kind != LAN_PKT_UDP && p.kind != LAN_PKT_ICMP)
        return;
    struct host *src = host_find(n, p.src_ip), *dst = host_find(n, p.dst_ip);
    long long now = util_mono_us();
    if (src && src->st == HOST_LIVE)
        src->last_us = now;
    if (dst && dst->st == HOST_LIVE)
        dst->last_us = now;
    if (!lan_pkt_is_contact(&p) || (p.src_ip & 0xffffff00u) != n->base)
        return;
    bool bcast = p.dst_ip == (n->base | 0xff) || p.dst_ip == 0xffffffffu;
    if (bcast) {
        if (p.kind == LAN_PKT_ICMP)
            on_broadcast_echo(r, n, &p);
        return;
    }
    if ((p.dst_ip & 0xffffff00u) != n->base)
        return;
    on_flow(r, n, &p);
    if (dst && dst->st != HOST_LIVE)
        claim(r, n, dst, &p, bytes, hdr->caplen);
}

/* ---- captures ---- */

/* Stores the current capture (when it holds anything) and starts a new one
 * unless final. One that cannot be stored stays on disk: the next rotation
 * (or the next start's recovery) stores it. */
static void capture_rotate(struct lan_responder *r, struct net *n, bool final)
{
    bool kept;
    json_t *ev = lan_capture_rotate(&n->cap, r->cfg->store.dir, final, &kept);
    if (kept)
        LOG_RATELIMITED(LOG_LEVEL_WARN, "lan: capture of %s not stored yet; kept in %s", n->name,
                        n->cap.path);
    if (!ev)
        return;
    json_object_set_new(ev, "honeynet", json_string(n->name));
    json_object_set_new(ev, "bridge", json_string(n->bridge));
    emit(r, ev);
}

/* A capture.dropped event for the frames the kernel dropped on n's bridge
 * (its capture buffer full) since the last. */
static void capture_drops(struct lan_responder *r, struct net *n)
{
    struct pcap_stat st;
    if (pcap_stats(n->pc, &st) < 0 || st.ps_drop <= n->drops_reported)
        return;
    json_t *ev = net_event(n, EVENT_CAPTURE_DROPPED);
    json_object_set_new(ev, "bridge", json_string(n->bridge));
    json_object_set_new(ev, "count", json_integer((json_int_t)(st.ps_drop - n->drops_reported)));
    json_object_set_new(ev, "total", json_integer((json_int_t)st.ps_drop));
    n->drops_reported = st.ps_drop;
    emit(r, ev);
}

/* What n's capture and flow table could not record since the last call. */
static void report_drops(struct lan_responder *r, struct net *n)
{
    struct dropped_ctx x = {r, n};
    capture_drops(r, n);
    (void)lan_flows_take_dropped(&n->flows, flows_dropped, &x);
}

/* ---- housekeeping ---- */

static void stop_job(struct lan_responder *r, struct net *n, struct host *h, const char *reason)
{
    struct job j = {.kind = JOB_STOP};
    snprintf(j.container, sizeof(j.container), "%s", h->dc.id);
    snprintf(j.honeynet, sizeof(j.honeynet), "%s", n->name);
    util_ipv4_format(h->h.ip, j.ip);
    snprintf(j.reason, sizeof(j.reason), "%s", reason);
    queue_job(r, &j);
    lan_decoy_close(&h->dc);
}

static void housekeep(struct lan_responder *r)
{
    long long now = util_mono_us(), wall = util_now_us();
    pthread_cond_signal(&r->claim_cv); /* claims that waited for the pool */
    for (size_t i = 0; i < r->nnets; i++) {
        struct net *n = r->nets[i];
        for (size_t k = 0; k < n->nhosts; k++) {
            struct host *h = &n->hosts[k];
            if (h->st != HOST_LIVE || now - h->last_us < r->cfg->honeynet.decoy_idle_s * 1000000LL)
                continue;
            if (lan_netns_unplug(h->host_if) < 0) {
                /* Gone with its container already. */
            }
            stop_job(r, n, h, "idle");
            h->st = HOST_EMPTY;
            h->cap_reported = false;
            n->live--;
            r->live_total--;
        }
        report_drops(r, n);
        pcap_dumper_t *dump = n->cap.dump;
        if (dump &&
            (wall - n->cap.start_us >= r->cfg->honeynet.pcap_rotate_s * 1000000LL ||
             (long long)pcap_dump_ftell(dump) >= (long long)r->cfg->honeynet.pcap_rotate_mb << 20))
            capture_rotate(r, n, false);
        else if (dump && pcap_dump_flush(dump) < 0) /* on disk, should the daemon die */
            LOG_RATELIMITED(LOG_LEVEL_WARN, "lan: capture of %s: write failed", n->name);
    }
    pool_demand(r);
}

/* ---- threads ---- */

/* A honeynet whose bridge is gone (removed at the end of its lifetime): its
 * decoys are stopped, its capture stored, and it is forgotten, so that its
 * source, should it come back, has its new LAN answered. Lock held. */
static void net_drop(struct lan_responder *r, size_t idx)
{
    struct net *n = r->nets[idx];
    for (size_t k = 0; k < n->nhosts; k++) {
        struct host *h = &n->hosts[k];
        if (h->st == HOST_PENDING)
            drop_held(h);
        if (h->st != HOST_LIVE)
            continue;
        if (lan_netns_unplug(h->host_if) < 0) {
            /* Gone with the bridge already. */
        }
        stop_job(r, n, h, "honeynet removed");
    }
    r->live_total -= n->live;
    for (size_t i = 0; i < r->nechoes;) {
        if (r->echoes[i]->n == n) {
            free(r->echoes[i]);
            r->echoes[i] = r->echoes[--r->nechoes];
        } else {
            i++;
        }
    }
    report_drops(r, n);
    capture_rotate(r, n, true);
    pcap_close(n->pc);
    free(n);
    r->nets[idx] = r->nets[--r->nnets];
}

static void *capture_main(void *arg)
{
    struct lan_responder *r = arg;
    pthread_setname_np(pthread_self(), "kk-lan-capture");
    raise_priority();
    struct pollfd fds[MAX_NETS + 1];
    struct net *which[MAX_NETS + 1];

    pthread_mutex_lock(&r->mu);
    while (!r->stopping) {
        size_t nfds = 0;
        fds[nfds++] = (struct pollfd){.fd = r->wake, .events = POLLIN};
        for (size_t i = 0; i < r->nnets; i++) {
            which[nfds] = r->nets[i];
            fds[nfds++] = (struct pollfd){.fd = r->nets[i]->fd, .events = POLLIN};
        }
        long long next = send_echoes(r), now = util_mono_us();
        if (next > r->next_housekeep)
            next = r->next_housekeep;
        int timeout = next <= now ? 0 : (int)((next - now + 999) / 1000);
        pthread_mutex_unlock(&r->mu);
        int ready = poll(fds, nfds, timeout);
        pthread_mutex_lock(&r->mu);
        if (ready > 0 && (fds[0].revents & POLLIN)) {
            uint64_t v;
            if (read(r->wake, &v, sizeof(v)) < 0) {
                /* Nothing to read: another wake-up was merged into this one. */
            }
        }
        for (size_t i = 1; ready > 0 && i < nfds; i++) {
            if (!(fds[i].revents & (POLLIN | POLLERR)))
                continue;
            struct frame_ctx x = {r, which[i]};
            if (pcap_dispatch(which[i]->pc, 256, on_frame, (u_char *)&x) < 0) {
                /* The bridge is gone (its honeynet was removed): stop
                 * watching it rather than spin on the error. */
                LOG_WARN("lan: capture on %s ended: %s", which[i]->bridge,
                         pcap_geterr(which[i]->pc));
                which[i]->fd = -1;
            }
        }
        for (size_t i = 0; i < r->nnets;) {
            if (r->nets[i]->fd < 0)
                net_drop(r, i);
            else
                i++;
        }
        if (util_mono_us() >= r->next_housekeep) {
            housekeep(r);
            r->next_housekeep = util_mono_us() + HOUSEKEEP_US;
        }
    }
    pthread_mutex_unlock(&r->mu);
    return NULL;
}

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
    emit(x->r, ev);
    return true;
}

/* Files extracted, then the decoy stopped (idle: kept until cleanup) or
 * removed (shutdown). */
static void run_stop(struct lan_responder *r, const struct job *j, bool remove)
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
    emit(r, ev);
}

/* Removes the stopped decoys older than the retention (all with all). */
static void remove_stopped(struct lan_responder *r, bool all)
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

static void run_job(struct lan_responder *r, const struct job *j)
{
    char err[256];
    if (j->kind == JOB_STOP) {
        run_stop(r, j, false);
        /* Full: the oldest goes now rather than never. */
        if (r->nstopped == MAX_STOPPED) {
            if (docker_container_remove(r->d, r->stopped[0].id, true, true) < 0)
                LOG_RATELIMITED(LOG_LEVEL_WARN, "lan: stopped decoy not removed: %s",
                                docker_last_error(r->d));
            memmove(r->stopped, r->stopped + 1, (MAX_STOPPED - 1) * sizeof(r->stopped[0]));
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

static void *worker_main(void *arg)
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
            run_job(r, j);
            free(j);
            pthread_mutex_lock(&r->mu);
            continue;
        }
        pthread_mutex_unlock(&r->mu);
        remove_stopped(r, false);
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

/* Captures a killed daemon left open are stored now (what reached the disk),
 * rather than overwritten by the next capture of their honeynet. */
static void recover_captures(struct lan_responder *r)
{
    DIR *dir = opendir(r->cfg->store.dir);
    struct dirent *de;
    while (dir && (de = readdir(dir))) {
        size_t len = strlen(de->d_name);
        if (strncmp(de->d_name, ".capture-", 9) != 0 || len < 15 ||
            strcmp(de->d_name + len - 5, ".pcap") != 0)
            continue;
        char *path = xasprintf("%s/%s", r->cfg->store.dir, de->d_name), sha[65];
        unsigned long long size = 0;
        struct stat st;
        /* More than the file header: something was captured. */
        bool content = stat(path, &st) == 0 && st.st_size > 24;
        int rc = content ? store_artifact_put_file(r->cfg->store.dir, path, sha, &size) : 0;
        if (content && rc == 0) {
            json_t *ev = event_new(EVENT_CAPTURE_PCAP);
            json_object_set_new(ev, "honeynet", json_stringn(de->d_name + 9, len - 14));
            json_object_set_new(ev, "artifact", json_string(sha));
            json_object_set_new(ev, "size", json_integer((json_int_t)size));
            json_object_set_new(ev, "recovered", json_true());
            emit(r, ev);
        }
        /* Not stored (a full disk): kept, continued by its honeynet's next
         * capture and stored with it. */
        if (rc < 0)
            LOG_WARN("lan: %s not stored; kept", path);
        else
            unlink(path);
        free(path);
    }
    if (dir)
        closedir(dir);
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
    r->seed = (unsigned)util_now_us();
    r->wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    recover_captures(r);
    pthread_mutex_init(&r->mu, NULL);
    pthread_cond_init(&r->cv, NULL);
    pthread_cond_init(&r->claim_cv, NULL);
    if (r->wake < 0 || docker_open(cfg->docker.host, &r->d, err, errlen) < 0 ||
        lan_pool_start(cfg, pool_ready, r, &r->pool, err, errlen) < 0) {
        if (r->wake < 0)
            snprintf(err, errlen, "eventfd failed");
        goto fail;
    }
    if (pthread_create(&r->capture, NULL, capture_main, r) != 0) {
        snprintf(err, errlen, "cannot start the capture thread");
        goto fail;
    }
    bool worker = pthread_create(&r->worker, NULL, worker_main, r) == 0;
    if (!worker || pthread_create(&r->claimer, NULL, claimer_main, r) != 0) {
        pthread_mutex_lock(&r->mu);
        r->stopping = true;
        pthread_cond_broadcast(&r->cv);
        pthread_mutex_unlock(&r->mu);
        wake(r);
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
    pthread_mutex_destroy(&r->mu);
    free(r);
    return -EIO;
}

/* The bridge of a Docker network: its own name option, or br-<id12>. */
static int bridge_of(struct docker *d, const char *network, char out[IF_NAMESIZE], uint32_t *base)
{
    json_t *info = NULL;
    if (docker_network_inspect(d, network, &info) < 0)
        return -EIO;
    const char *opt = json_string_value(
        json_object_get(json_object_get(info, "Options"), "com.docker.network.bridge.name"));
    const char *id = json_string_value(json_object_get(info, "Id"));
    json_t *cfgs = json_object_get(json_object_get(info, "IPAM"), "Config");
    const char *sub = json_string_value(json_object_get(json_array_get(cfgs, 0), "Subnet"));
    int rc = 0;
    if (opt && *opt)
        snprintf(out, IF_NAMESIZE, "%s", opt);
    else if (id && strlen(id) >= 12)
        snprintf(out, IF_NAMESIZE, "br-%.12s", id);
    else
        rc = -EPROTO;
    if (rc == 0 && (!sub || util_ipv4_parse(sub, base) < 0))
        rc = -EPROTO;
    *base &= 0xffffff00u;
    json_decref(info);
    return rc;
}

static struct net *net_open(struct lan_responder *r, struct docker *d, const struct lan_gateway *gw,
                            char *err, size_t errlen)
{
    char pe[PCAP_ERRBUF_SIZE] = "";
    struct lan_plan plan;
    struct net *n = xcalloc(1, sizeof(*n));
    snprintf(n->name, sizeof(n->name), "%s", gw->honeynet);
    snprintf(n->gw_name, sizeof(n->gw_name), "%s", gw->hostname);
    if (util_ipv4_parse(gw->ip, &n->gw_ip) < 0 ||
        bridge_of(d, gw->network, n->bridge, &n->base) < 0) {
        snprintf(err, errlen, "cannot find the bridge of %s: %s", gw->network,
                 docker_last_error(d));
        free(n);
        return NULL;
    }
    lan_plan_make(n->name, n->base, r->cfg->honeynet.hosts, n->gw_ip, &plan);
    for (size_t i = 0; i < plan.count; i++) {
        n->hosts[i].h = plan.hosts[i];
        n->hosts[i].planned = true;
    }
    n->nhosts = plan.count;
    n->pc = pcap_create(n->bridge, pe);
    if (!n->pc || pcap_set_snaplen(n->pc, 65535) < 0 || pcap_set_promisc(n->pc, 1) < 0 ||
        pcap_set_immediate_mode(n->pc, 1) < 0 || pcap_set_buffer_size(n->pc, 4 << 20) < 0 ||
        pcap_activate(n->pc) < 0 || pcap_setnonblock(n->pc, 1, pe) < 0 ||
        (n->fd = pcap_get_selectable_fd(n->pc)) < 0) {
        snprintf(err, errlen, "capture on %s: %s", n->bridge, n->pc ? pcap_geterr(n->pc) : pe);
        if (n->pc)
            pcap_close(n->pc);
        free(n);
        return NULL;
    }
    if (lan_capture_open(&n->cap, n->pc, r->cfg->store.dir, n->name,
                         (unsigned long long)r->cfg->honeynet.pcap_max_mb << 20) < 0)
        LOG_WARN("lan: cannot write a capture for %s: %s", n->name, pcap_geterr(n->pc));
    return n;
}

int lan_responder_attach(struct lan_responder *r, struct docker *d, const struct lan_gateway *gw,
                         const char *user, const char *password, char *err, size_t errlen)
{
    struct lan_user u;
    bool have_user = lan_user_make(user, password, &u) == 0;
    struct net *n = NULL;

    pthread_mutex_lock(&r->mu);
    for (size_t i = 0; i < r->nnets && !n; i++)
        if (strcmp(r->nets[i]->name, gw->honeynet) == 0)
            n = r->nets[i];
    pthread_mutex_unlock(&r->mu);
    if (!n) {
        /* Opened without the lock: it talks to Docker. */
        struct net *fresh = net_open(r, d, gw, err, errlen);
        if (!fresh)
            return -EIO;
        pthread_mutex_lock(&r->mu);
        for (size_t i = 0; i < r->nnets && !n; i++)
            if (strcmp(r->nets[i]->name, gw->honeynet) == 0)
                n = r->nets[i];
        if (!n && r->nnets < MAX_NETS) {
            n = r->nets[r->nnets++] = fresh;
            fresh = NULL;
            pool_demand(r); /* the pool may start filling */
        }
        pthread_mutex_unlock(&r->mu);
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
        wake(r);
    }
    if (!have_user)
        return 0; /* the gateway took it; decoys simply will not */
    pthread_mutex_lock(&r->mu);
    size_t i;
    for (i = 0; i < n->nusers && strcmp(n->users[i].name, u.name) != 0; i++)
        ;
    if (i < MAX_USERS) {
        n->users[i] = u;
        if (i == n->nusers)
            n->nusers++;
    }
    for (size_t k = 0; k < n->nhosts; k++) {
        if (n->hosts[k].st != HOST_LIVE)
            continue;
        struct job j = {.kind = JOB_USER};
        snprintf(j.container, sizeof(j.container), "%s", n->hosts[k].dc.id);
        util_ipv4_format(n->hosts[k].h.ip, j.ip);
        snprintf(j.user, sizeof(j.user), "%s", user);
        snprintf(j.password, sizeof(j.password), "%s", password);
        queue_job(r, &j);
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
        if ((ip & ~0xffu) != n->base)
            continue;
        const char *name = host_name(n, ip);
        snprintf(honeynet, hlen, "%s", n->name);
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
        if (*honeynet && strcmp(honeynet, n->name) == 0) { /* a gateway, known by its label */
            util_ipv4_format(n->gw_ip, a);
            snprintf(host, hostlen, "%s", n->gw_name);
            snprintf(ip, iplen, "%s", a);
            rc = 0;
        }
        for (size_t k = 0; k < n->nhosts && rc < 0; k++) {
            struct host *h = &n->hosts[k];
            if (h->st == HOST_EMPTY || strcmp(h->dc.id, id) != 0)
                continue;
            util_ipv4_format(h->h.ip, a);
            snprintf(honeynet, hlen, "%s", n->name);
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
    pthread_mutex_unlock(&r->mu);
    wake(r);
    pthread_join(r->capture, NULL);
    pthread_join(r->worker, NULL);
    pthread_join(r->claimer, NULL);
    /* Only this thread is left: no lock needed. */
    for (struct job *j = r->jobs, *next; j; j = next) {
        next = j->next;
        run_job(r, j);
        free(j);
    }
    for (size_t i = 0; i < r->nnets; i++) {
        struct net *n = r->nets[i];
        for (size_t k = 0; k < n->nhosts; k++) {
            struct host *h = &n->hosts[k];
            if (h->st == HOST_PENDING)
                drop_held(h);
            if (h->st != HOST_LIVE)
                continue;
            struct job j = {.kind = JOB_STOP};
            snprintf(j.container, sizeof(j.container), "%s", h->dc.id);
            snprintf(j.honeynet, sizeof(j.honeynet), "%s", n->name);
            util_ipv4_format(h->h.ip, j.ip);
            snprintf(j.reason, sizeof(j.reason), "shutdown");
            run_stop(r, &j, true);
            lan_decoy_close(&h->dc);
        }
        report_drops(r, n);
        capture_rotate(r, n, true);
        pcap_close(n->pc);
        free(n);
    }
    lan_pool_stop(r->pool);
    remove_stopped(r, true);
    for (size_t i = 0; i < r->nechoes; i++)
        free(r->echoes[i]);
    docker_close(r->d);
    close(r->wake);
    pthread_cond_destroy(&r->cv);
    pthread_cond_destroy(&r->claim_cv);
    pthread_mutex_destroy(&r->mu);
    free(r);
}
