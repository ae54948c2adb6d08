/* sensor listen: the listeners of opened ports and their connections, on
 * the sensor thread's epoll (first slice: in-process; a separate
 * unprivileged process is issue 16's goal). A TCP listener bound to the
 * probed address and port answers every connection with the reply at once,
 * then reads what the peer sends up to SENSOR_PAYLOAD_MAX bytes or
 * SENSOR_READ_MS, whichever comes first, and reports it (one report per
 * connection, empty ones too). A UDP socket reports every datagram and
 * answers with the reply cut to the datagram's size (never an amplifier),
 * at most SENSOR_UDP_REPLIES a second to one source.
 *
 * Caps: SENSOR_CONN_MAX connections at once, SENSOR_CONN_PER_SOURCE from
 * one address (past them a connection is closed at once, still reported);
 * SENSOR_SOCKETS_MAX listening sockets.
 *
 * Lifecycle: sensor_listen_new → open / ready / tick / close_port →
 * sensor_listen_free. One thread. */
#ifndef KARAKURI_SENSOR_LISTEN_H
#define KARAKURI_SENSOR_LISTEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SENSOR_PAYLOAD_MAX 65536
#define SENSOR_READ_MS 5000
#define SENSOR_CONN_MAX 256
#define SENSOR_CONN_PER_SOURCE 16
#define SENSOR_SOCKETS_MAX 4096
#define SENSOR_REPLY_MAX 4096
#define SENSOR_UDP_REPLIES 5

/* What one connection or datagram brought. Borrowed for the callback. */
struct sensor_payload {
    int family;
    uint8_t proto;
    uint8_t src[16], dst[16];
    uint16_t src_port, dst_port;
    const uint8_t *data; /* never NULL */
    size_t len;
    bool truncated; /* more was sent than SENSOR_PAYLOAD_MAX */
    bool refused;   /* over a connection cap: closed at once */
};

typedef void (*sensor_payload_fn)(void *ud, const struct sensor_payload *pl);

struct sensor_listen_opts {
    const uint8_t *reply; /* copied */
    size_t reply_len;     /* ≤ SENSOR_REPLY_MAX */
    long long read_ms;    /* 0: SENSOR_READ_MS */
    sensor_payload_fn fn;
    void *ud;
};

struct sensor_listeners;

/* epfd is borrowed: every socket is added to it with its own tag as
 * data.ptr, to be handed back to sensor_listen_ready. */
int sensor_listen_new(int epfd, const struct sensor_listen_opts *o, struct sensor_listeners **out)
    __attribute__((warn_unused_result));
void sensor_listen_free(struct sensor_listeners *l);

/* Binds proto (SENSOR_PROTO_TCP/UDP) on addr:port (family AF_INET or
 * AF_INET6, addr as in struct sensor_pkt; ifindex for a link-local IPv6
 * address) and listens. -EEXIST when already bound here, -ENOSPC past
 * SENSOR_SOCKETS_MAX, or the socket call's error. */
int sensor_listen_open(struct sensor_listeners *l, int family, uint8_t proto,
                       const uint8_t addr[16], uint16_t port, uint32_t ifindex)
    __attribute__((warn_unused_result));
bool sensor_listen_has(const struct sensor_listeners *l, int family, uint8_t proto,
                       const uint8_t addr[16], uint16_t port);
/* Closes every listening socket of proto/port (connections on it finish).
 * Returns how many. */
unsigned sensor_listen_close_port(struct sensor_listeners *l, uint8_t proto, uint16_t port);
/* A tag from epoll (data.ptr) that is not the caller's own. */
void sensor_listen_ready(struct sensor_listeners *l, void *tag, uint32_t events, long long now_ms);
/* Ends connections past their deadline. */
void sensor_listen_tick(struct sensor_listeners *l, long long now_ms);
unsigned sensor_listen_connections(const struct sensor_listeners *l);

/* [sensor] reply's text to bytes: \r \n \t \0 \\ \" and \xHH; anything else
 * after a backslash is -EINVAL, so is more than cap bytes. Pure. */
int sensor_reply_unescape(const char *s, uint8_t *out, size_t cap, size_t *len)
    __attribute__((warn_unused_result));

#endif
