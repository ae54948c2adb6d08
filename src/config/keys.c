/* keys: the key table, one row per key, and what goes by it: the defaults
 * (config_init), freeing (config_free) and writing the whole configuration
 * back, documented (config_write, `karakuri config`). The setters of keys
 * with a type of their own (listen, lan_pool, egress, ...) sit here with
 * their rows; the shared value types are types.c's. */
#include "config/config_int.h"

#include "common/util.h"
#include "common/xalloc.h"

#include <arpa/inet.h>
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The table's short names for the shared value types (types.c), so that a
 * row reads as it always has. */
#define set_string config_set_string
#define get_string config_get_string
#define set_name config_set_name
#define set_url config_set_url
#define set_nonempty config_set_nonempty
#define set_uint config_set_uint
#define get_uint config_get_uint
#define set_bool config_set_bool
#define get_bool config_get_bool
#define set_duration config_set_duration
#define get_duration config_get_duration
#define set_size config_set_size
#define get_size config_get_size
#define set_cpus config_set_cpus
#define get_cpus config_get_cpus

static int set_docker_host(struct config *c, const struct key *k, const char *v, char *why,
                           size_t n)
{
    if (*v && (strncmp(v, "unix://", 7) != 0 || v[7] != '/')) {
        snprintf(why, n, "expected unix:///path/to/docker.sock (or empty for $DOCKER_HOST)");
        return -EINVAL;
    }
    return set_string(c, k, v, why, n);
}

static int set_auth(struct config *c, const struct key *k, const char *v, char *why, size_t n)
{
    long long x;
    if (strcmp(v, "any") != 0 &&
        !(strncmp(v, "after:", 6) == 0 && util_parse_ll(v + 6, 0, 1000, &x) == 0) &&
        !(strncmp(v, "list:", 5) == 0 && v[5])) {
        snprintf(why, n, "expected any, after:N (N from 0 to 1000) or list:FILE");
        return -EINVAL;
    }
    return set_string(c, k, v, why, n);
}

static int set_log_level(struct config *c, const struct key *k, const char *v, char *why, size_t n)
{
    (void)k;
    if (log_level_parse(v, &c->general.log_level) < 0) {
        snprintf(why, n, "expected error, warn, info or debug");
        return -EINVAL;
    }
    return 0;
}

static void get_log_level(const struct config *c, const struct key *k, char *out, size_t n)
{
    static const char *const names[] = {"error", "warn", "info", "debug"};
    (void)k;
    snprintf(out, n, "%s", names[c->general.log_level]);
}

static int set_mode(struct config *c, const struct key *k, const char *v, char *why, size_t n)
{
    (void)k;
    if (strcmp(v, "per-source") == 0) {
        c->honeynet.mode = CONFIG_MODE_PER_SOURCE;
    } else if (strcmp(v, "shared") == 0) {
        c->honeynet.mode = CONFIG_MODE_SHARED;
    } else {
        snprintf(why, n, "expected per-source or shared");
        return -EINVAL;
    }
    return 0;
}

static void get_mode(const struct config *c, const struct key *k, char *out, size_t n)
{
    (void)k;
    snprintf(out, n, "%s", c->honeynet.mode == CONFIG_MODE_SHARED ? "shared" : "per-source");
}

/* ADDR:PORT or [V6ADDR]:PORT. */
static int set_full(struct config *c, const struct key *k, const char *v, char *why, size_t n)
{
    (void)k;
    if (strcmp(v, "refuse") == 0)
        c->honeynet.full_share = false;
    else if (strcmp(v, "share") == 0)
        c->honeynet.full_share = true;
    else {
        snprintf(why, n, "expected refuse or share");
        return -EINVAL;
    }
    return 0;
}

static void get_full(const struct config *c, const struct key *k, char *out, size_t n)
{
    (void)k;
    snprintf(out, n, "%s", c->honeynet.full_share ? "share" : "refuse");
}

