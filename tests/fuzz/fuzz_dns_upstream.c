/* fuzz_dns_upstream: a real resolver's response (bytes from off the machine,
 * maybe from an intruder's own server) read as the answer to a question,
 * then answered to the honeynet host from it. The input is one byte n, a
 * query of n bytes (the honeynet host's), then the response. What is kept
 * stays within its caps, every record is whole, and the answer built from
 * it fits a UDP message. */
#include "dns/message.h"
#include "dns/upstream.h"
#include "fuzz.h"

#include <errno.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct dns_query q;
    struct dns_upstream u;
    uint8_t out[DNS_MSG_MAX];
    if (size < 1 || (size_t)data[0] + 1 > size)
        return 0;
    size_t qn = data[0];
    if (dns_query_parse(data + 1, qn, &q) != 0 || !q.has_question)
        return 0;
    const uint8_t *resp = data + 1 + qn;
    size_t rn = size - 1 - qn;
    if (rn > DNS_UPSTREAM_MAX)
        rn = DNS_UPSTREAM_MAX;
    int rc = dns_upstream_parse(resp, rn, &q, &u);
    CHECK(rc == 0 || rc == -EBADMSG || rc == -EPROTO);
    if (rc != 0) {
        CHECK(u.n == 0);
        return 0;
    }
    CHECK(u.rcode == DNS_RCODE_NOERROR || u.rcode == DNS_RCODE_NXDOMAIN);
    CHECK(u.n <= DNS_RR_MAX && u.naddrs <= DNS_ADDRS_MAX && u.naddrs <= u.n);
    CHECK(u.rcode == DNS_RCODE_NOERROR || u.n == 0);
    size_t cnames = 0;
    for (size_t i = 0; i < u.n; i++) {
        const struct dns_rr *r = &u.rr[i];
        CHECK(r->ttl_s <= DNS_UPSTREAM_TTL_MAX_S);
        CHECK(r->owner_len >= 1 && r->owner_len <= DNS_NAME_MAX && r->owner[r->owner_len - 1] == 0);
        if (r->type == DNS_TYPE_CNAME) {
            cnames++;
            CHECK(r->data_len >= 1 && r->data_len <= DNS_NAME_MAX);
        } else {
            CHECK(r->type == q.qtype);
            CHECK((r->type == DNS_TYPE_A && r->data_len == 4) ||
                  (r->type == DNS_TYPE_AAAA && r->data_len == 16));
        }
    }
    CHECK(cnames <= DNS_CNAMES_MAX);
    size_t n = dns_answer_build_rrs(out, sizeof(out), &q, u.rcode, u.rr, u.n);
    CHECK(n >= DNS_HEADER_LEN && n <= DNS_MSG_MAX);
    return 0;
}
