/* dns answer: what karakuri's resolver says to a query, as a pure function
 * of the question (unit tested, fuzzed with the parser).
 *
 * Nothing is asked of a real resolver: the answers are made up, the way a
 * resolver would answer for a world where every ordinary name exists.
 *   A     an address of DNS_SYNTH_NET chosen by a hash of the name (letter
 *         case aside), so that every lookup of a name agrees; the fetcher's
 *         redirect takes web, FTP and TFTP to any such address
 *         (contain/firewall.h), so a download by name is recorded like one
 *         by address;
 *   AAAA  and every other type of such a name: NOERROR, no records (the
 *         LANs are IPv4 only);
 *   NXDOMAIN for reverse lookups (in-addr.arpa, ip6.arpa), single-label
 *         names and the special-use domains that a real resolver never finds
 *         (invalid, test, local, localdomain, internal, lan, home.arpa);
 *   localhost and names under it: 127.0.0.1 (RFC 6761);
 *   REFUSED for zone transfers and classes other than IN.
 * With [capture] fetch = yes, what would be NOERROR for an A or AAAA
 * question is asked of a real resolver first (dns/resolve.h); these answers
 * stay for the rest and when it gives none. */
#ifndef KARAKURI_DNS_ANSWER_H
#define KARAKURI_DNS_ANSWER_H

#include "dns/message.h"

#include <stdbool.h>
#include <stdint.h>

/* 45.33.0.0/16: public, routed, and in no range the firewall keeps apart. */
#define DNS_SYNTH_NET 0x2d210000u
#define DNS_SYNTH_PREFIX 16
#define DNS_ANSWER_TTL_S 300

struct dns_decision {
    enum dns_rcode rcode;
    bool has_a;
    uint32_t a; /* host byte order */
};

/* Whether ip (host byte order) is one of the made-up addresses of
 * DNS_SYNTH_NET/DNS_SYNTH_PREFIX: an A answer of ours, no real host. */
bool dns_answer_made_up(uint32_t ip);

/* The answer to q (which parsed: has_question). */
void dns_decide(const struct dns_query *q, struct dns_decision *out);

/* The made-up address of the name whose wire form is the first bytes of
 * qwire (len octets with the final zero), letter case aside. */
uint32_t dns_synth_addr(const uint8_t *wire, size_t len);

#endif