/* "none", or "tcp/80,tcp/443,udp/53". */
static int set_egress(struct config *c, const struct key *k, const char *v, char *why, size_t n)
{
    (void)k;
    struct config_egress e[CONFIG_EGRESS_MAX] = {{0}};
    size_t ne = 0;
    if (strcmp(v, "none") != 0) {
        char copy[512];
        snprintf(copy, sizeof(copy), "%s", v);
        for (char *save = NULL, *t = strtok_r(copy, ",", &save); t;
             t = strtok_r(NULL, ",", &save)) {
            long long port;
            while (*t == ' ')
                t++;
            bool tcp = strncmp(t, "tcp/", 4) == 0, udp = strncmp(t, "udp/", 4) == 0;
            if ((!tcp && !udp) || util_parse_ll(t + 4, 1, 65535, &port) < 0 ||
                ne == CONFIG_EGRESS_MAX) {
                snprintf(why, n,
                         "expected none, or up to %d of tcp/PORT or udp/PORT, comma-separated",
                         CONFIG_EGRESS_MAX);
                return -EINVAL;
            }
            e[ne].udp = udp;
            e[ne++].port = (uint16_t)port;
        }
        if (ne == 0) {
            snprintf(why, n, "expected none, or tcp/PORT or udp/PORT, comma-separated");
            return -EINVAL;
        }
    }
    memcpy(c->containment.egress, e, ne * sizeof(e[0]));
    c->containment.negress = ne;
    return 0;
}

static void get_egress(const struct config *c, const struct key *k, char *out, size_t n)
{
    (void)k;
    size_t len = 0;
    snprintf(out, n, "none");
    for (size_t i = 0; i < c->containment.negress && len < n; i++)
        len += (size_t)snprintf(out + len, n - len, "%s%s/%u", i ? "," : "",
                                c->containment.egress[i].udp ? "udp" : "tcp",
                                (unsigned)c->containment.egress[i].port);
}

static int set_listen(struct config *c, const struct key *k, const char *v, char *why, size_t n)
{
    const char *colon = strrchr(v, ':');
    char host[INET6_ADDRSTRLEN + 2];
    unsigned char addr[sizeof(struct in6_addr)];
    long long port;
    (void)k;

    if (!colon || (size_t)(colon - v) >= sizeof(host) ||
        util_parse_ll(colon + 1, 0, 65535, &port) < 0) {
        snprintf(why, n, "expected ADDRESS:PORT such as 0.0.0.0:2222 or [::]:2222");
        return -EINVAL;
    }
    memcpy(host, v, (size_t)(colon - v));
    host[colon - v] = '\0';
    char *h = host;
    size_t hl = strlen(h);
    if (hl >= 2 && h[0] == '[' && h[hl - 1] == ']') {
        h[hl - 1] = '\0';
        h++;
        if (inet_pton(AF_INET6, h, addr) != 1) {
            snprintf(why, n, "'%s' is not an IPv6 address", h);
            return -EINVAL;
        }
    } else if (inet_pton(AF_INET, h, addr) != 1) {
        snprintf(why, n, "'%s' is not an IPv4 address (write IPv6 as [ADDR]:PORT)", h);
        return -EINVAL;
    }
    free(c->ssh.listen_host);
    c->ssh.listen_host = xstrdup(h);
    c->ssh.listen_port = (uint16_t)port;
    return 0;
}

static void get_listen(const struct config *c, const struct key *k, char *out, size_t n)
{
    (void)k;
    snprintf(out, n, strchr(c->ssh.listen_host, ':') ? "[%s]:%u" : "%s:%u", c->ssh.listen_host,
             c->ssh.listen_port);
}

/* [web] listen: empty (off) or a loopback ADDRESS:PORT (no TLS yet). */
static int set_web_listen(struct config *c, const struct key *k, const char *v, char *why, size_t n)
{
    char host[CONFIG_HOST_LEN];
    uint16_t port;
    if (*v && config_parse_hostport(v, true, host, &port, why, n) < 0)
        return -EINVAL;
    return set_string(c, k, v, why, n);
}

