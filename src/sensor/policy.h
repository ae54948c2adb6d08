/* sensor policy: which probed ports open (pure: state + probe + time →
 * decision). A port opens at its first probe (or after N probes, or
 * never), unless denied, past max_open ports open at once, or past the
 * throttle: at most throttle_opens opens in any throttle_window_ms (a
 * sliding window over the last opens' times, dionaea-style), so a full scan
 * opens a bounded number of listeners. An open port not touched for idle_ms
 * is handed back by sensor_policy_expire to be closed.
 *
 * Lifecycle: sensor_policy_new → probe / opened / touch / expire →
 * sensor_policy_free. Not thread-safe: one owner (the sensor thread). */
#ifndef KARAKURI_SENSOR_POLICY_H
#define KARAKURI_SENSOR_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum sensor_open_mode { SENSOR_OPEN_FIRST, SENSOR_OPEN_AFTER, SENSOR_OPEN_NEVER };

struct sensor_port_range {
    uint16_t lo, hi; /* inclusive */
};

struct sensor_policy_opts {
    enum sensor_open_mode mode;
    unsigned after;                       /* SENSOR_OPEN_AFTER: the port opens at probe after+1 */
    const struct sensor_port_range *deny; /* borrowed during new only */
    size_t ndeny;
    unsigned max_open;            /* ports open at once, tcp and udp together (≥ 1) */
    unsigned throttle_opens;      /* opens per window (≥ 1) */
    long long throttle_window_ms; /* (≥ 1) */
    long long idle_ms;            /* an open port untouched this long closes */
};

enum sensor_decision {
    SENSOR_DECIDE_OPEN,     /* open it (then call sensor_policy_opened) */
    SENSOR_DECIDE_IS_OPEN,  /* already open (another address may need a socket) */
    SENSOR_DECIDE_NEVER,    /* open = never */
    SENSOR_DECIDE_DENY,     /* in the deny list */
    SENSOR_DECIDE_COUNT,    /* open = after:N, not yet N probes */
    SENSOR_DECIDE_MAX,      /* max_open ports already open */
    SENSOR_DECIDE_THROTTLE, /* too many opens in the window */
};

/* A port: proto is SENSOR_PROTO_TCP or SENSOR_PROTO_UDP (packet.h). */
struct sensor_port {
    uint8_t proto;
    uint16_t port;
    long long opened_ms, last_ms;
};

struct sensor_policy;

/* -EINVAL for bad opts. */
int sensor_policy_new(const struct sensor_policy_opts *o, struct sensor_policy **out)
    __attribute__((warn_unused_result));
void sensor_policy_free(struct sensor_policy *p);

/* A probe of proto/port at now_ms: counted, and decided. */
enum sensor_decision sensor_policy_probe(struct sensor_policy *p, uint8_t proto, uint16_t port,
                                         long long now_ms);
/* The port was opened (after SENSOR_DECIDE_OPEN): counted open and in the
 * throttle's window. -ENOSPC past max_open, -EEXIST when already open. */
int sensor_policy_opened(struct sensor_policy *p, uint8_t proto, uint16_t port, long long now_ms)
    __attribute__((warn_unused_result));
bool sensor_policy_is_open(const struct sensor_policy *p, uint8_t proto, uint16_t port);
/* Traffic on an open port: its idle time starts again. */
void sensor_policy_touch(struct sensor_policy *p, uint8_t proto, uint16_t port, long long now_ms);
/* Open ports idle for idle_ms at now_ms: up to n of them removed from the
 * open set and copied to out. Returns how many. */
size_t sensor_policy_expire(struct sensor_policy *p, long long now_ms, struct sensor_port *out,
                            size_t n);
unsigned sensor_policy_open_count(const struct sensor_policy *p);
/* "open", "is_open", "never", "deny", "count", "max", "throttle". */
const char *sensor_decision_name(enum sensor_decision d);

#endif
