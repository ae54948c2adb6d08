/* lan packet: parsing and building LAN frames (see packet.h). */
#include "lan/packet.h"

#include <errno.h>
#include <string.h>

#define ETH_HDR 14
#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_ARP_ 0x0806
#define ETHERTYPE_VLAN_ 0x8100
#define PROTO_ICMP 1
#define PROTO_TCP 6
#define PROTO_UDP 17
#define TCP_SYN 0x02
#define TCP_ACK 0x10
#define ICMP_ECHO_REQ 8
#define ICMP_ECHO_REP 0

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)(v >> 16));
    put16(p + 2, (uint16_t)v);
}

/* The one's-complement sum of n bytes added to sum, folded to 16 bits. */
static uint32_t sum16(const uint8_t *p, size_t n, uint32_t sum)
{
    for (; n > 1; p += 2, n -= 2)
        sum += get16(p);
    if (n)
        sum += (uint32_t)p[0] << 8;
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return sum;
}

uint16_t lan_pkt_checksum(const void *data, size_t n)
{
    return (uint16_t)~sum16(data, n, 0);
}

int lan_pkt_fix_checksum(uint8_t *frame, size_t len)
{
    struct lan_pkt p;
    if (lan_pkt_parse(frame, len, &p) < 0 || (p.kind != LAN_PKT_TCP && p.kind != LAN_PKT_UDP))
        return -EINVAL;
    size_t off = get16(frame + 12) == ETHERTYPE_VLAN_ ? ETH_HDR + 4 : ETH_HDR;
    uint8_t *ip = frame + off;
    /* A fragment's checksum covers the whole datagram: not ours to fix. */
    if (get16(ip + 6) & 0x3fff)
        return -EINVAL;
    size_t ihl = (size_t)(ip[0] & 0x0f) * 4, n = get16(ip + 2) - ihl;
    uint8_t *l4 = ip + ihl, *field = l4 + (p.kind == LAN_PKT_TCP ? 16 : 6);
    uint8_t pseudo[12];
    memcpy(pseudo, ip + 12, 8);
    pseudo[8] = 0;
    pseudo[9] = ip[9];
    put16(pseudo + 10, (uint16_t)n);
    put16(field, 0);
    uint16_t c = (uint16_t)~sum16(l4, n, sum16(pseudo, sizeof(pseudo), 0));
    /* In UDP 0 means "no checksum"; a computed 0 is sent as its twin. */
    put16(field, p.kind == LAN_PKT_UDP && c == 0 ? 0xffff : c);
    return 0;
}

static int parse_arp(const uint8_t *a, size_t len, struct lan_pkt *out)
{
    /* htype 1 (Ethernet), ptype IPv4, hlen 6, plen 4 */
    if (len < 28)
        return -EINVAL;
    if (get16(a) != 1 || get16(a + 2) != ETHERTYPE_IPV4 || a[4] != 6 || a[5] != 4)
        return 0;
    uint16_t op = get16(a + 6);
    memcpy(out->src_mac, a + 8, 6);
    out->src_ip = get32(a + 14);
    out->dst_ip = get32(a + 24);
    if (op == 1)
        out->kind = LAN_PKT_ARP_REQUEST;
    else if (op == 2)
        out->kind = LAN_PKT_ARP_REPLY;
    return 0;
}

static int parse_ipv4(const uint8_t *ip, size_t len, struct lan_pkt *out)
{
    if (len < 20 || ip[0] >> 4 != 4)
        return -EINVAL;
    size_t ihl = (size_t)(ip[0] & 0x0f) * 4, total = get16(ip + 2);
    if (ihl < 20 || total < ihl || total > len)
        return -EINVAL;
    out->ttl = ip[8];
    out->src_ip = get32(ip + 12);
    out->dst_ip = get32(ip + 16);
    /* Later fragments carry no transport header. */
    if (get16(ip + 6) & 0x1fff)
        return 0;
    const uint8_t *l4 = ip + ihl;
    size_t n = total - ihl;
    switch (ip[9]) {
    case PROTO_TCP:
        if (n < 20)
            return -EINVAL;
        out->kind = LAN_PKT_TCP;
        out->src_port = get16(l4);
        out->dst_port = get16(l4 + 2);
        out->tcp_flags = l4[13];
        break;
    case PROTO_UDP:
        if (n < 8)
            return -EINVAL;
        out->kind = LAN_PKT_UDP;
        out->src_port = get16(l4);
        out->dst_port = get16(l4 + 2);
        break;
    case PROTO_ICMP:
        if (n < 8)
            return -EINVAL;
        out->kind = LAN_PKT_ICMP;
        out->icmp_type = l4[0];
        out->icmp = l4;
        out->icmp_len = n;
        break;
    default:
        break;
    }
    return 0;
}

