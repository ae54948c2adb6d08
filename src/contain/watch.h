/* contain watch: turns what the firewall (firewall.h) logs into events:
 * contain.blocked for what it drops, contain.egress for what [containment]
 * egress lets out, contain.limit (bytes) past a container's quota. One thread reads the NFLOG group
 * with libpcap
 * ("nflog:N"); each packet names the rule that matched, the bridge it came
 * from and the packet itself, of which the addresses, protocol and port or
 * ICMP type are kept. Batches of records the kernel could not queue for us
 * (a flood faster than we read) are counted from /proc/net/netlink and
 * reported as contain.log_dropped.
 *
 * Every attempt is an event, but not every packet: the same attempt again
 * (source, destination, protocol, port) within REPEAT_WINDOW is counted, and
 * the count goes out with the next event for it or when its window closes
 * ("repeats"), so that a SYN retried five times or a flood of pings is one
 * event, not thousands. The parser is pure and fuzzed. */
#ifndef KARAKURI_CONTAIN_WATCH_H
#define KARAKURI_CONTAIN_WATCH_H

#include <arpa/inet.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct config;
struct event_pipeline;
struct contain_watch;

/* One logged packet. */
struct contain_logged {
    char prefix[64]; /* the NFLOG prefix: which rule */
    uint32_t indev;  /* ifindex it came in on, 0 if not given */
    int family;      /* AF_INET, AF_INET6, or 0: not an IP packet */
    char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];
    uint32_t src4, dst4; /* AF_INET: host byte order */
    uint8_t proto;       /* IPPROTO_* */
    bool has_port;       /* TCP or UDP, not a later fragment */
    uint16_t dst_port;
    int icmp_type; /* ICMP and ICMPv6; -1 otherwise */
};

/* Parses one DLT_NFLOG record (as libpcap gives it: TLVs in host byte
 * order). 0, or -EINVAL when truncated or malformed. */
int contain_nflog_parse(const uint8_t *p, size_t len, struct contain_logged *out)
    __attribute__((warn_unused_result));

/* Who owns a honeynet address: fills the honeynet's name and the host's and
 * returns true, or false when the address is not a honeynet's. */
typedef bool (*contain_owner_fn)(void *ud, uint32_t ip, char *honeynet, size_t hlen, char *host,
                                 size_t hostlen);

/* cfg ([honeynet] lan_pool tells "another honeynet" from "outside"), p and
 * ud are borrowed; owner may be NULL. */
int contain_watch_start(const struct config *cfg, struct event_pipeline *p, contain_owner_fn owner,
                        void *ud, struct contain_watch **out, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* Sends what is still counted and stops the thread. NULL is fine. */
void contain_watch_stop(struct contain_watch *w);

#endif
