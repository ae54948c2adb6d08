/* dns message: queries parsed, answers built (see message.h). */
#include "dns/message.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define FLAG_QR 0x8000u
#define FLAG_RD 0x0100u
#define FLAG_RA 0x0080u

static uint16_t be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

/* Appends label octet c to the text at *at (the buffer is big enough for
 * DNS_NAME_MAX octets at four characters each). */
static void text_octet(char *out, size_t *at, uint8_t c)
{
    if (c == '.' || c == '\\') {
        out[(*at)++] = '\\';
        out[(*at)++] = (char)c;
    } else if (c > 0x20 && c < 0x7f) {
        out[(*at)++] = (char)c;
    } else {
        *at += (size_t)snprintf(out + *at, 5, "\\%03u", (unsigned)c);
    }
}

/* The name at msg[off]: plain labels only. Its wire length (with the final
 * zero octet) in *wire_len, or -EBADMSG. */
static int parse_name(const uint8_t *msg, size_t len, size_t off, struct dns_query *q,
                      size_t *wire_len)
{
    size_t at = off, text = 0;
    unsigned labels = 0;
    for (;;) {
        if (at >= len)
            return -EBADMSG;
        uint8_t l = msg[at];
        if (l == 0)
            break;
        /* 0xc0: a compression pointer; 0x40, 0x80: extended label types,
         * never deployed. */
        if (l > DNS_LABEL_MAX)
            return -EBADMSG;
        if (at - off + 1 + l + 1 > DNS_NAME_MAX || at + 1 + l > len)
            return -EBADMSG;
        if (labels)
            q->qname[text++] = '.';
        for (size_t i = 0; i < l; i++)
            text_octet(q->qname, &text, msg[at + 1 + i]);
        at += 1u + l;
        labels++;
    }
    if (!labels)
        q->qname[text++] = '.';
    q->qname[text] = '\0';
    q->labels = labels;
    *wire_len = at + 1 - off;
    return 0;
}

int dns_query_parse(const uint8_t *msg, size_t len, struct dns_query *q)
{
    memset(q, 0, sizeof(*q));
    if (len < DNS_HEADER_LEN || len > DNS_MSG_MAX)
        return -EINVAL;
    uint16_t flags = be16(msg + 2);
    if (flags & FLAG_QR)
        return -EINVAL;
    q->id = be16(msg);
    q->opcode = (uint8_t)((flags >> 11) & 0xf);
    q->rd = (flags & FLAG_RD) != 0;
    if (q->opcode != 0)
        return -ENOTSUP;
    if (be16(msg + 4) != 1)
        return -EBADMSG;
    size_t nlen = 0;
    if (parse_name(msg, len, DNS_HEADER_LEN, q, &nlen) < 0 || DNS_HEADER_LEN + nlen + 4 > len) {
        q->qname[0] = '\0';
        q->labels = 0;
        return -EBADMSG;
    }
    q->qtype = be16(msg + DNS_HEADER_LEN + nlen);
    q->qclass = be16(msg + DNS_HEADER_LEN + nlen + 2);
    q->qwire_len = nlen + 4;
    memcpy(q->qwire, msg + DNS_HEADER_LEN, q->qwire_len);
    q->has_question = true;
    return 0;
}

/* The header (ancount answers) and the question in out; the length. The
 * caller has checked that they fit. */
static size_t put_head(uint8_t *out, const struct dns_query *q, enum dns_rcode rcode,
                       unsigned ancount)
{
    put16(out, q->id);
    put16(out + 2, FLAG_QR | (unsigned)q->opcode << 11 | (q->rd ? FLAG_RD : 0) | FLAG_RA |
                       ((unsigned)rcode & 0xf));
    put16(out + 4, q->has_question ? 1 : 0);
    put16(out + 6, ancount);
    put16(out + 8, 0);
    put16(out + 10, 0);
    size_t at = DNS_HEADER_LEN;
    if (q->has_question) {
        memcpy(out + at, q->qwire, q->qwire_len);
        at += q->qwire_len;
    }
    return at;
}

