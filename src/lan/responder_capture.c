/* lan responder, the capture thread: one pcap handle per LAN bridge, each
 * frame written to the LAN's capture, decided on (decide.h) and the
 * decisions carried out (replies injected, events emitted, frames held for
 * the claimer); echo replies sent when due; once a second, housekeeping:
 * idle decoys stopped, what could not be recorded told, captures rotated. */
#include "common/log.h"
#include "common/util.h"
#include "common/xalloc.h"
#include "config/config.h"
#include "contain/firewall.h"
#include "docker/docker.h"
#include "event/event.h"
#include "lan/capture.h"
#include "lan/decide.h"
#include "lan/flows.h"
#include "lan/honeynet.h"
#include "lan/netns.h"
#include "lan/packet.h"
#include "lan/plan.h"
#include "lan/responder_int.h"
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
#include <sys/stat.h>
#include <unistd.h>

/* ---- echo replies ---- */

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

/* ---- flows not recorded ---- */

struct dropped_ctx {
    struct lan_responder *r;
    struct net *n;
};

static void flows_dropped(uint32_t src, uint32_t dst, unsigned long long count, void *ud)
{
    struct dropped_ctx *x = ud;
    json_t *ev = lan_rsp_net_event(x->n, EVENT_LAN_FLOWS_DROPPED);
    if (src) {
        const char *sh = lan_decide_host_name(&x->n->s, src),
                   *dh = lan_decide_host_name(&x->n->s, dst);
        json_object_set_new(ev, "src_ip", lan_rsp_ip_json(src));
        json_object_set_new(ev, "dst_ip", lan_rsp_ip_json(dst));
        if (sh)
            json_object_set_new(ev, "src_host", json_string(sh));
        if (dh)
            json_object_set_new(ev, "dst_host", json_string(dh));
    }
    json_object_set_new(ev, "count", json_integer((json_int_t)count));
    lan_rsp_emit(x->r, ev);
}

/* ---- frames ---- */

static void arp_sent(struct lan_responder *r, struct net *n, const struct lan_action *a)
{
    if (pcap_inject(n->pc, a->frame, a->len) < 0) {
        LOG_RATELIMITED(LOG_LEVEL_WARN, "lan: ARP reply on %s: %s", n->bridge, pcap_geterr(n->pc));
        return;
    }
    json_t *ev = lan_rsp_net_event(n, EVENT_LAN_ARP);
    json_object_set_new(ev, "src_ip", lan_rsp_ip_json(a->src_ip));
    json_object_set_new(ev, "target", lan_rsp_ip_json(a->dst_ip));
    json_object_set_new(ev, "answered", json_true());
    lan_rsp_emit(r, ev);
}

static void echo_queue(struct lan_responder *r, struct net *n, const struct lan_action *a)
{
    struct echo *e = xmalloc(sizeof(*e));
    memcpy(e->frame, a->frame, a->len);
    e->len = a->len;
    e->due = a->due_us;
    e->n = n;
    r->echoes[r->nechoes++] = e; /* within the room decide was given */
}

static void icmp_event(struct lan_responder *r, struct net *n, const struct lan_action *a)
{
    json_t *ev = lan_rsp_net_event(n, EVENT_LAN_ICMP);
    json_object_set_new(ev, "src_ip", lan_rsp_ip_json(a->src_ip));
    json_object_set_new(ev, "target", lan_rsp_ip_json(a->dst_ip));
    json_object_set_new(ev, "answered", json_integer(a->count));
    lan_rsp_emit(r, ev);
}

static void flow_event(struct lan_responder *r, struct net *n, const struct lan_action *a)
{
    json_t *ev = lan_rsp_net_event(n, EVENT_LAN_FLOW);
    json_object_set_new(ev, "src_ip", lan_rsp_ip_json(a->src_ip));
    json_object_set_new(ev, "dst_ip", lan_rsp_ip_json(a->dst_ip));
    if (a->dst_port)
        json_object_set_new(ev, "dst_port", json_integer(a->dst_port));
    json_object_set_new(ev, "src_port", json_integer(a->src_port));
    json_object_set_new(ev, "proto",
                        json_string(a->proto == 6    ? "tcp"
                                    : a->proto == 17 ? "udp"
                                                     : "icmp"));
    if (a->src_host)
        json_object_set_new(ev, "src_host", json_string(a->src_host));
    if (a->dst_host)
        json_object_set_new(ev, "dst_host", json_string(a->dst_host));
    lan_rsp_emit(r, ev);
}

static void cap_event(struct lan_responder *r, struct net *n, const struct lan_action *a)
{
    json_t *ev = lan_rsp_net_event(n, EVENT_CONTAIN_CAP_HIT);
    json_object_set_new(ev, "cap", json_string(a->cap));
    json_object_set_new(ev, "value", json_integer(a->value));
    json_object_set_new(ev, "dst_ip", lan_rsp_ip_json(a->dst_ip));
    json_object_set_new(ev, "src_ip", lan_rsp_ip_json(a->src_ip));
    lan_rsp_emit(r, ev);
}

