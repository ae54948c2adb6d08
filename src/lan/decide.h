/* lan decide: what the responder does with one frame seen on a LAN, as a
 * pure function of the LAN's state, the frame and the time: no I/O, no
 * Docker, no locks (the caller holds the responder's). It updates the state
 * (hosts pending, ARP requests seen, flows, counters) and returns a list of
 * typed actions, in the order the responder carries them out:
 *   - ARP who-has for a planned address: a reply with its planned MAC; for
 *     an unplanned one only when it looks like one connection rather than a
 *     sweep (asked again after half a second or more, by a source asking for
 *     fewer than two other unplanned addresses within 5 s), the address then
 *     adopted as a host;
 *   - ICMP echo to the broadcast address: a reply from each planned host
 *     (within the caps), each after 0.2 to 2 ms, and a lan.icmp event;
 *   - each new (source, destination, port, protocol) between LAN hosts: a
 *     lan.flow event (lan/flows.h decides which);
 *   - a first contact (TCP SYN, UDP, ICMP echo) with a host not live yet:
 *     a claim (the frame held for replay, up to LAN_DECIDE_MAX_HELD);
 *   - past a cap on decoys (per honeynet, in all, chain depth): nothing but
 *     one contain.cap_hit per host, so the address behaves like an empty one.
 * The state's dc, host_if and held fields are the responder's: decide only
 * reads nheld. */
#ifndef KARAKURI_LAN_DECIDE_H
#define KARAKURI_LAN_DECIDE_H

#include "lan/decoy.h"
#include "lan/flows.h"
#include "lan/packet.h"
#include "lan/plan.h"

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LAN_DECIDE_MAX_HOSTS 64 /* planned (≤ LAN_PLAN_MAX) and adopted */
#define LAN_DECIDE_MAX_HELD 8
#define LAN_DECIDE_ARP_RING 64
/* One frame's actions at most: an echo from every host, lan.icmp, the pool. */
#define LAN_DECIDE_MAX_ACTIONS (LAN_DECIDE_MAX_HOSTS + 2)

enum lan_decide_state { LAN_DECIDE_EMPTY, LAN_DECIDE_PENDING, LAN_DECIDE_LIVE };

struct lan_decide_host {
    struct lan_host h;
    bool planned;
    enum lan_decide_state st;
    unsigned depth;                /* hops from the gateway (1: reached from it) */
    long long contact_us, last_us; /* monotonic: first contact, last frame (live) */
    uint32_t trigger_src;
    char trigger[160]; /* "tcp syn 10.13.7.2:40000 > 10.13.7.23:22" */
    bool cap_reported; /* its contain.cap_hit told */
    bool claiming;     /* pending, its decoy being set up by the claimer */
    /* The responder's (decide reads nheld only). */
    struct lan_decoy dc;
    char host_if[IF_NAMESIZE];
    struct lan_decide_held {
        uint8_t *data; /* owned */
        size_t len;
    } held[LAN_DECIDE_MAX_HELD];
    size_t nheld;
};

/* One honeynet's LAN. Starts zeroed but for name, gw_name, base, gw_ip and
 * the planned hosts (planned set). */
struct lan_decide_net {
    char name[64], gw_name[64];
    uint32_t base, gw_ip; /* the /24 and the gateway, host byte order */
    struct lan_decide_host hosts[LAN_DECIDE_MAX_HOSTS];
    size_t nhosts;
    struct lan_flows flows;
    struct {
        uint32_t src, target;
        long long t;
    } arp[LAN_DECIDE_ARP_RING];
    size_t arp_next;
    unsigned live;    /* live and pending decoys */
    long long hot_us; /* last sweep or first contact seen (0: none yet) */
};

/* What every LAN's decisions share: the caps ([honeynet] chain_depth,
 * decoys_max, decoys_total), the count they are checked against, and the
 * state of the replies' jitter. */
struct lan_decide_shared {
    unsigned chain_depth, decoys_max, decoys_total;
    unsigned live_total; /* live and pending decoys on every LAN */
    unsigned seed;
};

enum lan_action_kind {
    LAN_ACT_ARP_REPLY,   /* inject frame; once sent, lan.arp (src_ip, target dst_ip) */
    LAN_ACT_ECHO,        /* inject frame at due_us */
    LAN_ACT_ICMP,        /* lan.icmp: src_ip, target dst_ip, answered count */
    LAN_ACT_FLOW,        /* lan.flow: src_ip, dst_ip, ports, proto, host names */
    LAN_ACT_CAP_HIT,     /* contain.cap_hit: cap, value, dst_ip, src_ip */
    LAN_ACT_HOLD,        /* keep this frame of hosts[host] for its replay */
    LAN_ACT_POOL_DEMAND, /* the pool's size may need to change */
    LAN_ACT_CLAIM,       /* a host is pending: wake the claimer */
};

struct lan_action {
    enum lan_action_kind kind;
    size_t host; /* HOLD: index in hosts */
    uint32_t src_ip, dst_ip;
    uint16_t src_port, dst_port;     /* FLOW (dst_port 0: none, ICMP) */
    uint8_t proto;                   /* FLOW, HOLD: 6, 17 or 1 */
    unsigned count;                  /* ICMP: replies queued */
    const char *cap;                 /* CAP_HIT: "chain_depth", "decoys_max", "decoys_total" */
    unsigned value;                  /* CAP_HIT: the cap's value */
    const char *src_host, *dst_host; /* FLOW: borrowed from the net, NULL: unknown */
    long long due_us;                /* ECHO */
    size_t len;
    uint8_t frame[LAN_PKT_MAX_ECHO]; /* ARP_REPLY, ECHO */
};

struct lan_decide_out {
    size_t n;
    struct lan_action a[LAN_DECIDE_MAX_ACTIONS];
};

/* Decides on one frame of len bytes seen on n at now_us (monotonic, > 0):
 * n and s updated, out filled (out->n actions). echo_room: how many echo
 * replies may still be queued. */
void lan_decide_frame(struct lan_decide_net *n, struct lan_decide_shared *s, const uint8_t *frame,
                      size_t len, long long now_us, size_t echo_room, struct lan_decide_out *out);

/* As lan_decide_frame, for a packet already parsed (or one the host side
 * took instead of the LAN: an SSH hop, whose SYN never reached it). out->n
 * is not reset. */
void lan_decide_packet(struct lan_decide_net *n, struct lan_decide_shared *s,
                       const struct lan_pkt *p, long long now_us, size_t echo_room,
                       struct lan_decide_out *out);

/* The host at ip, or NULL. */
struct lan_decide_host *lan_decide_host_find(struct lan_decide_net *n, uint32_t ip);

/* The name of the host at ip: the gateway's, "bridge" for .1, a host's, or
 * NULL. Borrowed from n. */
const char *lan_decide_host_name(struct lan_decide_net *n, uint32_t ip);

#endif