int config_parse_hostport(const char *v, bool loopback_only, char host[CONFIG_HOST_LEN],
                          uint16_t *port, char *why, size_t n)
{
    const char *colon = strrchr(v, ':');
    char h[CONFIG_HOST_LEN + 2];
    unsigned char addr[sizeof(struct in6_addr)];
    long long p;
    bool v6 = false;

    if (!colon || colon == v || (size_t)(colon - v) >= sizeof(h) ||
        util_parse_ll(colon + 1, 0, 65535, &p) < 0) {
        snprintf(why, n, "expected ADDRESS:PORT such as 127.0.0.1:8088 or [::1]:8088");
        return -EINVAL;
    }
    memcpy(h, v, (size_t)(colon - v));
    h[colon - v] = '\0';
    char *a = h;
    size_t hl = strlen(a);
    if (hl >= 2 && a[0] == '[' && a[hl - 1] == ']') {
        a[hl - 1] = '\0';
        a++;
        v6 = true;
    }
    if (inet_pton(v6 ? AF_INET6 : AF_INET, a, addr) != 1) {
        snprintf(why, n,
                 v6 ? "'%s' is not an IPv6 address"
                    : "'%s' is not an IPv4 address (write IPv6 as [ADDR]:PORT)",
                 a);
        return -EINVAL;
    }
    bool loopback =
        v6 ? memcmp(addr, &in6addr_loopback, sizeof(struct in6_addr)) == 0 : addr[0] == 127;
    if (loopback_only && !loopback) {
        snprintf(why, n,
                 "'%s' is not a loopback address: the web API serves in clear (no TLS yet), "
                 "so it listens on 127.0.0.1 or [::1] only (reach it over SSH port forwarding)",
                 a);
        return -EINVAL;
    }
    size_t al = strlen(a); /* < CONFIG_HOST_LEN: inet_pton took it */
    memcpy(host, a, al < CONFIG_HOST_LEN ? al + 1 : CONFIG_HOST_LEN);
    host[CONFIG_HOST_LEN - 1] = '\0';
    *port = (uint16_t)p;
    return 0;
}

static int set_lan_pool(struct config *c, const struct key *k, const char *v, char *why, size_t n)
{
    const char *slash = strchr(v, '/');
    char addr[INET_ADDRSTRLEN];
    long long prefix;

    if (!slash || (size_t)(slash - v) >= sizeof(addr) ||
        util_parse_ll(slash + 1, k->min, k->max, &prefix) < 0) {
        snprintf(why, n,
                 "expected an IPv4 CIDR with a prefix from /%lld to /%lld, such as "
                 "10.13.0.0/16",
                 k->min, k->max);
        return -EINVAL;
    }
    memcpy(addr, v, (size_t)(slash - v));
    addr[slash - v] = '\0';
    uint32_t net;
    if (util_ipv4_parse(addr, &net) < 0) {
        snprintf(why, n, "'%s' is not an IPv4 address", addr);
        return -EINVAL;
    }
    uint32_t mask = util_ipv4_mask(prefix);
    if (net & ~mask) {
        char start[UTIL_IPV4_LEN];
        util_ipv4_format(net & mask, start);
        snprintf(why, n, "host bits set: the network of %s/%lld starts at %s", addr, prefix, start);
        return -EINVAL;
    }
    c->honeynet.lan_pool_net = net;
    c->honeynet.lan_pool_prefix = (unsigned)prefix;
    return 0;
}

static void get_lan_pool(const struct config *c, const struct key *k, char *out, size_t n)
{
    char a[UTIL_IPV4_LEN];
    (void)k;
    util_ipv4_format(c->honeynet.lan_pool_net, a);
    snprintf(out, n, "%s/%u", a, c->honeynet.lan_pool_prefix);
}

/* [sensor] interfaces: comma-separated interface names ("" = no sensor). */
static int set_interfaces(struct config *c, const struct key *k, const char *v, char *why, size_t n)
{
    size_t count = 0;
    for (const char *at = v; *at;) {
        size_t l = strcspn(at, ",");
        bool ok = l > 0 && l < 16;
        for (size_t i = 0; ok && i < l; i++)
            ok = isalnum((unsigned char)at[i]) || strchr("._-@", at[i]);
        if (!ok || ++count > 8) {
            snprintf(why, n,
                     "expected up to 8 interface names (1 to 15 of A-Z a-z 0-9 . _ - @), "
                     "comma-separated, such as eth0,eth1");
            return -EINVAL;
        }
        at += l + (at[l] == ',');
    }
    return set_string(c, k, v, why, n);
}

