/* lan packet: the frames the responder reads and writes on a LAN bridge, as
 * pure functions: parse an Ethernet frame into the few fields that matter
 * (ARP who-has, IPv4 with TCP, UDP or ICMP), and build ARP replies and ICMP
 * echo replies. Nothing here trusts a length it did not check. */
#ifndef KARAKURI_LAN_PACKET_H
#define KARAKURI_LAN_PACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LAN_PKT_ARP_LEN 42    /* Ethernet + ARP for IPv4 */
#define LAN_PKT_MAX_ECHO 1514 /* an echo reply never exceeds one frame */

enum lan_pkt_kind {
    LAN_PKT_OTHER,
    LAN_PKT_ARP_REQUEST, /* who-has target_ip tell src_ip */
    LAN_PKT_ARP_REPLY,
    LAN_PKT_TCP,
    LAN_PKT_UDP,
    LAN_PKT_ICMP,
};

struct lan_pkt {
    enum lan_pkt_kind kind;
    uint8_t src_mac[6], dst_mac[6];
    uint32_t src_ip, dst_ip; /* host byte order; ARP: sender and target */
    uint16_t src_port, dst_port;
    uint8_t tcp_flags;   /* TH_SYN, TH_ACK, … */
    uint8_t icmp_type;   /* ICMP_ECHO, … */
    const uint8_t *icmp; /* the ICMP message inside the frame */
    size_t icmp_len;
    uint8_t ttl;
};

/* 0 when frame is Ethernet carrying something of the above (kind may still be
 * LAN_PKT_OTHER); -EINVAL when truncated or malformed. */
int lan_pkt_parse(const uint8_t *frame, size_t len, struct lan_pkt *out)
    __attribute__((warn_unused_result));

/* True for a TCP segment that opens a connection (SYN without ACK). */
bool lan_pkt_is_syn(const struct lan_pkt *p);
/* True for what counts as a first contact with an address: a SYN, a UDP
 * datagram or an ICMP echo request. */
bool lan_pkt_is_contact(const struct lan_pkt *p);

/* The ARP reply "ip is-at mac" to the request req. out gets
 * LAN_PKT_ARP_LEN bytes. */
void lan_pkt_arp_reply(const struct lan_pkt *req, const uint8_t mac[6],
                       uint8_t out[LAN_PKT_ARP_LEN]);

/* The echo reply from (mac, ip) to the echo request req (any destination,
 * e.g. a broadcast), with the request's identifier, sequence and data.
 * Returns the frame's length, or 0 when req is not an echo request. */
size_t lan_pkt_echo_reply(const struct lan_pkt *req, const uint8_t mac[6], uint32_t ip,
                          uint16_t ip_id, uint8_t out[LAN_PKT_MAX_ECHO]);

/* The Internet checksum (RFC 1071) of n bytes. */
uint16_t lan_pkt_checksum(const void *data, size_t n);

/* Recomputes the TCP or UDP checksum of an IPv4 frame in place. A frame
 * captured on the sending host may carry only the partial sum that checksum
 * offload leaves for the device to finish; sent again as a whole frame it
 * would be dropped by its receiver. -EINVAL for anything else (ARP, ICMP,
 * fragments, malformed), left untouched. */
int lan_pkt_fix_checksum(uint8_t *frame, size_t len) __attribute__((warn_unused_result));

#endif
