/* fetch tlsrelay: with [capture] fetch = yes, an HTTPS connection of a
 * honeynet host relayed, bytes unread, to where it was meant to go (or,
 * for a made-up address of karakuri's resolver, to what its SNI names on
 * the host's side), so the intruder's chain goes on. Nothing is
 * decrypted. Before the relay the server's certificate is asked for on a
 * connection of the fetcher's own, with the same SNI (TLS 1.3 sends it
 * encrypted, so it cannot be read off the relayed bytes). Same address
 * rule as fetch/get.h; caps: max_bytes from the server, FETCH_GET_TIMEOUT_S
 * in all, FETCH_TLS_IDLE_S without a byte either way. */
#ifndef KARAKURI_FETCH_TLSRELAY_H
#define KARAKURI_FETCH_TLSRELAY_H

#include "fetch/get.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FETCH_TLS_IDLE_S 20

struct fetch_tls_relay_req {
    int client;           /* the honeynet host's connection (borrowed) */
    const uint8_t *first; /* what it sent so far (its ClientHello) */
    size_t first_len;
    uint32_t dst; /* host byte order; 0: look sni up */
    uint16_t dst_port;
    const char *sni;     /* "" none */
    long long max_bytes; /* from the server to the client */
    uint32_t pool_net, pool_mask;
    const struct fetch_local *local;
    volatile const bool *stop;
};

struct fetch_tls_cert {
    bool got;
    char subject[256], issuer[256], not_after[32];
    char sha256[65]; /* of the DER, lower-case hex */
    char san[256];   /* DNS names, comma-separated, cut to fit */
};

struct fetch_tls_relay_result {
    long long up, down; /* bytes relayed: client to server, server to client */
    bool relayed;       /* the server was connected to */
    bool truncated;     /* the server sent more than max_bytes */
    char ip[16];        /* where it was relayed to, "" none */
    char error[128];    /* "" when it ended by itself */
    struct fetch_tls_cert cert;
};

/* Relays until either side closes or a cap is reached. 0, or a negative
 * errno with out->error saying why (nothing relayed). */
int fetch_tls_relay(const struct fetch_tls_relay_req *r, struct fetch_tls_relay_result *out);

#endif