/* [capture] resolver: empty (the host's /etc/resolv.conf) or IPV4[:PORT]. */
static int set_resolver(struct config *c, const struct key *k, const char *v, char *why, size_t n)
{
    char host[INET_ADDRSTRLEN + 1];
    struct in_addr a;
    uint32_t ip = 0;
    long long port = 53;
    if (*v) {
        const char *colon = strchr(v, ':');
        size_t hl = colon ? (size_t)(colon - v) : strlen(v);
        bool ok = hl < sizeof(host);
        if (ok) {
            memcpy(host, v, hl);
            host[hl] = '\0';
            ok = inet_pton(AF_INET, host, &a) == 1;
            ip = ok ? ntohl(a.s_addr) : 0;
            ok = ok && ip != 0 && ip != 0xffffffffu &&
                 (!colon || util_parse_ll(colon + 1, 1, 65535, &port) == 0);
        }
        if (!ok) {
            snprintf(why, n,
                     "expected an IPv4 address and an optional port such as 192.0.2.53 "
                     "or 192.0.2.53:5353 (empty: the host's /etc/resolv.conf)");
            return -EINVAL;
        }
    }
    c->capture.resolver_ip = ip;
    c->capture.resolver_port = (uint16_t)port;
    return set_string(c, k, v, why, n);
}

static int set_sensor_open(struct config *c, const struct key *k, const char *v, char *why,
                           size_t n)
{
    long long x = 0;
    (void)k;
    if (strcmp(v, "first") == 0) {
        c->sensor.open = CONFIG_SENSOR_OPEN_FIRST;
    } else if (strcmp(v, "never") == 0) {
        c->sensor.open = CONFIG_SENSOR_OPEN_NEVER;
    } else if (strncmp(v, "after:", 6) == 0 && util_parse_ll(v + 6, 0, 65535, &x) == 0) {
        c->sensor.open = CONFIG_SENSOR_OPEN_AFTER;
        c->sensor.open_after = (unsigned)x;
    } else {
        snprintf(why, n, "expected first, after:N (N from 0 to 65535) or never");
        return -EINVAL;
    }
    return 0;
}

static void get_sensor_open(const struct config *c, const struct key *k, char *out, size_t n)
{
    (void)k;
    if (c->sensor.open == CONFIG_SENSOR_OPEN_AFTER)
        snprintf(out, n, "after:%u", c->sensor.open_after);
    else
        snprintf(out, n, "%s", c->sensor.open == CONFIG_SENSOR_OPEN_NEVER ? "never" : "first");
}

/* [sensor] deny: ports and ranges, comma-separated ("23,25,6000-6063"). */
static int set_deny(struct config *c, const struct key *k, const char *v, char *why, size_t n)
{
    struct config_port_range r[CONFIG_SENSOR_DENY_MAX] = {{0, 0}};
    size_t nr = 0;
    char item[32];
    (void)k;
    for (const char *at = v; *at;) {
        size_t l = strcspn(at, ",");
        long long lo, hi;
        char *dash;
        if (l == 0 || l >= sizeof(item) || nr >= CONFIG_SENSOR_DENY_MAX)
            goto bad;
        memcpy(item, at, l);
        item[l] = '\0';
        dash = strchr(item, '-');
        if (dash)
            *dash = '\0';
        if (util_parse_ll(item, 1, 65535, &lo) < 0)
            goto bad;
        hi = lo;
        if (dash && (util_parse_ll(dash + 1, lo, 65535, &hi) < 0))
            goto bad;
        r[nr++] = (struct config_port_range){(uint16_t)lo, (uint16_t)hi};
        at += l + (at[l] == ',');
    }
    memcpy(c->sensor.deny, r, nr * sizeof(r[0]));
    c->sensor.ndeny = nr;
    return 0;
bad:
    snprintf(why, n,
             "expected up to %d ports or ranges (1 to 65535), comma-separated, such as "
             "23,25,6000-6063",
             CONFIG_SENSOR_DENY_MAX);
    return -EINVAL;
}

