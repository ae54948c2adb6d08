/* dns answer: the made-up answers (see answer.h). */
#include "dns/answer.h"

#include "common/util.h"

#include <string.h>
#include <strings.h>

/* The labels of a name in wire form, as offsets into it. */
struct labels {
    size_t n;
    size_t off[DNS_NAME_MAX / 2 + 1];
};

static void split(const uint8_t *wire, size_t len, struct labels *l)
{
    l->n = 0;
    for (size_t at = 0; at < len && wire[at] != 0; at += 1u + wire[at])
        l->off[l->n++] = at;
}

/* Whether label i (from the end: 0 is the last) is word, case aside. */
static bool label_is(const uint8_t *wire, const struct labels *l, size_t from_end, const char *word)
{
    if (from_end >= l->n)
        return false;
    const uint8_t *p = wire + l->off[l->n - 1 - from_end];
    size_t wl = strlen(word);
    return p[0] == wl && strncasecmp((const char *)p + 1, word, wl) == 0;
}

static bool never_found(const uint8_t *wire, const struct labels *l)
{
    static const char *const tlds[] = {"invalid",     "test",     "local",
                                       "localdomain", "internal", "lan"};
    if (l->n == 1)
        return true;
    if (label_is(wire, l, 0, "arpa") &&
        (label_is(wire, l, 1, "in-addr") || label_is(wire, l, 1, "ip6") ||
         label_is(wire, l, 1, "home")))
        return true;
    for (size_t i = 0; i < sizeof(tlds) / sizeof(tlds[0]); i++)
        if (label_is(wire, l, 0, tlds[i]))
            return true;
    return false;
}

uint32_t dns_synth_addr(const uint8_t *wire, size_t len)
{
    /* FNV-1a over the name, folded to lower case. */
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++) {
        uint8_t c = wire[i];
        if (c >= 'A' && c <= 'Z')
            c = (uint8_t)(c + ('a' - 'A'));
        h = (h ^ c) * 16777619u;
    }
    uint32_t a = DNS_SYNTH_NET | ((h ^ (h >> 16)) & ~util_ipv4_mask(DNS_SYNTH_PREFIX));
    /* Not an address ending in .0 or .255, which look like no server's. */
    if ((a & 0xff) == 0 || (a & 0xff) == 0xff)
        a ^= 0x7f;
    return a;
}

void dns_decide(const struct dns_query *q, struct dns_decision *out)
{
    struct labels l;
    size_t nlen = q->qwire_len - 4;
    *out = (struct dns_decision){.rcode = DNS_RCODE_NOERROR};
    if (q->qclass != DNS_CLASS_IN || q->qtype == DNS_TYPE_AXFR || q->qtype == DNS_TYPE_IXFR) {
        out->rcode = DNS_RCODE_REFUSED;
        return;
    }
    split(q->qwire, nlen, &l);
    if (l.n == 0)
        return; /* the root: there, with nothing of these types to show */
    if (label_is(q->qwire, &l, 0, "localhost")) {
        out->has_a = q->qtype == DNS_TYPE_A;
        out->a = 0x7f000001u;
        return;
    }
    if (never_found(q->qwire, &l)) {
        out->rcode = DNS_RCODE_NXDOMAIN;
        return;
    }
    if (q->qtype == DNS_TYPE_A) {
        out->has_a = true;
        out->a = dns_synth_addr(q->qwire, nlen);
    }
}

bool dns_answer_made_up(uint32_t ip)
{
    return (ip & util_ipv4_mask(DNS_SYNTH_PREFIX)) == DNS_SYNTH_NET;
}