/* The frame kept for its host's replay. */
static void hold(struct net *n, const struct lan_action *a, const uint8_t *frame, size_t len)
{
    struct lan_decide_host *h = &n->s.hosts[a->host];
    struct lan_decide_held *k = &h->held[h->nheld++];
    k->data = xmalloc(len);
    memcpy(k->data, frame, len);
    k->len = len;
    /* Captured before the sender's offload finished its checksum; the
     * replay would be dropped without this. ICMP is sent as captured. */
    if (lan_pkt_fix_checksum(k->data, len) < 0 && a->proto != 1)
        LOG_RATELIMITED(LOG_LEVEL_DEBUG, "lan: held frame to %s not checksummed", n->s.name);
}

void lan_rsp_carry_out(struct lan_responder *r, struct net *n, const struct lan_decide_out *out,
                       const uint8_t *frame, size_t len)
{
    for (size_t i = 0; i < out->n; i++) {
        const struct lan_action *a = &out->a[i];
        switch (a->kind) {
        case LAN_ACT_ARP_REPLY:
            arp_sent(r, n, a);
            break;
        case LAN_ACT_ECHO:
            echo_queue(r, n, a);
            break;
        case LAN_ACT_ICMP:
            icmp_event(r, n, a);
            break;
        case LAN_ACT_FLOW:
            flow_event(r, n, a);
            break;
        case LAN_ACT_CAP_HIT:
            cap_event(r, n, a);
            break;
        case LAN_ACT_HOLD:
            if (frame)
                hold(n, a, frame, len);
            break;
        case LAN_ACT_POOL_DEMAND:
            lan_rsp_pool_demand(r);
            break;
        case LAN_ACT_CLAIM:
            pthread_cond_signal(&r->claim_cv);
            break;
        }
    }
}

struct frame_ctx {
    struct lan_responder *r;
    struct net *n;
};

static void on_frame(u_char *user, const struct pcap_pkthdr *hdr, const u_char *bytes)
{
    struct frame_ctx *x = (struct frame_ctx *)(void *)user;
    struct lan_responder *r = x->r;
    struct net *n = x->n;

    lan_capture_frame(&n->cap, hdr, bytes);
    lan_decide_frame(&n->s, &r->shared, bytes, hdr->caplen, util_mono_us(),
                     LAN_RSP_MAX_ECHOES - r->nechoes, r->out);
    lan_rsp_carry_out(r, n, r->out, bytes, hdr->caplen);
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
        LOG_RATELIMITED(LOG_LEVEL_WARN, "lan: capture of %s not stored yet; kept in %s", n->s.name,
                        n->cap.path);
    if (!ev)
        return;
    json_object_set_new(ev, "honeynet", json_string(n->s.name));
    json_object_set_new(ev, "bridge", json_string(n->bridge));
    lan_rsp_emit(r, ev);
}

/* A capture.dropped event for the frames the kernel dropped on n's bridge
 * (its capture buffer full) since the last. */
static void capture_drops(struct lan_responder *r, struct net *n)
{
    struct pcap_stat st;
    if (pcap_stats(n->pc, &st) < 0 || st.ps_drop <= n->drops_reported)
        return;
    json_t *ev = lan_rsp_net_event(n, EVENT_CAPTURE_DROPPED);
    json_object_set_new(ev, "bridge", json_string(n->bridge));
    json_object_set_new(ev, "count", json_integer((json_int_t)(st.ps_drop - n->drops_reported)));
    json_object_set_new(ev, "total", json_integer((json_int_t)st.ps_drop));
    n->drops_reported = st.ps_drop;
    lan_rsp_emit(r, ev);
}

/* What n's capture and flow table could not record since the last call. */
static void report_drops(struct lan_responder *r, struct net *n)
{
    struct dropped_ctx x = {r, n};
    capture_drops(r, n);
    (void)lan_flows_take_dropped(&n->s.flows, flows_dropped, &x);
}

/* ---- housekeeping ---- */

static void stop_job(struct lan_responder *r, struct net *n, struct lan_decide_host *h,
                     const char *reason)
{
    struct job j = {.kind = JOB_STOP};
    snprintf(j.container, sizeof(j.container), "%s", h->dc.id);
    snprintf(j.honeynet, sizeof(j.honeynet), "%s", n->s.name);
    util_ipv4_format(h->h.ip, j.ip);
    snprintf(j.reason, sizeof(j.reason), "%s", reason);
    lan_rsp_queue_job(r, &j);
    lan_decoy_close(&h->dc);
}

