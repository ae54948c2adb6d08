/* fetch tftpx: TFTP transfers with [capture] fetch = yes. A read request
 * is fetched by a job (fetch/job.h); meanwhile the client's repeated
 * requests are ignored; once it is here, its blocks of 512 bytes go to the
 * client from the fetcher's UDP socket (the redirect's reply: it seems to
 * come from the server's port 69), each after the ACK of the one before;
 * a repeated ACK has its block sent again. At most FETCH_TFTPX_MAX at
 * once; a transfer quiet for FETCH_TFTPX_IDLE_MS is dropped. Thread-safe
 * (the fetcher's thread and the jobs). */
#ifndef KARAKURI_FETCH_TFTPX_H
#define KARAKURI_FETCH_TFTPX_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define FETCH_TFTPX_MAX 32
#define FETCH_TFTPX_IDLE_MS 30000
/* TFTP's block numbers are 16 bits: 65535 blocks of 512 bytes at most. */
#define FETCH_TFTPX_BYTES_MAX (65535LL * 512 - 1)

struct fetch_tftpx;

struct fetch_tftpx *fetch_tftpx_new(void);
/* Closes every transfer's file; NULL is fine. */
void fetch_tftpx_free(struct fetch_tftpx *x);

/* A read request from peer:port. 0: a new transfer, to be fetched;
 * -EEXIST: one is already under way (a retransmitted request: nothing to
 * do); -EBUSY: too many at once. */
int fetch_tftpx_begin(struct fetch_tftpx *x, uint32_t peer, uint16_t port);
/* The fetch of peer:port's transfer is done: fd (taken; -1: nothing was
 * fetched, the client gets "File not found") holds size bytes; the first
 * block goes out through udp (borrowed). */
void fetch_tftpx_ready(struct fetch_tftpx *x, int udp, uint32_t peer, uint16_t port, int fd,
                       long long size);
/* An ACK of block from peer:port: the next block sent through udp (or the
 * same again for a repeated ACK). False when there is no such transfer. */
bool fetch_tftpx_ack(struct fetch_tftpx *x, int udp, uint32_t peer, uint16_t port, unsigned block);

#endif
