/* sensor packet: the packet NFQUEUE hands the sensor (an IPv4 or IPv6
 * datagram from its network header on, no link layer), parsed into what the
 * sensor decides on: protocol, addresses, ports, the TCP flags. Pure and
 * fuzzed; nothing here trusts a length field it has not checked against the
 * bytes actually given (a header's total length is only ever used to cut
 * the buffer shorter, never to read further). */
#ifndef KARAKURI_SENSOR_PACKET_H
#define KARAKURI_SENSOR_PACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* IPv6 extension headers walked before giving up (-ENOTSUP). */
#define SENSOR_PKT_MAX_EXT 8

#define SENSOR_PROTO_TCP 6
#define SENSOR_PROTO_UDP 17

struct sensor_pkt {
    int family;                  /* AF_INET or AF_INET6 */
    uint8_t proto;               /* SENSOR_PROTO_TCP or SENSOR_PROTO_UDP */
    uint8_t src[16], dst[16];    /* network byte order; IPv4 in the first 4 bytes */
    uint16_t src_port, dst_port; /* host byte order */
    uint8_t tcp_flags;           /* TCP only: TH_SYN, TH_ACK, … */
    size_t payload_len;          /* transport payload bytes present in the buffer */
};

/* 0 and *out filled when pkt is a whole TCP or UDP header over IPv4 or
 * IPv6 (a first fragment counts; the payload may be cut short by the
 * queue's copy range); -ENOTSUP for another protocol or a later fragment;
 * -EINVAL when truncated or malformed. *out is untouched on failure. */
int sensor_packet_parse(const uint8_t *pkt, size_t len, struct sensor_pkt *out)
    __attribute__((warn_unused_result));

/* True for a TCP segment opening a connection: SYN without ACK or RST. */
bool sensor_packet_is_syn(const struct sensor_pkt *p);

/* "tcp" or "udp". */
const char *sensor_proto_name(uint8_t proto);

/* p's source or destination address as text (INET6_ADDRSTRLEN bytes). */
void sensor_packet_addr(const struct sensor_pkt *p, bool dst, char out[46]);

#endif
