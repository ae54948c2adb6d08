/* sensor: the thread and the events (sensor.h). One epoll: the queue's
 * netlink socket, the listeners and their connections (listen.c's tags),
 * a one-second timer for deadlines and idle ports, the worker's stop fd.
 * Holding a packet costs one bind (and listen) before the verdict: no
 * hashing, no store write on that path. */
#include "sensor/sensor.h"

#include "common/log.h"
#include "common/util.h"
#include "common/worker.h"
#include "common/xalloc.h"
#include "config/config.h"
#include "event/event.h"
#include "sensor/listen.h"
#include "sensor/nfq.h"
#include "sensor/packet.h"
#include "sensor/policy.h"
#include "sensor/rules.h"
#include "sensor/scanq.h"

#include <errno.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

struct sensor {
    const struct config *cfg;
    struct event_pipeline *p;
    struct worker w;
    int epfd, timer_fd;
    struct sensor_nfq *q;
    struct sensor_policy *pol;
    struct sensor_listeners *ls;
    struct sensor_scanq *scq;
    char ifaces[SENSOR_IFACES_MAX][16];
    size_t nifaces;
    bool rules;
};

/* The tags of the sensor's own fds (listen.c's are its structs). */
static char tag_nfq, tag_timer, tag_stop;

static long long now_ms(void)
{
    return util_now_us() / 1000;
}

static void set_addr(json_t *ev, const char *key, int family, const uint8_t addr[16])
{
    char text[46];
    struct sensor_pkt tmp = {.family = family};
    memcpy(tmp.src, addr, 16);
    sensor_packet_addr(&tmp, false, text);
    json_object_set_new(ev, key, json_string(text));
}

static void emit_probe(struct sensor *s, const struct sensor_pkt *pk, const char *decision)
{
    json_t *ev = event_new(EVENT_PORT_PROBE);
    json_object_set_new(ev, "proto", json_string(sensor_proto_name(pk->proto)));
    set_addr(ev, "src_ip", pk->family, pk->src);
    json_object_set_new(ev, "src_port", json_integer(pk->src_port));
    set_addr(ev, "dst_ip", pk->family, pk->dst);
    json_object_set_new(ev, "dst_port", json_integer(pk->dst_port));
    json_object_set_new(ev, "decision", json_string(decision));
    (void)event_emit(s->p, ev);
}

static void emit_opened(struct sensor *s, const struct sensor_pkt *pk, long long bind_us)
{
    json_t *ev = event_new(EVENT_PORT_OPENED);
    json_object_set_new(ev, "proto", json_string(sensor_proto_name(pk->proto)));
    set_addr(ev, "dst_ip", pk->family, pk->dst);
    json_object_set_new(ev, "dst_port", json_integer(pk->dst_port));
    set_addr(ev, "src_ip", pk->family, pk->src);
    json_object_set_new(ev, "bind_us", json_integer(bind_us));
    (void)event_emit(s->p, ev);
}

/* The hex digest of md over data. */
static void digest(const EVP_MD *md, const uint8_t *data, size_t len, char *hex, size_t hexlen)
{
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned dl = 0;
    hex[0] = '\0';
    if (EVP_Digest(data, len, d, &dl, md, NULL) != 1)
        return;
    for (size_t i = 0; i < dl && 2 * i + 2 < hexlen; i++)
        snprintf(hex + (2 * i), hexlen - (2 * i), "%02x", d[i]);
}

static void on_payload(void *ud, const struct sensor_payload *pl)
{
    struct sensor *s = ud;
    char md5[33], sha[65];
    json_t *ev = event_new(EVENT_PORT_PAYLOAD);

    sensor_policy_touch(s->pol, pl->proto, pl->dst_port, now_ms());
    json_object_set_new(ev, "proto", json_string(sensor_proto_name(pl->proto)));
    set_addr(ev, "src_ip", pl->family, pl->src);
    json_object_set_new(ev, "src_port", json_integer(pl->src_port));
    set_addr(ev, "dst_ip", pl->family, pl->dst);
    json_object_set_new(ev, "dst_port", json_integer(pl->dst_port));
    json_object_set_new(ev, "size", json_integer((json_int_t)pl->len));
    digest(EVP_md5(), pl->data, pl->len, md5, sizeof(md5));
    digest(EVP_sha256(), pl->data, pl->len, sha, sizeof(sha));
    json_object_set_new(ev, "md5", json_string(md5));
    json_object_set_new(ev, "sha256", json_string(sha));
    char *b64 = xmalloc(4 * ((pl->len + 2) / 3) + 1);
    EVP_EncodeBlock((unsigned char *)b64, pl->data, (int)pl->len);
    json_object_set_new(ev, "base64", json_string(b64));
    free(b64);
    if (pl->truncated)
        json_object_set_new(ev, "truncated", json_true());
    if (pl->refused)
        json_object_set_new(ev, "refused", json_true());
    sensor_scanq_push(s->scq, ev, pl->data, pl->len);
}

