/* sensor policy: probe counts per port (saturating), the deny and open
 * sets as bitmaps, the open ports as a small array (max_open entries; the
 * idle sweep walks it), the throttle as a ring of the last throttle_opens
 * open times: an open is allowed while the ring is not full or its oldest
 * time has left the window. */
#include "sensor/policy.h"

#include "common/xalloc.h"
#include "sensor/packet.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define NPORTS 65536

struct sensor_policy {
    struct sensor_policy_opts o;
    uint16_t *probes;         /* [2][NPORTS], saturating */
    uint8_t deny[NPORTS / 8]; /* the same for tcp and udp */
    uint8_t open[2][NPORTS / 8];
    struct sensor_port *ports; /* the open ones, nopen of max_open */
    unsigned nopen;
    long long *ring; /* throttle_opens times of the latest opens */
    unsigned ring_n, ring_at;
};

static int pidx(uint8_t proto)
{
    return proto == SENSOR_PROTO_UDP ? 1 : 0;
}

static bool bit(const uint8_t *map, uint16_t i)
{
    return map[i >> 3] & (1u << (i & 7));
}

static void set_bit(uint8_t *map, uint16_t i, bool on)
{
    if (on)
        map[i >> 3] |= (uint8_t)(1u << (i & 7));
    else
        map[i >> 3] &= (uint8_t) ~(1u << (i & 7));
}

int sensor_policy_new(const struct sensor_policy_opts *o, struct sensor_policy **out)
{
    if (!o || o->max_open < 1 || o->max_open > 2 * NPORTS || o->throttle_opens < 1 ||
        o->throttle_opens > 1000000 || o->throttle_window_ms < 1 || o->idle_ms < 1 ||
        (o->ndeny && !o->deny))
        return -EINVAL;
    for (size_t i = 0; i < o->ndeny; i++)
        if (o->deny[i].lo > o->deny[i].hi)
            return -EINVAL;
    struct sensor_policy *p = xcalloc(1, sizeof(*p));
    p->o = *o;
    p->o.deny = NULL;
    p->o.ndeny = 0;
    for (size_t i = 0; i < o->ndeny; i++)
        for (unsigned port = o->deny[i].lo; port <= o->deny[i].hi; port++)
            set_bit(p->deny, (uint16_t)port, true);
    p->probes = xcalloc((size_t)2 * NPORTS, sizeof(*p->probes));
    p->ports = xcalloc(o->max_open, sizeof(*p->ports));
    p->ring = xcalloc(o->throttle_opens, sizeof(*p->ring));
    *out = p;
    return 0;
}

void sensor_policy_free(struct sensor_policy *p)
{
    if (!p)
        return;
    free(p->probes);
    free(p->ports);
    free(p->ring);
    free(p);
}

static bool throttled(const struct sensor_policy *p, long long now_ms)
{
    if (p->ring_n < p->o.throttle_opens)
        return false;
    /* Full: ring_at is the oldest of the last throttle_opens opens. */
    return now_ms - p->ring[p->ring_at] < p->o.throttle_window_ms;
}

enum sensor_decision sensor_policy_probe(struct sensor_policy *p, uint8_t proto, uint16_t port,
                                         long long now_ms)
{
    uint16_t *count = &p->probes[pidx(proto) * NPORTS + port];
    if (*count < UINT16_MAX)
        (*count)++;
    if (bit(p->open[pidx(proto)], port))
        return SENSOR_DECIDE_IS_OPEN;
    if (p->o.mode == SENSOR_OPEN_NEVER)
        return SENSOR_DECIDE_NEVER;
    if (bit(p->deny, port))
        return SENSOR_DECIDE_DENY;
    if (p->o.mode == SENSOR_OPEN_AFTER && *count <= p->o.after)
        return SENSOR_DECIDE_COUNT;
    if (p->nopen >= p->o.max_open)
        return SENSOR_DECIDE_MAX;
    if (throttled(p, now_ms))
        return SENSOR_DECIDE_THROTTLE;
    return SENSOR_DECIDE_OPEN;
}

int sensor_policy_opened(struct sensor_policy *p, uint8_t proto, uint16_t port, long long now_ms)
{
    if (bit(p->open[pidx(proto)], port))
        return -EEXIST;
    if (p->nopen >= p->o.max_open)
        return -ENOSPC;
    set_bit(p->open[pidx(proto)], port, true);
    p->ports[p->nopen++] = (struct sensor_port){proto, port, now_ms, now_ms};
    p->ring[p->ring_at] = now_ms;
    p->ring_at = (p->ring_at + 1) % p->o.throttle_opens;
    if (p->ring_n < p->o.throttle_opens)
        p->ring_n++;
    return 0;
}

bool sensor_policy_is_open(const struct sensor_policy *p, uint8_t proto, uint16_t port)
{
    return bit(p->open[pidx(proto)], port);
}

void sensor_policy_touch(struct sensor_policy *p, uint8_t proto, uint16_t port, long long now_ms)
{
    if (!bit(p->open[pidx(proto)], port))
        return;
    for (unsigned i = 0; i < p->nopen; i++)
        if (p->ports[i].proto == proto && p->ports[i].port == port) {
            if (now_ms > p->ports[i].last_ms)
                p->ports[i].last_ms = now_ms;
            return;
        }
}

size_t sensor_policy_expire(struct sensor_policy *p, long long now_ms, struct sensor_port *out,
                            size_t n)
{
    size_t got = 0;
    for (unsigned i = 0; i < p->nopen && got < n;) {
        if (now_ms - p->ports[i].last_ms < p->o.idle_ms) {
            i++;
            continue;
        }
        out[got++] = p->ports[i];
        set_bit(p->open[pidx(p->ports[i].proto)], p->ports[i].port, false);
        p->ports[i] = p->ports[--p->nopen];
    }
    return got;
}

unsigned sensor_policy_open_count(const struct sensor_policy *p)
{
    return p->nopen;
}

const char *sensor_decision_name(enum sensor_decision d)
{
    static const char *const names[] = {"open",  "is_open", "never",   "deny",
                                        "count", "max",     "throttle"};
    return (unsigned)d < sizeof(names) / sizeof(names[0]) ? names[d] : "?";
}
