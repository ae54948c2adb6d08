/* dns upstream: a real resolver's response to a honeynet host's question,
 * read as a pure function (unit tested, fuzzed: its bytes come from off the
 * machine, and an intruder may run the server that sends them).
 *
 * The response must answer the question asked (a response, one question,
 * the same name letter case aside, type and class) with NOERROR or NXDOMAIN;
 * anything else is no answer (the caller falls back to the made-up one).
 * Of its answer section only the chain from the question's name is taken, in
 * the order sent: a CNAME whose owner is the name reached so far (then its
 * target is), and records of the type asked (A with 4 octets, AAAA with 16)
 * whose owner is that name; every other record (other types, classes, names,
 * the authority and additional sections) is left out. Names may be
 * compressed: pointers are followed only backwards, at most DNS_NAME_MAX
 * octets of name. At most DNS_ANSWER_RR_SCAN records are looked at,
 * DNS_CNAMES_MAX aliases and DNS_ADDRS_MAX addresses kept; TTLs at most
 * DNS_UPSTREAM_TTL_MAX_S. A record cut short ends the section (what came
 * before is kept). */
#ifndef KARAKURI_DNS_UPSTREAM_H
#define KARAKURI_DNS_UPSTREAM_H

#include "dns/message.h"

#include <stddef.h>
#include <stdint.h>

/* The most of a response read (what libresolv may get over TCP). */
#define DNS_UPSTREAM_MAX 4096
#define DNS_ANSWER_RR_SCAN 64
#define DNS_UPSTREAM_TTL_MAX_S 300

struct dns_upstream {
    enum dns_rcode rcode; /* NOERROR or NXDOMAIN */
    size_t n;             /* records kept, in rr */
    size_t naddrs;        /* of them A or AAAA */
    struct dns_rr rr[DNS_RR_MAX];
};

/* Reads the len bytes of msg, the response to q (which has a question),
 * into *out. 0, or -EBADMSG (not a response to q, malformed before its
 * answers) or -EPROTO (an rcode other than NOERROR and NXDOMAIN). */
int dns_upstream_parse(const uint8_t *msg, size_t len, const struct dns_query *q,
                       struct dns_upstream *out) __attribute__((warn_unused_result));

#endif
