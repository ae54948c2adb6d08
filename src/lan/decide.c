/* lan decide: the responder's decisions on one frame (see decide.h). Moved
 * as they were from responder.c: the same checks in the same order, so the
 * same frames get the same answers and events. */
#include "lan/decide.h"

#include "common/util.h"

#include <stdio.h>
#include <string.h>

#define SWEEP_WINDOW_US 5000000LL
#define SWEEP_TARGETS 2 /* other unplanned targets in the window make a sweep */
#define ARP_RETRY_MIN_US 500000LL
#define HOT_AGAIN_US 100000LL /* a burst asks the pool once */

static struct lan_action *push(struct lan_decide_out *out, enum lan_action_kind kind)
{
    /* Every path stays within LAN_DECIDE_MAX_ACTIONS (decide.h). */
    struct lan_action *a = &out->a[out->n++];
    memset(a, 0, offsetof(struct lan_action, frame));
    a->kind = kind;
    return a;
}

static unsigned rnd(struct lan_decide_shared *s)
{
    s->seed = s->seed * 1103515245u + 12345u;
    return s->seed >> 8;
}

struct lan_decide_host *lan_decide_host_find(struct lan_decide_net *n, uint32_t ip)
{
    for (size_t i = 0; i < n->nhosts; i++)
        if (n->hosts[i].h.ip == ip)
            return &n->hosts[i];
    return NULL;
}

const char *lan_decide_host_name(struct lan_decide_net *n, uint32_t ip)
{
    struct lan_decide_host *h = lan_decide_host_find(n, ip);
    if (ip == n->gw_ip)
        return n->gw_name;
    if (ip == n->base + 1)
        return "bridge";
    return h ? h->h.hostname : NULL;
}

static unsigned depth_of(struct lan_decide_net *n, uint32_t ip)
{
    struct lan_decide_host *h = lan_decide_host_find(n, ip);
    return h && h->st != LAN_DECIDE_EMPTY ? h->depth : 0;
}

/* Which cap a new decoy for a contact from src would break, or NULL. */
static const char *cap_for(struct lan_decide_net *n, const struct lan_decide_shared *s,
                           uint32_t src)
{
    if (depth_of(n, src) + 1 > s->chain_depth)
        return "chain_depth";
    if (n->live >= s->decoys_max)
        return "decoys_max";
    if (s->live_total >= s->decoys_total)
        return "decoys_total";
    return NULL;
}

/* contain.cap_hit for dst, once per host (reported NULL: a host not kept). */
static void cap_hit(struct lan_decide_out *out, const struct lan_decide_shared *s, const char *cap,
                    uint32_t dst, uint32_t src, bool *reported)
{
    if (reported && *reported)
        return;
    if (reported)
        *reported = true;
    struct lan_action *a = push(out, LAN_ACT_CAP_HIT);
    a->cap = cap;
    a->value = strcmp(cap, "chain_depth") == 0  ? s->chain_depth
               : strcmp(cap, "decoys_max") == 0 ? s->decoys_max
                                                : s->decoys_total;
    a->dst_ip = dst;
    a->src_ip = src;
}

