/* config: karakuri's INI configuration. Every key has a built-in default, so
 * no file is needed; a file overrides single keys. Unknown sections and keys,
 * malformed lines and bad values are rejected with "FILE:LINE: [section] key:
 * reason". The list of keys lives in one table in config.c, which also
 * documents them (config_write, `karakuri config`).
 *
 * Lifecycle: config_init() → config_load()/config_parse() → use →
 * config_free(). Strings in struct config are owned by it. */
#ifndef KARAKURI_CONFIG_CONFIG_H
#define KARAKURI_CONFIG_CONFIG_H

#include "common/log.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Files larger than this are refused: a config is a few KiB. */
#define CONFIG_MAX_FILE_BYTES 1048576
#define CONFIG_MAX_LINE_BYTES 4096

enum config_honeynet_mode { CONFIG_MODE_PER_SOURCE, CONFIG_MODE_SHARED };

#define CONFIG_EGRESS_MAX 16
/* A port honeynet hosts may open off the machine ([containment] egress). */
struct config_egress {
    bool udp;
    uint16_t port;
};

#define CONFIG_SENSOR_DENY_MAX 64
enum config_sensor_open {
    CONFIG_SENSOR_OPEN_FIRST,
    CONFIG_SENSOR_OPEN_AFTER,
    CONFIG_SENSOR_OPEN_NEVER
};
/* Ports lo to hi inclusive ([sensor] deny). */
struct config_port_range {
    uint16_t lo, hi;
};

/* One struct per section, named, so that a module can be handed its own
 * section (const struct config_ssh *) rather than the whole configuration. */
struct config {
    char *path; /* the file loaded, NULL for built-in defaults only */
    struct config_general {
        char *sensor; /* this sensor's name in events; default: the host name */
        enum log_level log_level;
    } general;
    struct config_ssh {
        char *listen_host;
        uint16_t listen_port;
        char *version; /* identification string after "SSH-2.0-" */
        char *auth;    /* any | after:N | list:FILE (src/ssh/policy.h) */
        bool allow_root;
        long long login_grace_s;
        unsigned max_unauth;            /* unauthenticated connections, all sources */
        unsigned max_unauth_per_source; /* … from one address */
        unsigned max_sessions;          /* logged in, all sources */
        unsigned max_sessions_per_source;
    } ssh;
    struct config_store {
        char *dir;
        char *url; /* PostgreSQL ("" = none): events forwarded there, read from there */
        bool jsonl;
        unsigned queue_events;
        unsigned batch_events;
    } store;
    struct config_docker {
        char *host; /* "" = $DOCKER_HOST or unix:///var/run/docker.sock */
    } docker;
    struct config_honeynet {
        enum config_honeynet_mode mode;
        uint32_t lan_pool_net; /* host byte order */
        unsigned lan_pool_prefix;
        long long retention_s;
        unsigned max;            /* honeynets at once (per-source mode) */
        bool full_share;         /* past max: new sources share, instead of being refused */
        unsigned hosts;          /* planned hosts on each LAN besides the gateway */
        bool responder;          /* answer sweeps and start decoys on the LANs */
        bool hops;               /* LAN SSH steered through the front end (session.hop) */
        unsigned pool;           /* warm decoy containers kept ready */
        long long pool_quiet_s;  /* a honeynet this quiet gives back the pool grown for it */
        unsigned decoys_max;     /* live decoys per honeynet */
        unsigned decoys_total;   /* live decoys in all */
        unsigned chain_depth;    /* gateway → decoy → … hops */
        long long decoy_idle_s;  /* a decoy with no traffic this long is stopped */
        long long pcap_rotate_s; /* a LAN capture file is closed after this long */
        unsigned pcap_rotate_mb; /* … or this size */
        unsigned pcap_max_mb;    /* a LAN's capture in all; past it frames are counted */
    } honeynet;
    struct config_containment {
        long long memory_bytes; /* per container */
        long long swap_bytes;   /* on top of memory */
        long long disk_bytes;   /* written to its file system */
        unsigned inodes;        /* files and directories made in its file system */
        unsigned cpu_millis;    /* thousandths of a CPU */
        unsigned pids;
        unsigned nofile;
        bool no_new_privileges;
        unsigned extract_files; /* files per extraction; the rest are counted (file.truncated) */
        long long session_lifetime_s;
        long long honeynet_lifetime_s;
        struct config_egress egress[CONFIG_EGRESS_MAX];
        size_t negress;         /* 0: egress none */
        long long egress_bytes; /* per container */
        long long egress_rate;  /* bytes per second per container */
    } containment;
    struct config_capture {
        bool fetch;          /* the fetcher retrieves downloads itself (HTTP so far) */
        long long max_bytes; /* most of one download fetched, or of a file sent in */
        long long quota;     /* most a honeynet may fetch in all */
        /* with fetch: where names are resolved, "IPV4[:PORT]" ("" = the first
         * nameserver of the host's /etc/resolv.conf); parsed into resolver_ip
         * (host byte order, 0 for none) and resolver_port */
        char *resolver;
        uint32_t resolver_ip;
        uint16_t resolver_port;
    } capture;
    struct config_web {
        /* "ADDR:PORT" of the JSON API ("" = off); loopback only until TLS */
        char *listen;
    } web;
    struct config_sensor {
        char *interfaces; /* comma-separated names; "" = no sensor */
        enum config_sensor_open open;
        unsigned open_after; /* open = after:N */
        char *reply;         /* with C-like escapes (src/sensor/listen.h) */
        long long port_idle_s;
        unsigned max_open_ports;
        unsigned throttle; /* opens per throttle_window */
        long long throttle_window_s;
        unsigned queue; /* the NFQUEUE number */
        struct config_port_range deny[CONFIG_SENSOR_DENY_MAX];
        size_t ndeny;
    } sensor;
    struct config_images {
        char *mirror;
        char *gateway_suite;
        char *decoy_suite;
        char *gateway_image;
        char *decoy_image;
        char *workdir; /* "" = <store.dir>/images */
    } images;
};

/* Fills c with the built-in defaults. */
void config_init(struct config *c);
void config_free(struct config *c);

/* Overrides keys of c from INI text (len bytes, need not be NUL-terminated).
 * filename is used in error messages only. On failure returns -EINVAL and err
 * holds "FILE:LINE: reason"; c is then partly updated and should be freed. */
int config_parse(struct config *c, const char *text, size_t len, const char *filename, char *err,
                 size_t errlen) __attribute__((warn_unused_result));

/* Reads path and config_parse()s it; sets c->path. */
int config_load(struct config *c, const char *path, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* Writes the whole configuration as INI, every key with its documentation
 * and default. Returns 0 or -EIO. */
int config_write(const struct config *c, FILE *f) __attribute__((warn_unused_result));

/* "ADDR:PORT" or "[ADDR6]:PORT" into host (the address, no brackets) and
 * port. With loopback_only, any address but 127.0.0.0/8 and ::1 is refused:
 * a listener that serves the store in clear stays on this machine. Returns 0,
 * or -EINVAL with why saying what is wrong. */
#define CONFIG_HOST_LEN 46
int config_parse_hostport(const char *v, bool loopback_only, char host[CONFIG_HOST_LEN],
                          uint16_t *port, char *why, size_t n) __attribute__((warn_unused_result));

/* "90", "45s", "30m", "12h", "7d", "2w", or sums such as "1h30m" → seconds. */
int config_parse_duration(const char *s, long long *secs_out) __attribute__((warn_unused_result));

#endif
