/* fuzz_dns_query: a query as a honeynet host sends it to karakuri's
 * resolver, parsed, decided and answered: the answer always fits a UDP
 * message and parses back as a response to the same id. */
#include "dns/answer.h"
#include "dns/message.h"
#include "fuzz.h"

#include <errno.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct dns_query q, back;
    struct dns_decision d = {.rcode = DNS_RCODE_FORMERR};
    uint8_t out[DNS_MSG_MAX];
    int rc = dns_query_parse(data, size, &q);
    CHECK(rc == 0 || rc == -EINVAL || rc == -ENOTSUP || rc == -EBADMSG);
    if (rc == -EINVAL)
        return 0;
    CHECK(strlen(q.qname) < sizeof(q.qname));
    CHECK(q.qwire_len <= DNS_NAME_MAX + 4);
    if (rc == 0)
        dns_decide(&q, &d);
    else if (rc == -ENOTSUP)
        d.rcode = DNS_RCODE_NOTIMP;
    size_t n = dns_answer_build(out, sizeof(out), &q, d.rcode, d.has_a ? &d.a : NULL, 300);
    CHECK(n >= DNS_HEADER_LEN && n <= DNS_MSG_MAX);
    CHECK(out[0] == data[0] && out[1] == data[1] && (out[2] & 0x80));
    /* A response is not taken as a query. */
    CHECK(dns_query_parse(out, n, &back) == -EINVAL);
    return 0;
}