int lan_pkt_parse(const uint8_t *frame, size_t len, struct lan_pkt *out)
{
    memset(out, 0, sizeof(*out));
    if (len < ETH_HDR)
        return -EINVAL;
    memcpy(out->dst_mac, frame, 6);
    memcpy(out->src_mac, frame + 6, 6);
    size_t off = ETH_HDR;
    uint16_t type = get16(frame + 12);
    if (type == ETHERTYPE_VLAN_) {
        if (len < ETH_HDR + 4)
            return -EINVAL;
        type = get16(frame + 16);
        off += 4;
    }
    if (type == ETHERTYPE_ARP_)
        return parse_arp(frame + off, len - off, out);
    if (type == ETHERTYPE_IPV4)
        return parse_ipv4(frame + off, len - off, out);
    return 0;
}

bool lan_pkt_is_syn(const struct lan_pkt *p)
{
    return p->kind == LAN_PKT_TCP && (p->tcp_flags & (TCP_SYN | TCP_ACK)) == TCP_SYN;
}

bool lan_pkt_is_contact(const struct lan_pkt *p)
{
    return lan_pkt_is_syn(p) || p->kind == LAN_PKT_UDP ||
           (p->kind == LAN_PKT_ICMP && p->icmp_type == ICMP_ECHO_REQ);
}

void lan_pkt_arp_reply(const struct lan_pkt *req, const uint8_t mac[6],
                       uint8_t out[LAN_PKT_ARP_LEN])
{
    memcpy(out, req->src_mac, 6);
    memcpy(out + 6, mac, 6);
    put16(out + 12, ETHERTYPE_ARP_);
    uint8_t *a = out + ETH_HDR;
    put16(a, 1);
    put16(a + 2, ETHERTYPE_IPV4);
    a[4] = 6;
    a[5] = 4;
    put16(a + 6, 2);
    memcpy(a + 8, mac, 6);
    put32(a + 14, req->dst_ip);
    memcpy(a + 18, req->src_mac, 6);
    put32(a + 24, req->src_ip);
}

size_t lan_pkt_echo_reply(const struct lan_pkt *req, const uint8_t mac[6], uint32_t ip,
                          uint16_t ip_id, uint8_t out[LAN_PKT_MAX_ECHO])
{
    if (req->kind != LAN_PKT_ICMP || req->icmp_type != ICMP_ECHO_REQ || !req->icmp ||
        req->icmp_len < 8 || req->icmp_len > LAN_PKT_MAX_ECHO - ETH_HDR - 20)
        return 0;
    size_t total = 20 + req->icmp_len;
    memcpy(out, req->src_mac, 6);
    memcpy(out + 6, mac, 6);
    put16(out + 12, ETHERTYPE_IPV4);
    uint8_t *h = out + ETH_HDR;
    memset(h, 0, 20);
    h[0] = 0x45;
    put16(h + 2, (uint16_t)total);
    put16(h + 4, ip_id);
    put16(h + 6, 0x4000); /* DF, as Linux sends echo replies */
    h[8] = 64;
    h[9] = PROTO_ICMP;
    put32(h + 12, ip);
    put32(h + 16, req->src_ip);
    put16(h + 10, lan_pkt_checksum(h, 20));
    uint8_t *icmp = h + 20;
    memcpy(icmp, req->icmp, req->icmp_len);
    icmp[0] = ICMP_ECHO_REP;
    icmp[1] = 0;
    put16(icmp + 2, 0);
    put16(icmp + 2, lan_pkt_checksum(icmp, req->icmp_len));
    return ETH_HDR + total;
}
