/* dns upstream: a real resolver's response read (see upstream.h). */
#include "dns/upstream.h"

#include <errno.h>
#include <string.h>

#define FLAG_QR 0x8000u

static uint16_t be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The name at msg[off] into out (DNS_NAME_MAX octets) as plain labels, its
 * length in *out_len and the offset just past it (where it is, not where a
 * pointer led) in *next; -EBADMSG for a malformed one. A pointer must point
 * before the label that holds it, so every jump goes back and the walk
 * ends. */
static int read_name(const uint8_t *msg, size_t len, size_t off, uint8_t *out, size_t *out_len,
                     size_t *next)
{
    size_t at = off, o = 0, end = 0;
    size_t limit = off; /* a pointer must go before this */
    for (;;) {
        if (at >= len)
            return -EBADMSG;
        uint8_t l = msg[at];
        if ((l & 0xc0) == 0xc0) {
            if (at + 1 >= len)
                return -EBADMSG;
            size_t to = (size_t)(l & 0x3f) << 8 | msg[at + 1];
            if (!end)
                end = at + 2;
            if (to >= limit)
                return -EBADMSG;
            limit = to;
            at = to;
            continue;
        }
        if (l > DNS_LABEL_MAX)
            return -EBADMSG; /* 0x40, 0x80: extended label types */
        if (o + 1 + l + 1 > DNS_NAME_MAX || at + 1 + l > len)
            return -EBADMSG;
        out[o++] = l;
        if (l == 0)
            break;
        memcpy(out + o, msg + at + 1, l);
        o += l;
        at += 1u + l;
    }
    *out_len = o;
    *next = end ? end : at + 1;
    return 0;
}

/* The answer record at msg[*at] added to out when it belongs to the chain
 * from cur (its length *cur_len, moved on by a CNAME). *at moves past it.
 * -EBADMSG when it is cut short or malformed. */
static int take_record(const uint8_t *msg, size_t len, size_t *at, const struct dns_query *q,
                       uint8_t *cur, size_t *cur_len, unsigned *cnames, struct dns_upstream *out)
{
    uint8_t owner[DNS_NAME_MAX];
    size_t olen, p;
    if (read_name(msg, len, *at, owner, &olen, &p) < 0 || p + 10 > len)
        return -EBADMSG;
    uint16_t type = be16(msg + p), cls = be16(msg + p + 2);
    uint32_t ttl = be32(msg + p + 4);
    size_t rdlen = be16(msg + p + 8), rd = p + 10;
    if (rd + rdlen > len)
        return -EBADMSG;
    *at = rd + rdlen;
    if (cls != DNS_CLASS_IN || !dns_name_equal(owner, olen, cur, *cur_len) || out->n >= DNS_RR_MAX)
        return 0;
    struct dns_rr *r = &out->rr[out->n];
    if (type == DNS_TYPE_CNAME && *cnames < DNS_CNAMES_MAX) {
        size_t tl, tnext;
        if (read_name(msg, rd + rdlen, rd, r->data, &tl, &tnext) < 0 || tnext != rd + rdlen)
            return -EBADMSG;
        r->data_len = tl;
        memcpy(cur, r->data, tl);
        *cur_len = tl;
        ++*cnames;
    } else if (type == q->qtype && out->naddrs < DNS_ADDRS_MAX &&
               ((type == DNS_TYPE_A && rdlen == 4) || (type == DNS_TYPE_AAAA && rdlen == 16))) {
        memcpy(r->data, msg + rd, rdlen);
        r->data_len = rdlen;
        out->naddrs++;
    } else {
        return 0;
    }
    r->type = type;
    r->ttl_s = ttl > DNS_UPSTREAM_TTL_MAX_S ? DNS_UPSTREAM_TTL_MAX_S : ttl;
    memcpy(r->owner, owner, olen);
    r->owner_len = olen;
    out->n++;
    return 0;
}

int dns_upstream_parse(const uint8_t *msg, size_t len, const struct dns_query *q,
                       struct dns_upstream *out)
{
    uint8_t name[DNS_NAME_MAX], cur[DNS_NAME_MAX];
    size_t nlen, at, cur_len;
    memset(out, 0, sizeof(*out));
    if (!q->has_question || len < DNS_HEADER_LEN || !(be16(msg + 2) & FLAG_QR) ||
        be16(msg + 4) != 1)
        return -EBADMSG;
    size_t qnlen = q->qwire_len - 4;
    if (read_name(msg, len, DNS_HEADER_LEN, name, &nlen, &at) < 0 || at + 4 > len ||
        !dns_name_equal(name, nlen, q->qwire, qnlen) || memcmp(msg + at, q->qwire + qnlen, 4) != 0)
        return -EBADMSG;
    at += 4;
    unsigned rcode = be16(msg + 2) & 0xf;
    if (rcode != DNS_RCODE_NOERROR && rcode != DNS_RCODE_NXDOMAIN)
        return -EPROTO;
    out->rcode = (enum dns_rcode)rcode;
    if (rcode == DNS_RCODE_NXDOMAIN)
        return 0;
    memcpy(cur, q->qwire, qnlen);
    cur_len = qnlen;
    unsigned ancount = be16(msg + 6), cnames = 0;
    for (unsigned i = 0; i < ancount && i < DNS_ANSWER_RR_SCAN; i++)
        if (take_record(msg, len, &at, q, cur, &cur_len, &cnames, out) < 0)
            break;
    return 0;
}
