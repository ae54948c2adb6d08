/* fetch tftp: what the fetcher sends a TFTP client, and where the client
 * meant its request to go, as pure functions (fuzzed).
 *
 * A redirected TCP connection tells its original destination through
 * SO_ORIGINAL_DST; a UDP socket cannot (the kernel answers that for TCP
 * and SCTP only), so the fetcher reads it from the connection tracking
 * table (/proc/net/nf_conntrack), whose lines this parses. */
#ifndef KARAKURI_FETCH_TFTP_H
#define KARAKURI_FETCH_TFTP_H

#include <stddef.h>
#include <stdint.h>

/* The most of /proc/net/nf_conntrack the fetcher reads for one request. */
#define FETCH_CONNTRACK_MAX (4u << 20)

/* A TFTP ERROR packet (opcode 5) with code and msg; its length, or 0 when
 * it does not fit in cap. */
size_t fetch_tftp_error(uint8_t *out, size_t cap, unsigned code, const char *msg);

/* In conntrack's text (len bytes), the UDP entry whose original direction
 * is from src:sport and whose reply comes from local_port (the fetcher's:
 * the entry was redirected to it). 0 with *dst, *dport set (host byte
 * order) to where src sent it; -ENOENT when there is no such entry. */
int fetch_conntrack_origdst(const char *text, size_t len, uint32_t src, uint16_t sport,
                            uint16_t local_port, uint32_t *dst, uint16_t *dport)
    __attribute__((warn_unused_result));

#endif