static void housekeep(struct lan_responder *r)
{
    long long now = util_mono_us(), wall = util_now_us();
    pthread_cond_signal(&r->claim_cv); /* claims that waited for the pool */
    for (size_t i = 0; i < r->nnets; i++) {
        struct net *n = r->nets[i];
        for (size_t k = 0; k < n->s.nhosts; k++) {
            struct lan_decide_host *h = &n->s.hosts[k];
            if (h->st != LAN_DECIDE_LIVE ||
                now - h->last_us < r->cfg->honeynet.decoy_idle_s * 1000000LL)
                continue;
            if (lan_netns_unplug(h->host_if) < 0) {
                /* Gone with its container already. */
            }
            stop_job(r, n, h, "idle");
            h->st = LAN_DECIDE_EMPTY;
            h->cap_reported = false;
            n->s.live--;
            r->shared.live_total--;
        }
        report_drops(r, n);
        pcap_dumper_t *dump = n->cap.dump;
        if (dump &&
            (wall - n->cap.start_us >= r->cfg->honeynet.pcap_rotate_s * 1000000LL ||
             (long long)pcap_dump_ftell(dump) >= (long long)r->cfg->honeynet.pcap_rotate_mb << 20))
            capture_rotate(r, n, false);
        else if (dump && pcap_dump_flush(dump) < 0) /* on disk, should the daemon die */
            LOG_RATELIMITED(LOG_LEVEL_WARN, "lan: capture of %s: write failed", n->s.name);
    }
    lan_rsp_pool_demand(r);
}

/* ---- threads ---- */

void lan_rsp_net_close(struct lan_responder *r, struct net *n)
{
    if (r->cfg->honeynet.hops)
        contain_fw_hop_unsteer(n->s.base, n->s.gw_ip);
    report_drops(r, n);
    capture_rotate(r, n, true);
    pcap_close(n->pc);
    free(n);
}

/* A honeynet whose bridge is gone (removed at the end of its lifetime): its
 * decoys are stopped, its capture stored, and it is forgotten, so that its
 * source, should it come back, has its new LAN answered. Lock held. */
static void net_drop(struct lan_responder *r, size_t idx)
{
    struct net *n = r->nets[idx];
    for (size_t k = 0; k < n->s.nhosts; k++) {
        struct lan_decide_host *h = &n->s.hosts[k];
        if (h->st == LAN_DECIDE_PENDING)
            lan_rsp_drop_held(h);
        if (h->st != LAN_DECIDE_LIVE)
            continue;
        if (lan_netns_unplug(h->host_if) < 0) {
            /* Gone with the bridge already. */
        }
        stop_job(r, n, h, "honeynet removed");
    }
    r->shared.live_total -= n->s.live;
    for (size_t i = 0; i < r->nechoes;) {
        if (r->echoes[i]->n == n) {
            free(r->echoes[i]);
            r->echoes[i] = r->echoes[--r->nechoes];
        } else {
            i++;
        }
    }
    lan_rsp_net_close(r, n);
    r->nets[idx] = r->nets[--r->nnets];
}

void *lan_rsp_capture_main(void *arg)
{
    struct lan_responder *r = arg;
    pthread_setname_np(pthread_self(), "kk-lan-capture");
    lan_rsp_raise_priority();
    struct pollfd fds[LAN_RSP_MAX_NETS + 1];
    struct net *which[LAN_RSP_MAX_NETS + 1];

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
            r->next_housekeep = util_mono_us() + LAN_RSP_HOUSEKEEP_US;
        }
    }
    pthread_mutex_unlock(&r->mu);
    return NULL;
}
void lan_rsp_recover_captures(struct lan_responder *r)
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
            lan_rsp_emit(r, ev);
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

struct net *lan_rsp_net_open(struct lan_responder *r, struct docker *d,
                             const struct lan_gateway *gw, char *err, size_t errlen)
{
    char pe[PCAP_ERRBUF_SIZE] = "";
    struct lan_plan plan;
    struct net *n = xcalloc(1, sizeof(*n));
    snprintf(n->s.name, sizeof(n->s.name), "%s", gw->honeynet);
    snprintf(n->s.gw_name, sizeof(n->s.gw_name), "%s", gw->hostname);
    if (util_ipv4_parse(gw->ip, &n->s.gw_ip) < 0 ||
        bridge_of(d, gw->network, n->bridge, &n->s.base) < 0) {
        snprintf(err, errlen, "cannot find the bridge of %s: %s", gw->network,
                 docker_last_error(d));
        free(n);
        return NULL;
    }
    lan_plan_make(n->s.name, n->s.base, r->cfg->honeynet.hosts, n->s.gw_ip, &plan);
    for (size_t i = 0; i < plan.count; i++) {
        n->s.hosts[i].h = plan.hosts[i];
        n->s.hosts[i].planned = true;
    }
    n->s.nhosts = plan.count;
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
    if (lan_capture_open(&n->cap, n->pc, r->cfg->store.dir, n->s.name,
                         (unsigned long long)r->cfg->honeynet.pcap_max_mb << 20) < 0)
        LOG_WARN("lan: cannot write a capture for %s: %s", n->s.name, pcap_geterr(n->pc));
    return n;
}
