/* sensor packet: IPv4 / IPv6 + TCP / UDP headers parsed with hard bounds
 * (packet.h). Every read is checked against len, which only ever shrinks
 * (to the IP header's own length when that is shorter). */
#include "sensor/packet.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>

static uint16_t be16(const uint8_t *p)
{
    return (uint16_t)((p[0] << 8) | p[1]);
}

/* The transport header at l4 (n bytes left). */
static int parse_l4(const uint8_t *l4, size_t n, uint8_t proto, struct sensor_pkt *p)
{
    size_t hl;
    if (proto == SENSOR_PROTO_TCP) {
        if (n < 20)
            return -EINVAL;
        hl = (size_t)(l4[12] >> 4) * 4;
        if (hl < 20 || hl > n)
            return -EINVAL;
        p->tcp_flags = l4[13];
    } else if (proto == SENSOR_PROTO_UDP) {
        if (n < 8)
            return -EINVAL;
        hl = 8;
        size_t ulen = be16(l4 + 4);
        if (ulen < 8)
            return -EINVAL;
        if (ulen < n)
            n = ulen;
        p->tcp_flags = 0;
    } else {
        return -ENOTSUP;
    }
    p->proto = proto;
    p->src_port = be16(l4);
    p->dst_port = be16(l4 + 2);
    p->payload_len = n - hl;
    return 0;
}

static int parse_v4(const uint8_t *b, size_t len, struct sensor_pkt *p)
{
    if (len < 20)
        return -EINVAL;
    size_t ihl = (size_t)(b[0] & 0x0f) * 4;
    size_t total = be16(b + 2);
    if (ihl < 20 || ihl > len || total < ihl)
        return -EINVAL;
    if (total < len)
        len = total;
    /* A later fragment carries no transport header. */
    if (be16(b + 6) & 0x1fff)
        return -ENOTSUP;
    p->family = AF_INET;
    memset(p->src, 0, sizeof(p->src));
    memset(p->dst, 0, sizeof(p->dst));
    memcpy(p->src, b + 12, 4);
    memcpy(p->dst, b + 16, 4);
    return parse_l4(b + ihl, len - ihl, b[9], p);
}

static int parse_v6(const uint8_t *b, size_t len, struct sensor_pkt *p)
{
    if (len < 40)
        return -EINVAL;
    size_t plen = be16(b + 4);
    if (plen + 40 < len)
        len = plen + 40;
    uint8_t next = b[6];
    size_t at = 40;
    for (int i = 0;; i++) {
        if (next == SENSOR_PROTO_TCP || next == SENSOR_PROTO_UDP)
            break;
        if (i >= SENSOR_PKT_MAX_EXT)
            return -ENOTSUP;
        if (next == IPPROTO_FRAGMENT) {
            if (len - at < 8)
                return -EINVAL;
            if (be16(b + at + 2) & 0xfff8)
                return -ENOTSUP;
            next = b[at];
            at += 8;
        } else if (next == IPPROTO_HOPOPTS || next == IPPROTO_ROUTING || next == IPPROTO_DSTOPTS) {
            if (len - at < 8)
                return -EINVAL;
            size_t ext = ((size_t)b[at + 1] + 1) * 8;
            if (ext > len - at)
                return -EINVAL;
            next = b[at];
            at += ext;
        } else {
            return -ENOTSUP;
        }
    }
    p->family = AF_INET6;
    memcpy(p->src, b + 8, 16);
    memcpy(p->dst, b + 24, 16);
    return parse_l4(b + at, len - at, next, p);
}

int sensor_packet_parse(const uint8_t *pkt, size_t len, struct sensor_pkt *out)
{
    struct sensor_pkt p;
    int rc;

    if (!pkt || len < 1)
        return -EINVAL;
    switch (pkt[0] >> 4) {
    case 4:
        rc = parse_v4(pkt, len, &p);
        break;
    case 6:
        rc = parse_v6(pkt, len, &p);
        break;
    default:
        return -EINVAL;
    }
    if (rc == 0)
        *out = p;
    return rc;
}

bool sensor_packet_is_syn(const struct sensor_pkt *p)
{
    return p->proto == SENSOR_PROTO_TCP && (p->tcp_flags & TH_SYN) &&
           !(p->tcp_flags & (TH_ACK | TH_RST));
}

const char *sensor_proto_name(uint8_t proto)
{
    return proto == SENSOR_PROTO_TCP ? "tcp" : "udp";
}

void sensor_packet_addr(const struct sensor_pkt *p, bool dst, char out[46])
{
    if (!inet_ntop(p->family, dst ? p->dst : p->src, out, 46))
        out[0] = '\0';
}
