/* contain firewall: keeps every honeynet in. Honeynet bridges are named
 * "kk-A-B-C" after their /24 (CONTAIN_BRIDGE_PREFIX), so a fixed set of
 * rules covers every honeynet, present and future, by interface and not by
 * address (a root intruder with CAP_NET_RAW can forge source addresses, not
 * the bridge a frame arrives on).
 *
 * All rules live in karakuri's own chains, each rule commented "karakuri":
 *   KARAKURI-INPUT   (from INPUT, -i kk-+): anything a container starts
 *                    towards the host, whichever address or port, is logged
 *                    and dropped; replies to the host's own connections (the
 *                    SSH front end's to a gateway) pass;
 *   KARAKURI-FORWARD (from DOCKER-USER, -i/-o kk-+): frames bridged within
 *                    one LAN go on to Docker's rules; anything routed (to
 *                    another honeynet, the machine's other networks, the
 *                    internet) is logged and dropped, but what
 *                    [containment] egress lets out, up to each container's
 *                    byte quota (KARAKURI-EGRESS, NAT in KARAKURI-NAT),
 *                    each keyed on the container's own link (its bridge
 *                    port). Egress never goes to private, shared, link-local,
 *                    loopback, multicast or reserved ranges, to the host's
 *                    own addresses and networks (hostnet.h) or to a port a
 *                    container publishes;
 *   KARAKURI-FETCH   (nat PREROUTING, -i kk-+): downloads (tcp 80, 8080,
 *                    21, udp 69; a port [containment] egress lets out is
 *                    left to egress) to anywhere but the LANs and the host
 *                    itself are redirected (REDIRECT: a DNAT to the bridge's
 *                    own address) to the fetcher on CONTAIN_FETCH_PORT
 *                    (fetch/server.h); KARAKURI-INPUT lets in only those
 *                    (conntrack DNAT with one of those original ports), and
 *                    two rules in INPUT drop whatever reaches that port from
 *                    any other interface (loopback included): the fetcher
 *                    is reachable through the redirect alone. First in
 *                    that chain, DNS (udp and tcp 53) to the host's own
 *                    addresses (the LAN's .1, which a container's
 *                    resolv.conf names) and to anywhere off the machine
 *                    (unless [containment] egress lets 53 out) goes to
 *                    karakuri's resolver on CONTAIN_DNS_PORT
 *                    (dns/server.h), guarded the same way; what goes to
 *                    CONTAIN_DNS_SINK is not: that is where the engine's
 *                    embedded resolver (127.0.0.11) is told to forward, so
 *                    that a query to it is dropped and recorded as routed
 *                    (a resolver at 127.0.0.11 answering would say
 *                    "Docker");
 *   KARAKURI-HOP     (nat, from KARAKURI-FETCH for tcp/22 to the LANs, with
 *                    [honeynet] hops): per LAN, two rules made when its
 *                    responder attaches (contain_fw_hop_steer): SSH to its
 *                    hosts but the gateway is redirected to the front end's
 *                    hop listener (CONTAIN_HOP_PORT, guarded as the
 *                    fetcher's), which answers as that host and relays into
 *                    its sshd; the gateway's own sshd is reached directly;
 *   KARAKURI-TTL     (mangle PREROUTING, -i kk-+): a packet about to expire
 *                    gets one more hop, so that the host never answers it
 *                    with ICMP time-exceeded and KARAKURI-FORWARD sees it.
 * The same for IPv6, where everything from a honeynet is dropped (the LANs
 * are IPv4 only). Logging is NFLOG group CONTAIN_NFLOG_GROUP with a prefix
 * saying which rule (watch.h turns that into contain.blocked events).
 *
 * The rules are written with iptables-restore, the same iptables (nft
 * backend) Docker uses, so that both coexist in the same tables. */
#ifndef KARAKURI_CONTAIN_FIREWALL_H
#define KARAKURI_CONTAIN_FIREWALL_H

#include <net/if.h>
#include <stddef.h>
#include <stdint.h>

struct buf;
struct config;