static void emit_scanned(void *ud, json_t *ev)
{
    struct sensor *s = ud;
    (void)event_emit(s->p, ev);
}

/* A held packet: recorded, maybe a listener, always released. */
static enum sensor_verdict on_packet(void *ud, const uint8_t *pkt, size_t len, uint32_t indev)
{
    struct sensor *s = ud;
    struct sensor_pkt pk;

    if (sensor_packet_parse(pkt, len, &pk) < 0)
        return SENSOR_ACCEPT;
    if (pk.proto == SENSOR_PROTO_TCP && !sensor_packet_is_syn(&pk))
        return SENSOR_ACCEPT;
    long long t = now_ms();
    enum sensor_decision d = sensor_policy_probe(s->pol, pk.proto, pk.dst_port, t);
    const char *decision = sensor_decision_name(d);
    if (d == SENSOR_DECIDE_OPEN || d == SENSOR_DECIDE_IS_OPEN) {
        long long t0 = util_now_us();
        int rc = sensor_listen_open(s->ls, pk.family, pk.proto, pk.dst, pk.dst_port, indev);
        long long bind_us = util_now_us() - t0;
        if (rc < 0 && rc != -EEXIST) {
            char eb[96];
            LOG_DEBUG("sensor: cannot open %s/%u: %s", sensor_proto_name(pk.proto),
                      (unsigned)pk.dst_port, util_strerror(-rc, eb, sizeof(eb)));
            decision = "error";
        } else if (d == SENSOR_DECIDE_OPEN) {
            if (sensor_policy_opened(s->pol, pk.proto, pk.dst_port, t) == 0)
                emit_opened(s, &pk, bind_us);
        }
    }
    emit_probe(s, &pk, decision);
    return SENSOR_ACCEPT;
}

