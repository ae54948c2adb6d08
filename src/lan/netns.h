/* lan netns: giving a running container (started with no network) an
 * address on a LAN bridge in about a millisecond, over netlink: a veth pair
 * whose inner end becomes the container's eth0 with the planned MAC and
 * address, and whose outer end joins the bridge. Also the container's host
 * name, set in its UTS namespace. Docker's own network connect takes ~110 ms
 * here, too slow for a decoy that must answer the first SYN. */
#ifndef KARAKURI_LAN_NETNS_H
#define KARAKURI_LAN_NETNS_H

#include <net/if.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/proc.h"

/* Plugs the network namespace of the process init (by handle) into bridge: eth0 with mac and
 * ip/prefix (host byte order), link up, default route via the subnet's
 * first address (the bridge, as on the gateway). host_if receives the name
 * of the outer end ("kk" + 12 hex digits, unique per call). Returns once
 * both ends can carry frames (or after 200 ms). On failure nothing is left
 * behind. */
int lan_netns_plug(const struct proc_ref *init, const char *bridge, const uint8_t mac[6],
                   uint32_t ip, unsigned prefix, char host_if[IF_NAMESIZE], char *err,
                   size_t errlen) __attribute__((warn_unused_result));

/* Adds "default via gw" (host byte order) on eth0 in the network namespace
 * of pid; one already there is kept. */
int lan_netns_default_route(pid_t pid, uint32_t gw) __attribute__((warn_unused_result));

/* Shapes what the container of pid sends (its eth0) and what it is sent
 * (the host's end of the pair) to rate bytes per second (tc tbf). The
 * qdiscs go with the links, that is with the container. _in: the process
 * whose /proc directory is proc. */
int lan_netns_shape(pid_t pid, long long rate) __attribute__((warn_unused_result));
int lan_netns_shape_in(int proc, long long rate) __attribute__((warn_unused_result));

/* Removes the pair by its outer end (the container is left with lo only).
 * -ENODEV when it is gone already. */
int lan_netns_unplug(const char *host_if) __attribute__((warn_unused_result));

/* Sets the host name in the UTS namespace of the process whose /proc
 * directory is proc. */
int lan_netns_hostname(int proc, const char *name) __attribute__((warn_unused_result));

#endif