/* n was swept or contacted: its plan may be claimed soon. */
static void net_hot(struct lan_decide_net *n, long long now, struct lan_decide_out *out)
{
    long long was = n->hot_us;
    n->hot_us = now;
    /* Once per burst; the responder's housekeeping follows the rest. */
    if (!was || now - was >= HOT_AGAIN_US)
        push(out, LAN_ACT_POOL_DEMAND);
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
static void claim(struct lan_decide_net *n, struct lan_decide_shared *s, struct lan_decide_host *h,
                  const struct lan_pkt *p, long long now, struct lan_decide_out *out)
{
    if (h->st == LAN_DECIDE_EMPTY) {
        const char *cap = cap_for(n, s, p->src_ip);
        if (cap) {
            cap_hit(out, s, cap, h->h.ip, p->src_ip, &h->cap_reported);
            return;
        }
        h->st = LAN_DECIDE_PENDING;
        h->depth = depth_of(n, p->src_ip) + 1;
        h->contact_us = now;
        h->trigger_src = p->src_ip;
        describe(p, h->trigger, sizeof(h->trigger));
        n->live++;
        s->live_total++;
        n->hot_us = now;
        push(out, LAN_ACT_POOL_DEMAND);
    }
    if (h->nheld < LAN_DECIDE_MAX_HELD) {
        struct lan_action *a = push(out, LAN_ACT_HOLD);
        a->host = (size_t)(h - n->hosts);
        a->proto = p->kind == LAN_PKT_TCP ? 6 : p->kind == LAN_PKT_UDP ? 17 : 1;
    }
    push(out, LAN_ACT_CLAIM);
}

/* ---- ARP ---- */

/* For an unplanned target: true when this request repeats one of a second
 * or so ago (the kernel's retry for a connection) and its source is not
 * asking for many other unplanned addresses (a sweep). */
static bool looks_like_connection(struct lan_decide_net *n, const struct lan_pkt *p, long long now)
{
    bool retry = false;
    unsigned others = 0;
    uint32_t seen[SWEEP_TARGETS + 1];
    for (size_t i = 0; i < LAN_DECIDE_ARP_RING; i++) {
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
    n->arp_next = (n->arp_next + 1) % LAN_DECIDE_ARP_RING;
    return retry && others < SWEEP_TARGETS;
}

static void on_arp(struct lan_decide_net *n, struct lan_decide_shared *s, const struct lan_pkt *p,
                   long long now, struct lan_decide_out *out)
{
    uint32_t t = p->dst_ip;
    if ((t & 0xffffff00u) != n->base || t == n->gw_ip || t == n->base + 1 || (t & 0xff) == 0xff ||
        (t & 0xff) == 0 || t == p->src_ip)
        return;
    struct lan_decide_host *h = lan_decide_host_find(n, t);
    if (h && h->st == LAN_DECIDE_LIVE)
        return; /* its own kernel answers */
    if (!h) {
        if (!looks_like_connection(n, p, now) || n->nhosts == LAN_DECIDE_MAX_HOSTS)
            return;
        const char *cap = cap_for(n, s, p->src_ip);
        if (cap) {
            cap_hit(out, s, cap, t, p->src_ip, NULL);
            return;
        }
        h = &n->hosts[n->nhosts++];
        memset(h, 0, sizeof(*h));
        lan_plan_adopt(n->name, t, &h->h);
    }
    if (h->st == LAN_DECIDE_EMPTY) {
        const char *cap = cap_for(n, s, p->src_ip);
        if (cap) {
            cap_hit(out, s, cap, h->h.ip, p->src_ip, &h->cap_reported);
            return;
        }
    }
    struct lan_action *a = push(out, LAN_ACT_ARP_REPLY);
    lan_pkt_arp_reply(p, h->h.mac, a->frame);
    a->len = LAN_PKT_ARP_LEN;
    a->src_ip = p->src_ip;
    a->dst_ip = p->dst_ip;
    if (h->planned)
        net_hot(n, now, out);
}

/* ---- ICMP to the broadcast address ---- */

static void on_broadcast_echo(struct lan_decide_net *n, struct lan_decide_shared *s,
                              const struct lan_pkt *p, long long now, size_t echo_room,
                              struct lan_decide_out *out)
{
    unsigned answered = 0;
    for (size_t i = 0; i < n->nhosts && answered < echo_room; i++) {
        struct lan_decide_host *h = &n->hosts[i];
        if (!h->planned || (h->st == LAN_DECIDE_EMPTY && cap_for(n, s, p->src_ip)))
            continue;
        struct lan_action *a = push(out, LAN_ACT_ECHO);
        a->len = lan_pkt_echo_reply(p, h->h.mac, h->h.ip, (uint16_t)rnd(s), a->frame);
        if (!a->len) {
            out->n--; /* not an echo request after all: no answer, no event */
            return;
        }
        /* Hosts answer in their own time: 0.2 to 2 ms. */
        a->due_us = now + 200 + rnd(s) % 1800;
        answered++;
    }
    struct lan_action *a = push(out, LAN_ACT_ICMP);
    a->src_ip = p->src_ip;
    a->dst_ip = p->dst_ip;
    a->count = answered;
    if (answered)
        net_hot(n, now, out);
}

/* ---- flows ---- */

static void on_flow(struct lan_decide_net *n, const struct lan_pkt *p, long long now,
                    struct lan_decide_out *out)
{
    struct lan_flow_key f = {.src = p->src_ip, .dst = p->dst_ip};
    f.proto = p->kind == LAN_PKT_TCP ? 6 : p->kind == LAN_PKT_UDP ? 17 : 1;
    f.port = f.proto == 1 ? 0 : p->dst_port;
    if (lan_flows_see(&n->flows, &f, now) != LAN_FLOW_NEW)
        return; /* seen, or counted (lan.flows_dropped) */
    struct lan_action *a = push(out, LAN_ACT_FLOW);
    a->src_ip = f.src;
    a->dst_ip = f.dst;
    a->dst_port = f.port;
    a->src_port = f.proto == 1 ? 0 : p->src_port;
    a->proto = f.proto;
    a->src_host = lan_decide_host_name(n, f.src);
    a->dst_host = lan_decide_host_name(n, f.dst);
}

/* ---- frames ---- */

void lan_decide_frame(struct lan_decide_net *n, struct lan_decide_shared *s, const uint8_t *frame,
                      size_t len, long long now_us, size_t echo_room, struct lan_decide_out *out)
{
    struct lan_pkt p;
    out->n = 0;
    if (lan_pkt_parse(frame, len, &p) < 0)
        return;
    if (p.kind == LAN_PKT_ARP_REQUEST) {
        on_arp(n, s, &p, now_us, out);
        return;
    }
    if (p.kind != LAN_PKT_TCP && p.kind != LAN_PKT_UDP && p.kind != LAN_PKT_ICMP)
        return;
    lan_decide_packet(n, s, &p, now_us, echo_room, out);
}

void lan_decide_packet(struct lan_decide_net *n, struct lan_decide_shared *s,
                       const struct lan_pkt *pp, long long now_us, size_t echo_room,
                       struct lan_decide_out *out)
{
    struct lan_pkt p = *pp;
    struct lan_decide_host *src = lan_decide_host_find(n, p.src_ip);
    struct lan_decide_host *dst = lan_decide_host_find(n, p.dst_ip);
    if (src && src->st == LAN_DECIDE_LIVE)
        src->last_us = now_us;
    if (dst && dst->st == LAN_DECIDE_LIVE)
        dst->last_us = now_us;
    /* The host's own (the bridge's .1: the front end's connections to the
     * LAN's sshds) contacts nobody. */
    if (!lan_pkt_is_contact(&p) || (p.src_ip & 0xffffff00u) != n->base || p.src_ip == n->base + 1)
        return;
    bool bcast = p.dst_ip == (n->base | 0xff) || p.dst_ip == 0xffffffffu;
    if (bcast) {
        if (p.kind == LAN_PKT_ICMP)
            on_broadcast_echo(n, s, &p, now_us, echo_room, out);
        return;
    }
    /* What reaches .1 is the host's: redirected (downloads, DNS, hops, each
     * recorded by what takes it) or dropped and logged by the firewall. */
    if ((p.dst_ip & 0xffffff00u) != n->base || p.dst_ip == n->base + 1)
        return;
    on_flow(n, &p, now_us, out);
    if (dst && dst->st != LAN_DECIDE_LIVE)
        claim(n, s, dst, &p, now_us, out);
}