static void on_timer(struct sensor *s)
{
    uint64_t ticks;
    struct sensor_port idle[64];
    long long t = now_ms();

    if (read(s->timer_fd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
        LOG_DEBUG("sensor: timer read failed");
    sensor_listen_tick(s->ls, t);
    size_t n;
    while ((n = sensor_policy_expire(s->pol, t, idle, 64)) > 0) {
        for (size_t i = 0; i < n; i++) {
            (void)sensor_listen_close_port(s->ls, idle[i].proto, idle[i].port);
            json_t *ev = event_new(EVENT_PORT_CLOSED);
            json_object_set_new(ev, "proto", json_string(sensor_proto_name(idle[i].proto)));
            json_object_set_new(ev, "dst_port", json_integer(idle[i].port));
            json_object_set_new(ev, "reason", json_string("idle"));
            json_object_set_new(ev, "idle_s", json_integer((t - idle[i].last_ms) / 1000));
            (void)event_emit(s->p, ev);
        }
        if (n < 64)
            break;
    }
}

static void *sensor_main(void *arg)
{
    struct sensor *s = arg;
    struct epoll_event evs[64];
    bool warned = false;

    while (!worker_stopping(&s->w)) {
        int n = epoll_wait(s->epfd, evs, 64, 1000);
        if (n < 0 && errno != EINTR)
            break;
        for (int i = 0; i < n; i++) {
            void *tag = evs[i].data.ptr;
            if (tag == &tag_stop)
                return NULL;
            if (tag == &tag_timer) {
                on_timer(s);
            } else if (tag == &tag_nfq) {
                if (sensor_nfq_dispatch(s->q, on_packet, s) < 0 && !warned) {
                    LOG_WARN("sensor: reading the queue failed; held packets pass (fail-open)");
                    warned = true;
                }
            } else {
                sensor_listen_ready(s->ls, tag, evs[i].events, now_ms());
            }
        }
    }
    return NULL;
}

static int watch(struct sensor *s, int fd, void *tag)
{
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = tag};
    return epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

static int make_policy(const struct config *cfg, struct sensor_policy **out)
{
    const struct config_sensor *c = &cfg->sensor;
    struct sensor_port_range deny[CONFIG_SENSOR_DENY_MAX];
    for (size_t i = 0; i < c->ndeny; i++)
        deny[i] = (struct sensor_port_range){c->deny[i].lo, c->deny[i].hi};
    struct sensor_policy_opts o = {
        .mode = c->open == CONFIG_SENSOR_OPEN_NEVER   ? SENSOR_OPEN_NEVER
                : c->open == CONFIG_SENSOR_OPEN_AFTER ? SENSOR_OPEN_AFTER
                                                      : SENSOR_OPEN_FIRST,
        .after = c->open_after,
        .deny = deny,
        .ndeny = c->ndeny,
        .max_open = c->max_open_ports,
        .throttle_opens = c->throttle,
        .throttle_window_ms = c->throttle_window_s * 1000,
        .idle_ms = c->port_idle_s * 1000,
    };
    return sensor_policy_new(&o, out);
}

static int setup(struct sensor *s, char *err, size_t errlen)
{
    const struct config *cfg = s->cfg;
    uint8_t reply[SENSOR_REPLY_MAX];
    size_t reply_len = 0;
    char eb[128];
    int rc;

    int n = sensor_rules_ifaces(cfg->sensor.interfaces, s->ifaces, SENSOR_IFACES_MAX);
    if (n <= 0) {
        snprintf(err, errlen, "[sensor] interfaces: no interface named");
        return -EINVAL;
    }
    s->nifaces = (size_t)n;
    if (sensor_reply_unescape(cfg->sensor.reply, reply, sizeof(reply), &reply_len) < 0) {
        snprintf(err, errlen, "[sensor] reply: a bad escape, or over %d bytes", SENSOR_REPLY_MAX);
        return -EINVAL;
    }
    if ((rc = make_policy(cfg, &s->pol)) < 0) {
        snprintf(err, errlen, "[sensor]: bad policy settings");
        return rc;
    }
    s->epfd = epoll_create1(EPOLL_CLOEXEC);
    s->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    struct itimerspec its = {{1, 0}, {1, 0}};
    if (s->epfd < 0 || s->timer_fd < 0 || timerfd_settime(s->timer_fd, 0, &its, NULL) < 0) {
        rc = -errno;
        snprintf(err, errlen, "epoll/timerfd: %s", util_strerror(-rc, eb, sizeof(eb)));
        return rc;
    }
    if ((rc = sensor_scanq_start(emit_scanned, s, &s->scq)) < 0) {
        snprintf(err, errlen, "shellcode scan thread: %s", util_strerror(-rc, eb, sizeof(eb)));
        return rc;
    }
    struct sensor_listen_opts lo = {
        .reply = reply, .reply_len = reply_len, .fn = on_payload, .ud = s};
    if ((rc = sensor_listen_new(s->epfd, &lo, &s->ls)) < 0) {
        snprintf(err, errlen, "listeners: bad options");
        return rc;
    }
    if ((rc = sensor_nfq_open((uint16_t)cfg->sensor.queue, &s->q, err, errlen)) < 0)
        return rc;
    if ((rc = watch(s, sensor_nfq_fd(s->q), &tag_nfq)) < 0 ||
        (rc = watch(s, s->timer_fd, &tag_timer)) < 0) {
        snprintf(err, errlen, "epoll: %s", util_strerror(-rc, eb, sizeof(eb)));
        return rc;
    }
    return 0;
}

static void teardown(struct sensor *s)
{
    if (s->rules) {
        unsigned removed;
        char err[256];
        if (sensor_rules_remove(&removed, err, sizeof(err)) < 0)
            LOG_WARN("sensor: %s (karakuri cleanup removes them)", err);
    }
    worker_stop(&s->w);
    sensor_nfq_close(s->q);
    sensor_listen_free(s->ls);
    /* After the sensor thread: no payload is pushed any more. */
    sensor_scanq_stop(s->scq);
    sensor_policy_free(s->pol);
    if (s->timer_fd >= 0)
        close(s->timer_fd);
    if (s->epfd >= 0)
        close(s->epfd);
    free(s);
}

int sensor_start(const struct config *cfg, struct event_pipeline *p, struct sensor **out, char *err,
                 size_t errlen)
{
    char eb[128];
    struct sensor *s = xcalloc(1, sizeof(*s));
    s->cfg = cfg;
    s->p = p;
    s->epfd = s->timer_fd = -1;
    int rc = setup(s, err, errlen);
    if (rc < 0)
        goto fail;
    if ((rc = worker_start(&s->w, sensor_main, s)) < 0) {
        snprintf(err, errlen, "thread: %s", util_strerror(-rc, eb, sizeof(eb)));
        goto fail;
    }
    if ((rc = watch(s, s->w.stop_fd, &tag_stop)) < 0) {
        snprintf(err, errlen, "epoll: %s", util_strerror(-rc, eb, sizeof(eb)));
        goto fail;
    }
    /* Last: nothing is held before there is a thread to release it. */
    uint16_t skip[1] = {cfg->ssh.listen_port};
    if ((rc = sensor_rules_install(s->ifaces, s->nifaces, (uint16_t)cfg->sensor.queue, skip, 1, err,
                                   errlen)) < 0)
        goto fail;
    s->rules = true;
    *out = s;
    return 0;
fail:
    teardown(s);
    return rc;
}

void sensor_stop(struct sensor *s)
{
    if (s)
        teardown(s);
}
