/* sensor: the dynamic-port sensor of issue 16 (first slice: one host, one
 * thread). A TCP SYN or first UDP datagram reaching [sensor] interfaces for
 * a port with no socket is held in NFQUEUE (rules.h, nfq.h), parsed
 * (packet.h) and recorded (port.probe); when the policy (policy.h) opens
 * the port, a listener is bound on the probed address and port (listen.h)
 * before the packet is released, so the very first connection or datagram
 * reaches it (port.opened). Every connection and datagram a listener gets
 * is a port.payload (size, md5, sha256, base64); a port idle for
 * [sensor] port_idle is closed (port.closed). Every held packet is
 * accepted: a port that does not open answers as a closed port does (RST,
 * ICMP port unreachable).
 *
 * Lifecycle: sensor_start (rules installed last, once the queue is bound
 * and the thread runs) → sensor_stop (rules removed first). */
#ifndef KARAKURI_SENSOR_SENSOR_H
#define KARAKURI_SENSOR_SENSOR_H

#include <stddef.h>

struct config;
struct event_pipeline;
struct sensor;

/* cfg and p are borrowed (they outlive the sensor). [sensor] interfaces
 * must be set. */
int sensor_start(const struct config *cfg, struct event_pipeline *p, struct sensor **out, char *err,
                 size_t errlen) __attribute__((warn_unused_result));
/* Removes the rules, stops the thread, closes every listener. NULL is
 * fine. */
void sensor_stop(struct sensor *s);

#endif
