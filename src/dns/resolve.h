/* dns resolve: a honeynet host's question asked of a real resolver, for
 * [capture] fetch = yes, and the answer built for it from the response.
 *
 * The resolver asked is [capture] resolver, or else the first nameserver of
 * the host's /etc/resolv.conf (libresolv's res_ninit), on a resolver state
 * of each call's own (so calls may run on many threads at once): one try of
 * at most DNS_RESOLVE_TIMEOUT_S, a truncated UDP response taken as it is
 * (no retry over TCP), one nameserver only. A nameserver inside the honeynet
 * pool is never asked (the upstream is the host's, never a honeynet's).
 * Only A and AAAA questions of class IN whose made-up answer would be
 * NOERROR go there (dns_resolve_wanted): reverse lookups, special-use and
 * single-label names, localhost, other types and classes keep the made-up
 * answer, so that nothing about the LANs is asked of the outside. The
 * records taken from the response are dns/upstream.h's; an upstream NXDOMAIN
 * is NXDOMAIN; no response, a malformed one or another rcode is a failure
 * and the caller falls back to the made-up answer.
 *
 * The exchange itself is behind dns_send_fn, so tests give canned
 * responses. */
#ifndef KARAKURI_DNS_RESOLVE_H
#define KARAKURI_DNS_RESOLVE_H

#include "dns/answer.h"
#include "dns/message.h"
#include "dns/upstream.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct config;

#define DNS_RESOLVE_TIMEOUT_S 1

struct dns_resolver;

/* Sends q's question to the upstream and puts its response in ans (cap
 * bytes): the response's length (at most cap) or a negative errno. */
typedef int (*dns_send_fn)(const struct dns_resolver *r, const struct dns_query *q, uint8_t *ans,
                           size_t cap);

struct dns_resolver {
    dns_send_fn send;
    void *ud;                     /* the send function's (tests) */
    uint32_t ip;                  /* the upstream, host byte order; 0: resolv.conf's */
    uint16_t port;                /* with ip */
    uint32_t pool_net, pool_mask; /* never asked: the honeynet pool */
};

/* r set to ask the upstream of cfg (borrowed, read now) through libresolv.
 * -EINVAL (why says so) when [capture] resolver is in the honeynet pool. */
int dns_resolver_init(struct dns_resolver *r, const struct config *cfg, char *why, size_t n)
    __attribute__((warn_unused_result));

/* Whether q (which parsed), whose made-up answer is made_up, is asked of
 * the upstream. */
bool dns_resolve_wanted(const struct dns_query *q, const struct dns_decision *made_up);

/* Asks r for q: 0 and the upstream's answer in *out (NOERROR with the
 * records kept, or NXDOMAIN), or a negative errno (no answer: fall back). */
int dns_resolve(const struct dns_resolver *r, const struct dns_query *q, struct dns_upstream *out)
    __attribute__((warn_unused_result));

#endif
