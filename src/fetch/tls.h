/* fetch tls: what a TLS client says first (its ClientHello), read on the
 * fetcher's side of a redirected HTTPS connection without decrypting
 * anything: the server name it asks for (SNI), its ALPN offer and the
 * versions it offers. Pure, capped, fuzzed (fetch_tls). */
#ifndef KARAKURI_FETCH_TLS_H
#define KARAKURI_FETCH_TLS_H

#include <stddef.h>
#include <stdint.h>

/* The first record is all that is read, and of it at most this much (a
 * ClientHello is a few hundred bytes to 2 KiB): a longer one is taken as
 * far as it was read. */
#define FETCH_TLS_READ_MAX 8192

struct fetch_tls_hello {
    unsigned record_version; /* 0x0301.. as in the record header */
    unsigned hello_version;  /* legacy_version of the ClientHello */
    unsigned best_version;   /* the highest of supported_versions, else hello_version */
    char sni[256];           /* host_name, "" when none; cut to fit */
    char alpn[128];          /* the protocols offered, comma-separated, cut to fit */
    unsigned ciphers;        /* how many cipher suites are offered */
};

/* Parses buf[0..len): 0 with out set; -EAGAIN when the first record is not
 * all there yet (and len < FETCH_TLS_READ_MAX); -EPROTO when it is not a TLS handshake record
 * holding a ClientHello. */
int fetch_tls_parse(const uint8_t *buf, size_t len, struct fetch_tls_hello *out)
    __attribute__((warn_unused_result));

/* A fatal alert (handshake_failure), as a server that will not talk
 * sends it: 7 bytes into out. */
void fetch_tls_alert(uint8_t out[7]);

#endif
