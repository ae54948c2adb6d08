/* netsrv: the thread of a small server that the firewall redirects honeynet
 * flows to (the fetcher, fetch/server.h; the resolver, dns/server.h): one UDP
 * socket and one listening TCP socket on one port of every address (the
 * firewall lets only redirected flows reach it), and up to conn_max
 * connections, each with a deadline. Connections not from the pool, with
 * no original destination (SO_ORIGINAL_DST: no conntrack entry), past
 * conn_max or past per_source from one address are closed at accept,
 * datagrams not from the pool dropped; conntrack gives any connection's
 * original destination, NATed or not, so the module's accept refuses one
 * that was not redirected by its port (the server's own); the module decides about the
 * rest and does its own reading and answering in the callbacks, all on the thread.
 *
 * Lifecycle: netsrv_start → (thread: callbacks) → netsrv_stop (closes every
 * connection through ops->closed). */
#ifndef KARAKURI_COMMON_NETSRV_H
#define KARAKURI_COMMON_NETSRV_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct netsrv;

#define NETSRV_CONN_MAX 64
/* The longest datagram read (a longer one is cut); 32 are read per wake-up,
 * the rest wait for the next. */
#define NETSRV_DGRAM_MAX 1500

struct netsrv_conn {
    int fd;
    uint32_t peer, dst; /* host byte order; dst: where the client meant it to go */
    uint16_t peer_port, dst_port;
    long long deadline_ms;
    void *state; /* the module's */
};

struct netsrv_ops {
    /* A new connection: 0 to keep it (c->state set when it needs any),
     * negative to close it. May send a greeting. */
    int (*accept)(void *ud, struct netsrv_conn *c);
    /* c->fd is readable (or closed by the peer): nonzero when done with it
     * (c->fd set to -1 first when the module keeps the descriptor). */
    int (*input)(void *ud, struct netsrv_conn *c);
    /* c is about to be closed (done, timed out, the server stopping): frees
     * c->state. */
    void (*closed)(void *ud, struct netsrv_conn *c);
    /* A datagram of n bytes from the pool, to the UDP socket fd (where
     * answers go back from). */
    void (*datagram)(void *ud, int fd, const uint8_t *p, size_t n, const struct sockaddr_in *from);
};

struct netsrv_options {
    const char *name; /* for the log: "fetcher", "resolver" */
    uint16_t port;
    uint32_t pool_net; /* where clients may come from: pool_net/pool_prefix */
    unsigned pool_prefix;
    size_t conn_max; /* at most NETSRV_CONN_MAX */
    size_t per_source;
    int conn_ms;
};

/* o, ops and ud are borrowed for the server's life. */
int netsrv_start(const struct netsrv_options *o, const struct netsrv_ops *ops, void *ud,
                 struct netsrv **out, char *err, size_t errlen) __attribute__((warn_unused_result));
/* Stops the thread and closes every connection. NULL is fine. */
void netsrv_stop(struct netsrv *s);

#endif