size_t dns_answer_build(uint8_t *out, size_t cap, const struct dns_query *q, enum dns_rcode rcode,
                        const uint32_t *a, uint32_t ttl_s)
{
    bool answer = a && q->has_question;
    size_t need = DNS_HEADER_LEN + (q->has_question ? q->qwire_len : 0) + (answer ? 16 : 0);
    if (need > cap)
        return 0;
    size_t at = put_head(out, q, rcode, answer ? 1 : 0);
    if (answer) {
        put16(out + at, 0xc000u | DNS_HEADER_LEN); /* the question's name */
        put16(out + at + 2, DNS_TYPE_A);
        put16(out + at + 4, DNS_CLASS_IN);
        put16(out + at + 6, ttl_s >> 16);
        put16(out + at + 8, ttl_s & 0xffffu);
        put16(out + at + 10, 4);
        put16(out + at + 12, *a >> 16);
        put16(out + at + 14, *a & 0xffffu);
        at += 16;
    }
    return at;
}

bool dns_name_equal(const uint8_t *a, size_t al, const uint8_t *b, size_t bl)
{
    if (al != bl)
        return false;
    for (size_t i = 0; i < al; i++) {
        uint8_t x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z')
            x = (uint8_t)(x + ('a' - 'A'));
        if (y >= 'A' && y <= 'Z')
            y = (uint8_t)(y + ('a' - 'A'));
        if (x != y)
            return false;
    }
    return true;
}

size_t dns_answer_build_rrs(uint8_t *out, size_t cap, const struct dns_query *q,
                            enum dns_rcode rcode, const struct dns_rr *rr, size_t n)
{
    if (!q->has_question || DNS_HEADER_LEN + q->qwire_len > cap)
        return 0;
    size_t at = put_head(out, q, rcode, 0);
    size_t qnlen = q->qwire_len - 4;
    unsigned count = 0;
    for (size_t i = 0; i < n && i < DNS_RR_MAX; i++) {
        const struct dns_rr *r = &rr[i];
        bool ptr = dns_name_equal(r->owner, r->owner_len, q->qwire, qnlen);
        size_t olen = ptr ? 2 : r->owner_len;
        if (r->owner_len < 1 || r->owner_len > DNS_NAME_MAX || r->data_len > DNS_NAME_MAX ||
            at + olen + 10 + r->data_len > cap)
            break;
        if (ptr)
            put16(out + at, 0xc000u | DNS_HEADER_LEN);
        else
            memcpy(out + at, r->owner, r->owner_len);
        at += olen;
        put16(out + at, r->type);
        put16(out + at + 2, DNS_CLASS_IN);
        put16(out + at + 4, r->ttl_s >> 16);
        put16(out + at + 6, r->ttl_s & 0xffffu);
        put16(out + at + 8, (unsigned)r->data_len);
        memcpy(out + at + 10, r->data, r->data_len);
        at += 10 + r->data_len;
        count++;
    }
    put16(out + 6, count);
    return at;
}

const char *dns_type_name(uint16_t type, char *buf, size_t len)
{
    static const struct {
        uint16_t type;
        const char *name;
    } names[] = {{1, "A"},      {2, "NS"},     {5, "CNAME"},   {6, "SOA"},   {12, "PTR"},
                 {13, "HINFO"}, {15, "MX"},    {16, "TXT"},    {28, "AAAA"}, {33, "SRV"},
                 {35, "NAPTR"}, {43, "DS"},    {48, "DNSKEY"}, {64, "SVCB"}, {65, "HTTPS"},
                 {99, "SPF"},   {251, "IXFR"}, {252, "AXFR"},  {255, "ANY"}, {257, "CAA"}};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (names[i].type == type)
            return names[i].name;
    snprintf(buf, len, "TYPE%u", (unsigned)type);
    return buf;
}

const char *dns_rcode_name(enum dns_rcode rcode)
{
    static const char *const names[] = {"NOERROR",  "FORMERR", "SERVFAIL",
                                        "NXDOMAIN", "NOTIMP",  "REFUSED"};
    return (unsigned)rcode < sizeof(names) / sizeof(names[0]) ? names[rcode] : "RCODE?";
}
