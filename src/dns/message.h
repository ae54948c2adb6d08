/* dns message: the queries a honeynet host sends to karakuri's resolver,
 * parsed, and the answers to them built, as pure functions (fuzzed).
 *
 * Only what a stub resolver sends is taken: a header and one question, the
 * name in plain labels (a compression pointer, which a query's first name
 * never needs, is refused rather than followed; so are the obsolete label
 * types), at most DNS_NAME_MAX octets of name and DNS_LABEL_MAX a label, in
 * at most DNS_MSG_MAX bytes (UDP's classic limit; over TCP the same, after
 * the two-byte length). What follows the question (an EDNS OPT record) is
 * not read. An answer is the header, the question as it came (letter case
 * kept: clients that randomise it check it) and at most one made-up A
 * record, or (with [capture] fetch = yes, dns/resolve.h) the records taken
 * from a real resolver's answer: a CNAME chain and A or AAAA records, at
 * most DNS_RR_MAX of them and what fits DNS_MSG_MAX bytes. */
#ifndef KARAKURI_DNS_MESSAGE_H
#define KARAKURI_DNS_MESSAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DNS_MSG_MAX 512
#define DNS_HEADER_LEN 12
#define DNS_NAME_MAX 255
#define DNS_LABEL_MAX 63
/* A name as text: every octet escaped as \DDD at worst, and a NUL. */
#define DNS_NAME_TEXT_MAX (4 * DNS_NAME_MAX + 1)

#define DNS_TYPE_A 1
#define DNS_TYPE_CNAME 5
#define DNS_TYPE_PTR 12
#define DNS_TYPE_AAAA 28
#define DNS_TYPE_IXFR 251
#define DNS_TYPE_AXFR 252
#define DNS_CLASS_IN 1

enum dns_rcode {
    DNS_RCODE_NOERROR = 0,
    DNS_RCODE_FORMERR = 1,
    DNS_RCODE_SERVFAIL = 2,
    DNS_RCODE_NXDOMAIN = 3,
    DNS_RCODE_NOTIMP = 4,
    DNS_RCODE_REFUSED = 5,
};

struct dns_query {
    uint16_t id;
    uint8_t opcode;
    bool rd;           /* recursion desired: echoed */
    bool has_question; /* the question parsed (the fields below are set) */
    uint16_t qtype, qclass;
    uint8_t qwire[DNS_NAME_MAX + 4]; /* the question as sent: name, type, class */
    size_t qwire_len;
    unsigned labels;
    /* The name as text ("." for the root, no final dot otherwise), bytes
     * outside printable ASCII, dots and backslashes in labels escaped as dig
     * shows them. */
    char qname[DNS_NAME_TEXT_MAX];
};

/* Parses the len bytes of msg into *q. 0 for a query with one well-formed
 * question; otherwise a negative errno saying how to answer:
 *   -EINVAL  not a query at all (shorter than a header, or a response):
 *            drop it, answer nothing;
 *   -ENOTSUP an opcode other than QUERY: NOTIMP (q->id, rd, opcode set);
 *   -EBADMSG no question, several, or a malformed one: FORMERR (q->id, rd,
 *            opcode set; has_question false). */
int dns_query_parse(const uint8_t *msg, size_t len, struct dns_query *q)
    __attribute__((warn_unused_result));

/* The answer to q in out (cap bytes): rcode, and when a is not NULL one A
 * record a (host byte order) with ttl_s. The question is repeated when q
 * has one. Its length, or 0 when it does not fit. */
size_t dns_answer_build(uint8_t *out, size_t cap, const struct dns_query *q, enum dns_rcode rcode,
                        const uint32_t *a, uint32_t ttl_s);

/* Records of an answer taken from a real resolver: at most DNS_ADDRS_MAX
 * addresses and DNS_CNAMES_MAX aliases. */
#define DNS_ADDRS_MAX 16
#define DNS_CNAMES_MAX 8
#define DNS_RR_MAX (DNS_ADDRS_MAX + DNS_CNAMES_MAX)

/* One record: its owner and, for a CNAME, its target as wire names
 * (uncompressed, the final zero octet included). */
struct dns_rr {
    uint16_t type; /* DNS_TYPE_A, DNS_TYPE_AAAA or DNS_TYPE_CNAME */
    uint32_t ttl_s;
    uint8_t owner[DNS_NAME_MAX];
    size_t owner_len;
    uint8_t data[DNS_NAME_MAX]; /* A: 4 octets, AAAA: 16, CNAME: the target's name */
    size_t data_len;
};

/* The answer to q (which has a question) in out (cap bytes): rcode and the
 * n records of rr in order, as many as fit whole (the owner that is the
 * question's name written as a pointer to it). Its length, or 0 when not
 * even the header and question fit. */
size_t dns_answer_build_rrs(uint8_t *out, size_t cap, const struct dns_query *q,
                            enum dns_rcode rcode, const struct dns_rr *rr, size_t n);

/* Whether the wire names a and b (al, bl octets) are the same, letter case
 * aside. */
bool dns_name_equal(const uint8_t *a, size_t al, const uint8_t *b, size_t bl);

/* "A", "AAAA", ... for the common types, "TYPE<n>" otherwise (RFC 3597); buf
 * holds at least 12 bytes. */
const char *dns_type_name(uint16_t type, char *buf, size_t len);
/* "NOERROR", "NXDOMAIN", ... */
const char *dns_rcode_name(enum dns_rcode rcode);

#endif