static void get_deny(const struct config *c, const struct key *k, char *out, size_t n)
{
    size_t len = 0;
    (void)k;
    out[0] = '\0';
    for (size_t i = 0; i < c->sensor.ndeny && len < n; i++) {
        const struct config_port_range *r = &c->sensor.deny[i];
        if (r->lo == r->hi)
            len += (size_t)snprintf(out + len, n - len, "%s%u", i ? "," : "", (unsigned)r->lo);
        else
            len += (size_t)snprintf(out + len, n - len, "%s%u-%u", i ? "," : "", (unsigned)r->lo,
                                    (unsigned)r->hi);
    }
}

#define OFF(member) offsetof(struct config, member)
#define STR(sec, name, member, def, set, doc)                                                      \
    {                                                                                              \
        sec, name, def, doc, set, get_string, OFF(member), 0, 0                                    \
    }

static const struct key KEYS[] = {
    STR("karakuri", "sensor", general.sensor, "", set_string,
        "name of this sensor in every event (empty: the host name)"),
    {"karakuri", "log_level", "info", "daemon log verbosity on stderr: error, warn, info, debug",
     set_log_level, get_log_level, 0, 0, 0},
    {"ssh", "listen", "0.0.0.0:2222", "address and port of the SSH front end", set_listen,
     get_listen, 0, 0, 0},
    STR("ssh", "version", ssh.version, "OpenSSH_8.4p1 Debian-5+deb11u3", set_nonempty,
        "identification string after SSH-2.0- (the gateway image's sshd says this one)"),
    STR("ssh", "auth", ssh.auth, "any", set_auth,
        "credentials accepted: any, after:N (the N+1st try of a source), or list:FILE "
        "(user:x:password lines, wildcards, !password refuses)"),
    {"ssh", "allow_root", "no", "accept logins as root", set_bool, get_bool, OFF(ssh.allow_root), 0,
     0},
    {"ssh", "login_grace", "120s", "time to log in before the connection is closed", set_duration,
     get_duration, OFF(ssh.login_grace_s), 1, 3600},
    {"ssh", "max_unauth", "100", "unauthenticated connections at once, all sources", set_uint,
     get_uint, OFF(ssh.max_unauth), 1, 100000},
    {"ssh", "max_unauth_per_source", "10", "unauthenticated connections at once from one address",
     set_uint, get_uint, OFF(ssh.max_unauth_per_source), 1, 100000},
    {"ssh", "max_sessions", "200", "logged-in sessions at once, all sources; past it logins fail",
     set_uint, get_uint, OFF(ssh.max_sessions), 1, 100000},
    {"ssh", "max_sessions_per_source", "32", "logged-in sessions at once from one address",
     set_uint, get_uint, OFF(ssh.max_sessions_per_source), 1, 100000},
    STR("store", "dir", store.dir, "./var", set_nonempty,
        "state directory: karakuri.db, karakuri.json, artifacts/"),
    STR("store", "url", store.url, "", set_string,
        "PostgreSQL to forward events to and read them from, postgresql://USER@HOST/DB "
        "(empty: the local SQLite only)"),
    {"store", "jsonl", "yes", "also write every event as a JSON line to <dir>/karakuri.json",
     set_bool, get_bool, OFF(store.jsonl), 0, 0},
    {"store", "queue_events", "65536",
     "events held in memory while the writer is busy; beyond that emitters wait, then drop",
     set_uint, get_uint, OFF(store.queue_events), 64, 16777216},
    {"store", "batch_events", "4096", "most events written in one transaction", set_uint, get_uint,
     OFF(store.batch_events), 1, 1048576},
    STR("docker", "host", docker.host, "", set_docker_host,
        "Docker engine socket, unix:///path (empty: $DOCKER_HOST or /var/run/docker.sock)"),
    {"honeynet", "mode", "per-source",
     "per-source: one honeynet per attacker address; shared: one for everyone", set_mode, get_mode,
     0, 0, 0},
    {"honeynet", "lan_pool", "10.13.0.0/16", "addresses for honeynet LANs, one /24 each",
     set_lan_pool, get_lan_pool, 0, 8, 24},
    {"honeynet", "retention", "7d",
     "how long a source's honeynet is kept for it to come back to, files and all", set_duration,
     get_duration, OFF(honeynet.retention_s), 10, 10LL * 366 * 86400},
    {"honeynet", "max", "64",
     "honeynets at once (per-source mode); what a new source gets past "
     "it is [honeynet] full",
     set_uint, get_uint, OFF(honeynet.max), 1, 4096},
    {"honeynet", "full", "refuse",
     "past [honeynet] max: refuse (logins fail, as on a busy server) or share (new sources go to "
     "the shared honeynet)",
     set_full, get_full, 0, 0, 0},
    {"honeynet", "hosts", "6",
     "hosts that exist on each honeynet LAN besides the gateway (a handful, never the subnet)",
     set_uint, get_uint, OFF(honeynet.hosts), 1, 32},
    {"honeynet", "responder", "yes",
     "answer ARP and ping sweeps of the LANs and start a decoy where the intruder connects",
     set_bool, get_bool, OFF(honeynet.responder), 0, 0},
    {"honeynet", "hops", "yes",
     "SSH from one LAN host to another goes through the front end, recorded as a session of its "
     "own",
     set_bool, get_bool, OFF(honeynet.hops), 0, 0},
    {"honeynet", "pool", "3", "decoy containers kept started and ready to take an address",
     set_uint, get_uint, OFF(honeynet.pool), 0, 64},
    {"honeynet", "pool_quiet", "2m",
     "the pool grows to what a swept honeynet's plan may still claim; this long after its last "
     "sweep or new contact it is back to [honeynet] pool",
     set_duration, get_duration, OFF(honeynet.pool_quiet_s), 1, 86400},
    {"honeynet", "decoys_max", "8", "live decoys on one honeynet; past it addresses stay empty",
     set_uint, get_uint, OFF(honeynet.decoys_max), 0, 250},
    {"honeynet", "decoys_total", "32", "live decoys on all honeynets together", set_uint, get_uint,
     OFF(honeynet.decoys_total), 0, 10000},
    {"honeynet", "chain_depth", "4",
     "hops of lateral movement followed (gateway → decoy is 1); deeper addresses stay empty",
     set_uint, get_uint, OFF(honeynet.chain_depth), 1, 64},
    {"honeynet", "decoy_idle", "30m", "a decoy with no LAN traffic this long is stopped",
     set_duration, get_duration, OFF(honeynet.decoy_idle_s), 5, 10LL * 366 * 86400},
    {"honeynet", "pcap_rotate", "10m", "a LAN capture file is stored and a new one begun after",
     set_duration, get_duration, OFF(honeynet.pcap_rotate_s), 1, 86400},
    {"honeynet", "pcap_rotate_mb", "16", "… or once it holds this many MiB", set_uint, get_uint,
     OFF(honeynet.pcap_rotate_mb), 1, 4096},
    {"honeynet", "pcap_max_mb", "1024",
     "MiB of LAN capture written per honeynet in all; past it frames are counted, not written",
     set_uint, get_uint, OFF(honeynet.pcap_max_mb), 1, 1 << 20},
    {"containment", "memory", "256M",
     "memory of each honeynet container (gateway or decoy); past it the kernel reclaims, then "
     "kills",
     set_size, get_size, OFF(containment.memory_bytes), 16LL << 20, 1LL << 40},
    {"containment", "swap", "0", "swap each container may use on top of its memory", set_size,
     get_size, OFF(containment.swap_bytes), 0, 1LL << 40},
    {"containment", "cpus", "0.5", "CPU time of each container, in CPUs", set_cpus, get_cpus,
     OFF(containment.cpu_millis), 10, 1024000},
    {"containment", "pids", "256", "processes and threads in each container (fork bombs stop here)",
     set_uint, get_uint, OFF(containment.pids), 16, 1000000},
    {"containment", "disk", "2G",
     "bytes a container may write to its file system; past it the container is stopped (its "
     "files kept for extraction)",
     set_size, get_size, OFF(containment.disk_bytes), 1LL << 20, 1LL << 40},
    {"containment", "inodes", "200000",
     "files a container may make (empty ones use no disk, but host inodes); past it it is stopped",
     set_uint, get_uint, OFF(containment.inodes), 100, 100000000},
    {"containment", "nofile", "4096", "open files per process in a container", set_uint, get_uint,
     OFF(containment.nofile), 64, 1048576},
    {"containment", "extract_files", "10000",
     "files extracted from a container at each extraction (empty ones count); past it the rest "
     "are counted in a file.truncated event",
     set_uint, get_uint, OFF(containment.extract_files), 1, 10000000},
    {"containment", "session_lifetime", "4h", "an SSH session is closed after this long",
     set_duration, get_duration, OFF(containment.session_lifetime_s), 10, 10LL * 366 * 86400},
    {"containment", "egress", "none",
     "what honeynet hosts may open off the machine: none, or tcp/PORT and udp/PORT, "
     "comma-separated; every attempt is an event either way",
     set_egress, get_egress, 0, 0, 0},
    {"containment", "egress_bytes", "10M",
     "with egress: bytes each container may send out; past it its traffic out is dropped", set_size,
     get_size, OFF(containment.egress_bytes), 1024, 1LL << 40},
    {"containment", "egress_rate", "128k",
     "with egress: bytes per second each container may send (tc tbf on its link)", set_size,
     get_size, OFF(containment.egress_rate), 1024, 1LL << 30},
    {"containment", "honeynet_lifetime", "30d",
     "a honeynet is removed this long after it was made, used or not (its sessions ended first)",
     set_duration, get_duration, OFF(containment.honeynet_lifetime_s), 10, 10LL * 366 * 86400},
    {"containment", "no_new_privileges", "no",
     "yes: set-user-ID programs gain nothing in a container (then passwd and crontab fail); no: "
     "the images keep only set-user-ID programs that give no root (images/server/setuid-allow), "
     "so a root shell comes only from credentials karakuri accepts either way",
     set_bool, get_bool, OFF(containment.no_new_privileges), 0, 0},
    {"capture", "fetch", "no",
     "downloads from honeynet hosts (HTTP on 80 and 8080, FTP on 21, TFTP on 69) go to karakuri's "
     "fetcher and are recorded (file.download); no: it answers that there is no such file (the "
     "tool fails at once); yes: it fetches HTTP, FTP and TFTP downloads itself from the host's "
     "side, keeps them and hands them over",
     set_bool, get_bool, OFF(capture.fetch), 0, 0},
    {"capture", "max_bytes", "32M",
     "the most of one file kept: a download fetched (with fetch), a file sent in over scp/sftp",
     set_size, get_size, OFF(capture.max_bytes), 1024, 1LL << 34},
    {"capture", "quota", "256M", "with fetch: the most one honeynet may fetch in all", set_size,
     get_size, OFF(capture.quota), 1024, 1LL << 40},
    STR("capture", "resolver", capture.resolver, "", set_resolver,
        "with fetch: the resolver that honeynet hosts' lookups are asked of for real, "
        "IPV4[:PORT] (empty: the first nameserver of this host's /etc/resolv.conf); "
        "with fetch = no nothing is asked of it"),
    STR("web", "listen", web.listen, "", set_web_listen,
        "address and port of the JSON API (empty: off), served by run; a loopback address only "
        "(TLS is not there yet); the token is in <store dir>/web.token"),
    STR("sensor", "interfaces", sensor.interfaces, "", set_interfaces,
        "the port sensor's public interfaces, comma-separated: a TCP SYN or first UDP datagram "
        "arriving there for a port with no socket is held (NFQUEUE), recorded (port.probe) and by "
        "[sensor] open given a listener (empty: no sensor)"),
    {"sensor", "open", "first",
     "when a probed port opens: first (at its first probe), after:N (at probe N+1), never (probes "
     "recorded only)",
     set_sensor_open, get_sensor_open, 0, 0, 0},
    STR("sensor", "reply", sensor.reply, "", set_string,
        "what a sensor listener answers to every connection and datagram (\\r \\n \\t \\\\ \\xHH "
        "escapes; a UDP reply is cut to the request's size)"),
    {"sensor", "port_idle", "1w", "an opened port with no traffic this long closes (port.closed)",
     set_duration, get_duration, OFF(sensor.port_idle_s), 1, 10LL * 366 * 86400},
    {"sensor", "max_open_ports", "1024", "ports the sensor keeps open at once (tcp and udp)",
     set_uint, get_uint, OFF(sensor.max_open_ports), 1, 131072},
    {"sensor", "throttle", "32", "the most ports opened in any [sensor] throttle_window", set_uint,
     get_uint, OFF(sensor.throttle), 1, 100000},
    {"sensor", "throttle_window", "1m", "the sliding window of [sensor] throttle", set_duration,
     get_duration, OFF(sensor.throttle_window_s), 1, 86400},
    {"sensor", "deny", "", "ports never opened, comma-separated ports and ranges (23,6000-6063)",
     set_deny, get_deny, 0, 0, 0},
    {"sensor", "queue", "3114", "the NFQUEUE number the sensor's rules hold packets in", set_uint,
     get_uint, OFF(sensor.queue), 0, 65535},
    STR("images", "mirror", images.mirror, "http://deb.debian.org/debian", set_url,
        "Debian mirror debootstrap fetches from"),
    STR("images", "gateway_suite", images.gateway_suite, "bullseye", set_name,
        "Debian suite of the gateway (bullseye: OpenSSH 8.4p1, mirrored by the SSH front end)"),
    STR("images", "decoy_suite", images.decoy_suite, "bookworm", set_name,
        "Debian suite of the decoys"),
    STR("images", "gateway_image", images.gateway_image, "karakuri/gateway", set_name,
        "image name of the gateway"),
    STR("images", "decoy_image", images.decoy_image, "karakuri/decoy", set_name,
        "image name of the decoys"),
    STR("images", "workdir", images.workdir, "", set_string,
        "scratch directory for debootstrap (empty: <store dir>/images)"),
};

