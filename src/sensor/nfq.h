/* sensor nfq: the sensor's end of one NFQUEUE (libnetfilter_queue over
 * libmnl). The queue is bound fail-open (NFQA_CFG_F_FAIL_OPEN: past its
 * length packets pass instead of being dropped) and copies only the first
 * SENSOR_NFQ_COPY bytes of a packet (headers are all the sensor reads);
 * NETLINK_NO_ENOBUFS keeps a burst from failing the socket. The rules that
 * feed it (rules.h) carry --queue-bypass, so with the process gone packets
 * pass as well.
 *
 * Lifecycle: sensor_nfq_open → sensor_nfq_fd polled, sensor_nfq_dispatch
 * on POLLIN → sensor_nfq_close. One thread. */
#ifndef KARAKURI_SENSOR_NFQ_H
#define KARAKURI_SENSOR_NFQ_H

#include <stddef.h>
#include <stdint.h>

#define SENSOR_NFQ_COPY 256
#define SENSOR_NFQ_MAXLEN 4096

struct sensor_nfq;

/* What to do with a held packet. */
enum sensor_verdict { SENSOR_ACCEPT, SENSOR_DROP };

/* Called for each held packet (pkt: from its network header, len bytes,
 * borrowed for the call; indev: the interface index it came in on). */
typedef enum sensor_verdict (*sensor_nfq_fn)(void *ud, const uint8_t *pkt, size_t len,
                                             uint32_t indev);

int sensor_nfq_open(uint16_t queue, struct sensor_nfq **out, char *err, size_t errlen)
    __attribute__((warn_unused_result));
int sensor_nfq_fd(const struct sensor_nfq *q);
/* Reads what is queued (non-blocking) and gives every packet a verdict
 * from fn. Returns how many packets, or a negative errno. */
int sensor_nfq_dispatch(struct sensor_nfq *q, sensor_nfq_fn fn, void *ud)
    __attribute__((warn_unused_result));
/* Unbinds and closes. NULL is fine. */
void sensor_nfq_close(struct sensor_nfq *q);

#endif
