/* lan responder: makes each honeynet's LAN look populated and grow as the
 * intruder explores it. One thread reads every LAN bridge with libpcap:
 *   - ARP who-has for a planned address is answered with its planned MAC;
 *     for an unplanned one only when it looks like one connection rather than
 *     a sweep (asked again after a second, by a source that is not asking
 *     for many addresses), so that sweeps see the plan and only the plan;
 *   - an ICMP echo to the broadcast address is answered by the planned hosts,
 *     each after a small jitter;
 *   - a first contact (TCP SYN, UDP datagram, ICMP echo) with such an
 *     address claims a decoy from the warm pool: host name and users written,
 *     address and MAC plugged in (~ms), then the held packets replayed, so
 *     the very first SYN is answered;
 *   - each first contact between two LAN hosts is a lan.flow event;
 *   - everything seen goes to a pcap per honeynet, stored as an artifact
 *     when rotated (capture.pcap).
 * Caps on decoys per honeynet, in all and on chain depth make past-cap
 * addresses behave like empty ones (contain.cap_hit). A second thread keeps
 * the pool filled (from the first honeynet on) and does the slow Docker
 * work: stopping idle decoys after extracting their files, adding users to
 * live decoys. */
#ifndef KARAKURI_LAN_RESPONDER_H
#define KARAKURI_LAN_RESPONDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct config;
struct docker;
struct event_pipeline;
struct lan_gateway;
struct lan_responder;
struct monitor_exec;

/* cfg, p and mon (NULL: no proc.exec from decoys) are borrowed and must
 * outlive the responder. */
int lan_responder_start(const struct config *cfg, struct event_pipeline *p,
                        struct monitor_exec *mon, struct lan_responder **out, char *err,
                        size_t errlen) __attribute__((warn_unused_result));

/* Starts answering on gw's LAN (once per honeynet) and adds user with
 * password to the users its decoys have (live ones too). d is the caller's
 * Docker handle, used during the call only. */
int lan_responder_attach(struct lan_responder *r, struct docker *d, const struct lan_gateway *gw,
                         const char *user, const char *password, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* The honeynet whose LAN holds ip, and the name of the host at ip (empty if
 * none): a contain_owner_fn (contain/watch.h), r passed as ud. */
bool lan_responder_owner(void *ud, uint32_t ip, char *honeynet, size_t hlen, char *host,
                         size_t hostlen);

/* Who container id is: its honeynet (given, for a gateway, from its label),
 * host name and address; 0 or -ENOENT. A contain_container_fn
 * (contain/limits.h), r passed as ud. */
int lan_responder_container(void *ud, const char *id, char *honeynet, size_t hlen, char *host,
                            size_t hostlen, char *ip, size_t iplen);

/* A host of one LAN reached on the host side (an SSH hop). */
struct lan_reached {
    char honeynet[64];
    char hostname[32];
    char container[72];
    int pid;        /* its init */
    unsigned depth; /* hops from the gateway */
};

/* An SSH connection from src (its gateway or a live decoy) to dst on the
 * same LAN, taken by the front end instead of reaching the LAN: as its SYN
 * would have, it is a lan.flow and claims dst's decoy (within the caps);
 * waits up to timeout_ms for dst to be live. 0 with out set; -ENOENT (not
 * a host of that LAN, past a cap, its decoy failed), -ETIMEDOUT. On a
 * worker: it blocks. Addresses in host byte order. */
int lan_responder_reach(struct lan_responder *r, uint32_t src, uint16_t src_port, uint32_t dst,
                        int timeout_ms, struct lan_reached *out)
    __attribute__((warn_unused_result));

/* Stops both threads; every live decoy has its files extracted and is
 * removed with the pool; captures are stored. */
void lan_responder_stop(struct lan_responder *r);

#endif