#define NKEYS (sizeof(KEYS) / sizeof(KEYS[0]))

size_t config_key_count(void)
{
    return NKEYS;
}

const struct key *config_key_at(size_t i)
{
    return i < NKEYS ? &KEYS[i] : NULL;
}

const struct key *config_key_find(const char *section, const char *name)
{
    for (size_t i = 0; i < NKEYS; i++)
        if (strcmp(KEYS[i].section, section) == 0 && strcmp(KEYS[i].name, name) == 0)
            return &KEYS[i];
    return NULL;
}

bool config_section_known(const char *section)
{
    for (size_t i = 0; i < NKEYS; i++)
        if (strcmp(KEYS[i].section, section) == 0)
            return true;
    return false;
}

void config_init(struct config *c)
{
    char why[256];

    memset(c, 0, sizeof(*c));
    for (size_t i = 0; i < NKEYS; i++) {
        int rc = KEYS[i].set(c, &KEYS[i], KEYS[i].def, why, sizeof(why));
        assert(rc == 0);
        (void)rc;
    }
    if (!*c->general.sensor) {
        char host[256] = "";
        if (gethostname(host, sizeof(host) - 1) != 0 || !*host)
            snprintf(host, sizeof(host), "karakuri");
        free(c->general.sensor);
        c->general.sensor = xstrdup(host);
    }
}

