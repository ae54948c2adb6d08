/* lan flows: which first contacts between two LAN hosts become lan.flow
 * events. Pure (no I/O), per honeynet, fixed size. Every new (source,
 * destination) pair is recorded, however full the table is: entries are
 * kept in buckets of LAN_FLOW_WAYS, and a new one takes the place of its
 * bucket's least recently seen. Each pair records at most
 * LAN_FLOW_PORTS_PER_MIN new (port, protocol) flows a minute; past that
 * (a port scan) they are counted, not recorded one by one, and not kept,
 * so a scan neither floods the events nor crowds out later movement. */
#ifndef KARAKURI_LAN_FLOWS_H
#define KARAKURI_LAN_FLOWS_H

#include <stddef.h>
#include <stdint.h>

#define LAN_FLOW_WAYS 8
#define LAN_FLOW_BUCKETS 512 /* flows kept: 4096 */
#define LAN_PAIR_BUCKETS 128 /* pairs kept: 1024 */
#define LAN_FLOW_PORTS_PER_MIN 64

struct lan_flow_key {
    uint32_t src, dst;
    uint16_t port; /* 0 for ICMP */
    uint8_t proto; /* 6, 17 or 1 */
};

struct lan_flows {
    struct lan_flow_slot {
        struct lan_flow_key k;
        long long seen_us; /* 0: empty */
    } flows[LAN_FLOW_BUCKETS][LAN_FLOW_WAYS];
    struct lan_pair_slot {
        uint32_t src, dst;
        long long seen_us;             /* 0: empty */
        long long window_us;           /* when its minute began */
        unsigned recorded;             /* new flows recorded in that minute */
        unsigned long long unrecorded; /* counted since the last lan_flows_take_dropped */
    } pairs[LAN_PAIR_BUCKETS][LAN_FLOW_WAYS];
    unsigned long long orphaned; /* counted for pairs evicted since */
};

enum lan_flow_verdict {
    LAN_FLOW_SEEN,      /* known: nothing to record */
    LAN_FLOW_NEW,       /* record it (lan.flow) */
    LAN_FLOW_UNRECORDED /* over its pair's budget: counted */
};

/* What to do with a contact k seen at now_us (monotonic, > 0). t starts
 * zeroed. */
enum lan_flow_verdict lan_flows_see(struct lan_flows *t, const struct lan_flow_key *k,
                                    long long now_us);

/* Calls fn for each pair with flows counted but not recorded since the last
 * call (with how many), and resets the counts; src and dst 0 for those of
 * pairs evicted meanwhile. Returns how many calls. */
size_t lan_flows_take_dropped(struct lan_flows *t,
                              void (*fn)(uint32_t src, uint32_t dst, unsigned long long n,
                                         void *ud),
                              void *ud);

#endif
