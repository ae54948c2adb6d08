/* dns resolve: asking the real resolver (see resolve.h). */
#include "dns/resolve.h"

#include "common/util.h"
#include "common/xalloc.h"
#include "config/config.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <errno.h>
#include <netinet/in.h>
#include <resolv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static bool in_pool(const struct dns_resolver *r, uint32_t ip)
{
    return (ip & r->pool_mask) == r->pool_net;
}

/* One exchange over libresolv, on a resolver state of this call's own. */
static int libresolv_send(const struct dns_resolver *r, const struct dns_query *q, uint8_t *ans,
                          size_t cap)
{
    struct __res_state st;
    uint8_t qbuf[DNS_MSG_MAX];
    int rc = -EIO;
    memset(&st, 0, sizeof(st));
    if (res_ninit(&st) != 0) {
        res_nclose(&st);
        return -EIO;
    }
    st.retrans = DNS_RESOLVE_TIMEOUT_S;
    st.retry = 1;
    st.options |= RES_IGNTC;
    st.options &= ~(unsigned long)(RES_DNSRCH | RES_DEFNAMES);
    if (r->ip) {
        memset(&st.nsaddr_list[0], 0, sizeof(st.nsaddr_list[0]));
        st.nsaddr_list[0].sin_family = AF_INET;
        st.nsaddr_list[0].sin_addr.s_addr = htonl(r->ip);
        st.nsaddr_list[0].sin_port = htons(r->port);
    }
    /* One nameserver: the time cap is per nameserver. */
    st.nscount = 1;
    /* resolv.conf's may be anything: never a honeynet's. */
    if (st.nsaddr_list[0].sin_family == AF_INET &&
        in_pool(r, ntohl(st.nsaddr_list[0].sin_addr.s_addr))) {
        rc = -EPERM;
        goto out;
    }
    int ql =
        res_nmkquery(&st, QUERY, q->qname, C_IN, q->qtype, NULL, 0, NULL, qbuf, (int)sizeof(qbuf));
    if (ql < 0) {
        rc = -EINVAL;
        goto out;
    }
    int n = res_nsend(&st, qbuf, ql, ans, cap > INT32_MAX ? INT32_MAX : (int)cap);
    if (n < 0) {
        rc = -ETIMEDOUT;
        goto out;
    }
    rc = (size_t)n > cap ? (int)cap : n;
out:
    res_nclose(&st);
    return rc;
}

int dns_resolver_init(struct dns_resolver *r, const struct config *cfg, char *why, size_t n)
{
    struct dns_resolver v = {.send = libresolv_send,
                             .ip = cfg->capture.resolver_ip,
                             .port = cfg->capture.resolver_port,
                             .pool_net = cfg->honeynet.lan_pool_net,
                             .pool_mask = util_ipv4_mask(cfg->honeynet.lan_pool_prefix)};
    if (v.ip && in_pool(&v, v.ip)) {
        snprintf(why, n, "[capture] resolver %s is in the honeynet pool [honeynet] lan_pool",
                 cfg->capture.resolver);
        return -EINVAL;
    }
    *r = v;
    return 0;
}

bool dns_resolve_wanted(const struct dns_query *q, const struct dns_decision *made_up)
{
    if (!q->has_question || q->qclass != DNS_CLASS_IN ||
        (q->qtype != DNS_TYPE_A && q->qtype != DNS_TYPE_AAAA))
        return false;
    if (made_up->rcode != DNS_RCODE_NOERROR || q->labels < 2)
        return false;
    /* Names under localhost (made up: 127.0.0.1) are not asked either. */
    size_t l = strlen(q->qname);
    return !(l >= 10 && strcasecmp(q->qname + l - 10, ".localhost") == 0);
}

int dns_resolve(const struct dns_resolver *r, const struct dns_query *q, struct dns_upstream *out)
{
    uint8_t *ans = xmalloc(DNS_UPSTREAM_MAX);
    int n = r->send(r, q, ans, DNS_UPSTREAM_MAX);
    int rc = n < 0 ? n : dns_upstream_parse(ans, (size_t)n, q, out);
    free(ans);
    return rc;
}