void config_free(struct config *c)
{
    for (size_t i = 0; i < NKEYS; i++)
        if (KEYS[i].get == get_string)
            free(*FIELD(c, &KEYS[i], char *));
    free(c->ssh.listen_host);
    free(c->path);
    memset(c, 0, sizeof(*c));
}

/* ---- writing ---- */

/* The parser trims blanks and strips one pair of enclosing quotes, so a value
 * with blanks or quotes at either end is written quoted to read back the same. */
static bool needs_quotes(const char *v)
{
    size_t n = strlen(v);
    return n && (strchr(" \t\"", v[0]) || strchr(" \t\"", v[n - 1]));
}

int config_write(const struct config *c, FILE *f)
{
    const char *section = "";
    char value[512];

    /* No path here: the output read back must print the same. */
    fputs("# karakuri configuration: `karakuri config` prints it, every key with its\n"
          "# meaning and built-in default\n",
          f);
    for (size_t i = 0; i < NKEYS; i++) {
        const struct key *k = &KEYS[i];
        if (strcmp(section, k->section) != 0) {
            section = k->section;
            fprintf(f, "\n[%s]\n", section);
        }
        k->get(c, k, value, sizeof(value));
        fprintf(f, "# %s (default: %s)\n%s = %s%s%s\n", k->doc, *k->def ? k->def : "empty", k->name,
                needs_quotes(value) ? "\"" : "", value, needs_quotes(value) ? "\"" : "");
    }
    return ferror(f) ? -EIO : 0;
}
