/* fetch get: with [capture] fetch = yes, the fetcher retrieves what a
 * honeynet host asked for from the host's side (libcurl), so that the file
 * is kept and the intruder's chain goes on. Never to an address of the
 * host's own, a network it is on, loopback, link-local, private, multicast
 * or the honeynet pool: each address libcurl would connect to (redirects
 * included) is checked before the socket exists. Caps: max_bytes of body
 * (the rest is not read: truncated), FETCH_GET_HEAD_MAX of headers, a time
 * cap, a slow-drip cap, HTTP(S)
 * and FTP only, at most FETCH_GET_REDIRECTS redirects. */
#ifndef KARAKURI_FETCH_GET_H
#define KARAKURI_FETCH_GET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FETCH_GET_REDIRECTS 5
#define FETCH_GET_TIMEOUT_S 60
/* Response headers, all of them (redirects included), past which a fetch is
 * given up. */
#define FETCH_GET_HEAD_MAX ((size_t)64 * 1024)
/* Slower than this for FETCH_GET_SLOW_S seconds is given up. */
#define FETCH_GET_SLOW_BYTES 512
#define FETCH_GET_SLOW_S 15

/* Whether the fetcher may connect to ip (host byte order): false for
 * 0/8, loopback, link-local, the private and shared ranges, multicast and
 * reserved, the honeynet pool (net/mask), the host's own addresses and the
 * networks its interfaces are on. Pure but for the last two, which the
 * caller gives (fetch_get_local). */
struct fetch_local {
    uint32_t net[32], mask[32]; /* the host's interfaces: address and netmask */
    size_t n;
};
bool fetch_addr_allowed(uint32_t ip, uint32_t pool_net, uint32_t pool_mask,
                        const struct fetch_local *local);
/* Reads the host's IPv4 interfaces (getifaddrs). */
void fetch_get_local(struct fetch_local *out);

/* What a response said of itself, given with its first body bytes. */
struct fetch_get_head {
    long status;
    const char *content_type; /* NULL: none */
    long long length;         /* Content-Length, -1 unknown */
};

struct fetch_get_req {
    const char *url;                 /* http://, https:// or ftp:// */
    const char *user_agent;          /* sent as the client sent it; NULL: none */
    const char *username, *password; /* FTP's, as the client gave them; NULL: none */
    uint32_t connect_ip;             /* the address the client meant (0: resolve the URL's host) */
    uint16_t connect_port;
    long long max_bytes;
    const char *dir;              /* where the body's unnamed file is made */
    uint32_t pool_net, pool_mask; /* honeynet addresses, never connected to */
    const struct fetch_local *local;
    volatile const bool *stop; /* set: give up (the fetcher stops) */
    /* When set: each piece of the body kept, as it comes (head: with the
     * first piece, NULL after), so that it can be passed on while fetched. */
    void (*pass)(void *ud, const struct fetch_get_head *head, const void *d, size_t n);
    void *pass_ud;
};

struct fetch_get_result {
    int fd;         /* the body, at offset 0; -1 when none */
    long long size; /* bytes of body kept */
    bool truncated; /* more than max_bytes was offered */
    long status;    /* the final response's code (HTTP), 226/150-ish for FTP, 0: none */
    char content_type[128];
    char ip[16];     /* where it was fetched from, "" when no connection was made */
    char error[256]; /* "" when a response came */
};

/* Fetches r->url. 0 with *out set (out->fd owned by the caller, even when
 * the status is not 200), or a negative errno with out->error saying why
 * (and out->status, out->ip as far as it got; out->fd -1). */
int fetch_get(const struct fetch_get_req *r, struct fetch_get_result *out);

#endif