#define CONTAIN_BRIDGE_PREFIX "kk-"
#define CONTAIN_NFLOG_GROUP 3113
/* Where the fetcher listens (tcp and udp, every address: the INPUT rules
 * above keep it to the redirected flows). */
#define CONTAIN_FETCH_PORT 10869
#define CONTAIN_FETCH_PORT_STR "10869"
/* Where karakuri's resolver listens (the same way). */
#define CONTAIN_DNS_PORT 10853
#define CONTAIN_DNS_PORT_STR "10853"
/* Where the SSH front end takes hops: tcp/22 from a LAN host to another
 * (KARAKURI-HOP in nat, from KARAKURI-FETCH; guarded as the fetcher's). */
#define CONTAIN_HOP_PORT 10822
#define CONTAIN_HOP_PORT_STR "10822"
/* The upstream the engine's embedded resolver is given (link-local: routed
 * to the host, never redirected, dropped and logged in KARAKURI-FORWARD). */
#define CONTAIN_DNS_SINK "169.254.0.53"

/* NFLOG prefixes: the rule that matched. */
#define CONTAIN_PREFIX_HOST "karakuri host"
#define CONTAIN_PREFIX_ROUTED "karakuri routed"
#define CONTAIN_PREFIX_EGRESS "karakuri egress"         /* let out ([containment] egress) */
#define CONTAIN_PREFIX_EGRESS_CAP "karakuri egress-cap" /* past a container's egress_bytes */

/* "kk-10-13-7" for the /24 at base (host byte order). */
void contain_bridge_name(uint32_t base, char out[IF_NAMESIZE]);

/* The chains' contents as iptables-restore --noflush input for family
 * AF_INET or AF_INET6 (pure: unit tested). The jumps into them are not part
 * of it: they are added once, apart (contain_fw_install). */
struct contain_prefix;

/* nets: the host's networks, refused to egress (may be NULL). */
int contain_fw_ruleset(const struct config *cfg, int family, const struct contain_prefix *nets,
                       size_t nnets, struct buf *out) __attribute__((warn_unused_result));

/* Writes the chains (replacing what they held: per-container quotas start
 * again) and makes sure each is jumped to exactly once. Needs root and the
 * iptables tools. */
int contain_fw_install(const struct config *cfg, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* With [containment] egress: lets the container at ip send egress_bytes out
 * (a quota that counts from its first use; kept when already there), on
 * the one bridge port whose other end holds ip (-EEXIST when several do). A
 * no-op with egress none. */
int contain_fw_egress_allow(const struct config *cfg, const char *ip, char *err, size_t errlen)
    __attribute__((warn_unused_result));
/* Takes the allowance of ip away (the container is gone). */
void contain_fw_egress_revoke(const struct config *cfg, const char *ip);
/* SSH from the LAN base/24 (its bridge) to its hosts but the gateway at
 * gw_ip goes to the front end (CONTAIN_HOP_PORT) from now on; unsteer
 * takes that back (gone already: nothing). Both host byte order. */
int contain_fw_hop_steer(uint32_t base, uint32_t gw_ip, char *err, size_t errlen)
    __attribute__((warn_unused_result));
void contain_fw_hop_unsteer(uint32_t base, uint32_t gw_ip);

/* Removes the jumps and the chains, wherever they are; *removed counts the
 * chains that were there. 0 when nothing was there to remove. */
int contain_fw_remove(unsigned *removed, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* 0 when every chain and jump is in place, -ENOENT otherwise (err says
 * which is missing). */
int contain_fw_check(char *err, size_t errlen) __attribute__((warn_unused_result));

/* The run-time check: when anything of the rules is missing (a chain, a
 * jump, rules of a chain: a firewall reload, a flush), says what in `what`
 * and installs them again (contain_fw_install: quotas start over). 0 when
 * all was there, 1 when restored, a negative errno when it could not be
 * checked or restored (err says why): -EMFILE, -ENFILE, -ENOMEM or -EAGAIN
 * when the tool could not even be run (the daemon short of resources, not
 * a verdict on the rules). */
int contain_fw_verify(const struct config *cfg, char *what, size_t len, char *err, size_t errlen)
    __attribute__((warn_unused_result));

#endif
