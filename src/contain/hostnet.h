/* contain hostnet: what the firewall needs to know of the host's own
 * network, read over rtnetlink (no tools spawned):
 *  - the host's networks, which egress must never reach: the prefixes of
 *    the interfaces that carry a default route (the machine's real LAN) and
 *    of every bridge but the honeynets' (docker0 and Docker's other bridge
 *    networks). Other interfaces (a veth to a namespace, a tunnel) do not
 *    count: what lies behind them is as far off as the internet;
 *  - the bridge port a honeynet address is plugged into, so that rules
 *    match a container's own link and not the source address it claims;
 *  - honeynet bridges hardened: the host answers ARP there only for the
 *    bridge's own address, and the bridge learns a bounded number of MACs. */
#ifndef KARAKURI_CONTAIN_HOSTNET_H
#define KARAKURI_CONTAIN_HOSTNET_H

#include <net/if.h>
#include <stddef.h>
#include <stdint.h>

/* An IPv4 prefix, host byte order. */
struct contain_prefix {
    uint32_t net;
    unsigned len;
};

/* Most MAC addresses a honeynet bridge learns (a /24 holds 254 hosts). */
#define CONTAIN_FDB_MAX 512

/* Fills out[0..*n) with the host's networks (see above), each once. */
int contain_hostnet_networks(struct contain_prefix *out, size_t max, size_t *n)
    __attribute__((warn_unused_result));

/* The host side of the link, on the honeynet bridge of ip's /24, whose
 * other end (a container's interface) holds ip. -ENOENT when none does,
 * -EEXIST when more than one claims it (an intruder added it to his own). */
int contain_hostnet_port(uint32_t ip, char port[IF_NAMESIZE]) __attribute__((warn_unused_result));

/* arp_ignore 1 and arp_announce 2 on the bridge, and at most
 * CONTAIN_FDB_MAX learned MACs. */
int contain_hostnet_harden(const char *bridge) __attribute__((warn_unused_result));

/* Hardens every honeynet bridge there is; returns how many failed. */
unsigned contain_hostnet_harden_all(void);

#endif
