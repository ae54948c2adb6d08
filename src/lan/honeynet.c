/* lan honeynet: networks and gateways (see honeynet.h). */
#include "lan/honeynet.h"

#include "common/log.h"
#include "common/tar.h"
#include "common/util.h"
#include "common/xalloc.h"
#include "config/config.h"
#include "contain/firewall.h"
#include "contain/hostnet.h"
#include "contain/limits.h"
#include "docker/docker.h"
#include "lan/netns.h"
#include "lan/plan.h"
#include "lan/tells.h"
#include "lan/trail.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/crypto.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define SSH_WAIT_MS 15000
#define KEY_FILE_MAX 16384

static const char *const hostnames[] = {"web01", "app-srv01", "intranet", "build01",
                                        "files", "mon01",     "jump01",   "dev-srv02"};

static uint32_t name_hash(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

static json_t *labels(const char *name, const char *role)
{
    json_t *l = json_pack("{s:s, s:s}", DOCKER_LABEL_MANAGED, "1", LAN_LABEL_HONEYNET, name);
    if (role)
        json_object_set_new(l, LAN_LABEL_ROLE, json_string(role));
    return l;
}

static json_t *label_filter(const char *name, const char *role)
{
    char *h = xasprintf("%s=%s", LAN_LABEL_HONEYNET, name);
    json_t *f = json_pack("{s:[s]}", "label", h);
    if (role) {
        char *r = xasprintf("%s=%s", LAN_LABEL_ROLE, role);
        json_array_append_new(json_object_get(f, "label"), json_string(r));
        free(r);
    }
    free(h);
    return f;
}

/* The subnet of a network from its IPAM config, as a host-order base. */
static bool network_subnet(json_t *net, uint32_t *base)
{
    json_t *cfgs = json_object_get(json_object_get(net, "IPAM"), "Config");
    const char *sub = json_string_value(json_object_get(json_array_get(cfgs, 0), "Subnet"));
    return sub && strchr(sub, '/') && util_ipv4_parse(sub, base) == 0;
}

/* "a.b.c.d/24" of a /24 base. */
static void fmt_subnet(uint32_t base, char *out, size_t n)
{
    char a[UTIL_IPV4_LEN];
    util_ipv4_format(base, a);
    snprintf(out, n, "%s/24", a);
}

int lan_honeynet_count(struct docker *d, const char *name, unsigned *count, bool *exists, char *err,
                       size_t errlen)
{
    json_t *f = json_pack("{s:[s]}", "label", LAN_LABEL_HONEYNET), *list = NULL, *it;
    size_t i;
    int rc = docker_network_list(d, f, &list);
    json_decref(f);
    if (rc < 0) {
        snprintf(err, errlen, "listing networks: %s", docker_last_error(d));
        return rc;
    }
    *count = 0;
    *exists = false;
    json_array_foreach(list, i, it)
    {
        const char *owner =
            json_string_value(json_object_get(json_object_get(it, "Labels"), LAN_LABEL_HONEYNET));
        (*count)++;
        *exists |= owner && strcmp(owner, name) == 0;
    }
    json_decref(list);
    return 0;
}

int lan_honeynet_remove(struct docker *d, const char *name, char *err, size_t errlen)
{
    json_t *f = label_filter(name, NULL), *list = NULL, *it;
    size_t i;
    int rc = docker_container_list(d, true, f, &list);
    json_array_foreach(list, i, it)
    {
        const char *id = json_string_value(json_object_get(it, "Id"));
        if (id && docker_container_remove(d, id, true, true) < 0 && rc == 0)
            rc = -EIO;
    }
    json_decref(list);
    list = NULL;
    if (rc == 0 && (rc = docker_network_list(d, f, &list)) == 0)
        json_array_foreach(list, i, it)
        {
            const char *id = json_string_value(json_object_get(it, "Id"));
            if (id && docker_network_remove(d, id) < 0)
                rc = -EIO;
        }
    if (rc < 0)
        snprintf(err, errlen, "removing honeynet %s: %s", name, docker_last_error(d));
    json_decref(list);
    json_decref(f);
    return rc;
}

/* Finds the honeynet's network, or makes one on the first free /24. */
static int ensure_network(struct docker *d, const struct config *cfg, struct lan_gateway *gw,
                          uint32_t *base, char *err, size_t errlen)
{
    json_t *f = json_pack("{s:[s]}", "label", LAN_LABEL_HONEYNET), *list = NULL, *it;
    size_t i, slots = (size_t)1 << (24 - cfg->honeynet.lan_pool_prefix);
    unsigned char *used = xcalloc(slots, 1);
    int rc = docker_network_list(d, f, &list);
    json_decref(f);
    if (rc < 0) {
        snprintf(err, errlen, "listing networks: %s", docker_last_error(d));
        goto out;
    }
    json_array_foreach(list, i, it)
    {
        uint32_t b;
        const char *owner =
            json_string_value(json_object_get(json_object_get(it, "Labels"), LAN_LABEL_HONEYNET));
        if (!network_subnet(it, &b))
            continue;
        if (owner && strcmp(owner, gw->honeynet) == 0) {
            /* The firewall knows honeynets by their bridge's name only. */
            const char *br = json_string_value(
                json_object_get(json_object_get(it, "Options"), "com.docker.network.bridge.name"));
            if (!br || strncmp(br, CONTAIN_BRIDGE_PREFIX, strlen(CONTAIN_BRIDGE_PREFIX)) != 0) {
                snprintf(err, errlen,
                         "network %s has no " CONTAIN_BRIDGE_PREFIX
                         " bridge (an older karakuri's): run karakuri cleanup",
                         gw->network);
                rc = -EEXIST;
                goto out;
            }
            *base = b;
            goto out; /* found: rc is 0 */
        }
        uint32_t idx = (b - cfg->honeynet.lan_pool_net) >> 8;
        if (b >= cfg->honeynet.lan_pool_net && idx < slots)
            used[idx] = 1;
    }
    for (i = 0; i < slots && used[i]; i++)
        ;
    if (i == slots) {
        snprintf(err, errlen, "no free /24 left in [honeynet] lan_pool");
        rc = -ENOSPC;
        goto out;
    }
    *base = cfg->honeynet.lan_pool_net + ((uint32_t)i << 8);
    char sub[24], gwaddr[UTIL_IPV4_LEN];
    fmt_subnet(*base, sub, sizeof(sub));
    util_ipv4_format(*base + 1, gwaddr);
    char bridge[IF_NAMESIZE];
    contain_bridge_name(*base, bridge);
    json_t *spec = json_pack("{s:s, s:b, s:b, s:o, s:{s:[{s:s, s:s}]}, s:{s:s}}", "Name",
                             gw->network, "Internal", 1, "CheckDuplicate", 1, "Labels",
                             labels(gw->honeynet, NULL), "IPAM", "Config", "Subnet", sub, "Gateway",
                             gwaddr, "Options", "com.docker.network.bridge.name", bridge);
    rc = docker_network_create(d, spec, NULL);
    json_decref(spec);
    if (rc < 0)
        snprintf(err, errlen, "creating network %s: %s", gw->network, docker_last_error(d));
    else if (contain_hostnet_harden(bridge) < 0)
        LOG_WARN("lan: bridge %s not hardened (arp_ignore, fdb limit)", bridge);
out:
    json_decref(list);
    free(used);
    return rc;
}

/* A tar of the host keys for /etc/ssh. */
static int hostkey_tar(const char *dir, struct buf *tarball, char *err, size_t errlen)
{
    static const char *const files[] = {"ssh_host_rsa_key", "ssh_host_ecdsa_key",
                                        "ssh_host_ed25519_key"};
    char data[KEY_FILE_MAX];
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        char *path = xasprintf("%s/%s", dir, files[i]);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        ssize_t n = fd >= 0 ? read(fd, data, sizeof(data)) : -1;
        if (fd >= 0)
            close(fd);
        if (n <= 0 || n == (ssize_t)sizeof(data)) {
            snprintf(err, errlen, "cannot read the host key %s", path);
            free(path);
            return -EIO;
        }
        free(path);
        if (tar_append(tarball, files[i], data, (size_t)n, 0600) < 0)
            return -ENOBUFS;
    }
    return tar_finish(tarball);
}

static int put_hostkeys(struct docker *d, const char *id, const char *dir, char *err, size_t errlen)
{
    struct buf tarball;
    buf_init(&tarball, 1 << 20);
    int rc = hostkey_tar(dir, &tarball, err, errlen);
    int fd = rc == 0 ? memfd_create("karakuri-keys", MFD_CLOEXEC) : -1;
    if (rc == 0 && (fd < 0 || write(fd, tarball.data, tarball.len) != (ssize_t)tarball.len ||
                    lseek(fd, 0, SEEK_SET) != 0)) {
        snprintf(err, errlen, "cannot stage the host keys");
        rc = -EIO;
    }
    if (rc == 0 && (rc = docker_container_archive_put(d, id, "/etc/ssh", fd)) < 0)
        snprintf(err, errlen, "putting the host keys in place: %s", docker_last_error(d));
    if (fd >= 0)
        close(fd);
    buf_free(&tarball);
    return rc;
}

/* The honeynet's population plan, as the responder makes it (its /24 is
 * the gateway's). */
static void gateway_plan(const struct config *cfg, const struct lan_gateway *gw,
                         struct lan_plan *plan, uint32_t *ip)
{
    if (util_ipv4_parse(gw->ip, ip) < 0)
        *ip = 0;
    lan_plan_make(gw->honeynet, *ip & 0xffffff00u, cfg->honeynet.hosts, *ip, plan);
}

/* Takes away, once the gateway has started, what the engine left that says
 * "container" (its mounts of /etc/hosts, hostname and resolv.conf: see
 * tells.h); its /etc/hosts names some planned hosts (trail.h). Not a reason
 * to refuse the intruder: a failure is logged. */
static void hide_tells(struct docker *d, const struct config *cfg, const struct lan_gateway *gw,
                       const char *id)
{
    char resolv[64];
    json_t *info = NULL;
    struct proc_ref init = PROC_REF_NONE;
    struct lan_plan plan;
    uint32_t ip;
    char err[256] = "";
    gateway_plan(cfg, gw, &plan, &ip);
    if (!ip)
        return; /* create_gateway checked it */
    lan_tells_resolv_conf(ip, resolv, sizeof(resolv));
    char *hosts = lan_trail_hosts(&plan, ip);
    if (docker_container_inspect(d, id, &info) < 0) {
        snprintf(err, sizeof(err), "inspect: %s", docker_last_error(d));
    } else {
        json_int_t pid = json_integer_value(json_object_get(json_object_get(info, "State"), "Pid"));
        if (pid <= 0 || pid > INT_MAX || proc_ref_open((pid_t)pid, id, &init) < 0)
            snprintf(err, sizeof(err), "its init is gone");
        else if (lan_tells_hide(info, &init, hosts, resolv, err, sizeof(err)) == 0)
            err[0] = '\0';
    }
    if (err[0])
        LOG_RATELIMITED(LOG_LEVEL_WARN, "lan: gateway %.12s keeps the engine's mounts: %s", id,
                        err);
    free(hosts);
    proc_ref_close(&init);
    json_decref(info);
}

/* The trails (trail.h) planted in the created gateway's init layer before it
 * starts: below the container's own layer, they are no change of the
 * intruder's at file extraction, and they stay across restarts. Without an
 * init layer (a storage driver other than overlay2) there are none. Not a
 * reason to refuse the intruder: a failure is logged. */
static void plant_trails(struct docker *d, const struct config *cfg, const struct lan_gateway *gw,
                         const char *id)
{
    json_t *info = NULL;
    struct lan_plan plan;
    struct lan_trail_key user = {0};
    struct lan_trail_set set = {0};
    unsigned char secret[LAN_TRAIL_SECRET_LEN];
    char layer[4096], eb[128];
    const char *why = NULL;
    uint32_t ip;
    int rc = 0;
    gateway_plan(cfg, gw, &plan, &ip);
    if (docker_container_inspect(d, id, &info) < 0)
        why = docker_last_error(d);
    else if (lan_tells_layer_of(info, layer, sizeof(layer)) < 0)
        why = "no init layer";
    else if ((rc = lan_trail_secret(cfg->store.dir, secret)) < 0 ||
             (rc = lan_trail_userkey(cfg->store.dir, gw->honeynet, &user)) < 0 ||
             (rc = lan_trail_files(&plan, gw->honeynet, ip, secret, &user, false, &set)) < 0 ||
             (rc = lan_trail_write(layer, &set)) < 0)
        why = util_strerror(rc, eb, sizeof(eb));
    if (why)
        LOG_RATELIMITED(LOG_LEVEL_WARN, "lan: no trails in gateway %.12s: %s", id, why);
    OPENSSL_cleanse(secret, sizeof(secret));
    lan_trail_set_free(&set);
    lan_trail_key_free(&user);
    json_decref(info);
}

static int create_gateway(struct docker *d, const struct config *cfg, struct lan_gateway *gw,
                          const char *hostkey_dir, char *err, size_t errlen)
{
    char *name = xasprintf("%s-gw", gw->network);
    char *image = xasprintf("%s:latest", cfg->images.gateway_image);
    char *id = NULL;
    uint32_t ip = 0;
    /* The gateway's resolver is karakuri's, named in its resolv.conf
     * (hide_tells). The engine's embedded one still listens on 127.0.0.11
     * and forwards to the host's resolvers, from the host's own namespace
     * when they are on loopback (CVE-2024-29018, Engine < 25.0.5): its
     * upstream is CONTAIN_DNS_SINK instead, which it asks from the gateway's
     * namespace, where KARAKURI-FORWARD drops and records it (a
     * contain.blocked, port 53). */
    if (util_ipv4_parse(gw->ip, &ip) < 0) {
        snprintf(err, errlen, "the gateway's address %s", gw->ip);
        free(image);
        free(name);
        return -EINVAL;
    }
    /* IPv6 off: the LAN is IPv4 only, as the decoys are. A cgroup namespace
     * of its own: /proc/<pid>/cgroup shows "/", not /docker/<id>. */
    json_t *spec = json_pack("{s:s, s:s, s:o, s:{s:s, s:[s], s:s, s:{s:s, s:s}}, "
                             "s:{s:{s:{s:{s:s}}}}}",
                             "Image", image, "Hostname", gw->hostname, "Labels",
                             labels(gw->honeynet, "gateway"), "HostConfig", "NetworkMode",
                             gw->network, "Dns", CONTAIN_DNS_SINK, "CgroupnsMode", "private",
                             "Sysctls", "net.ipv6.conf.all.disable_ipv6", "1",
                             "net.ipv6.conf.default.disable_ipv6", "1", "NetworkingConfig",
                             "EndpointsConfig", gw->network, "IPAMConfig", "IPv4Address", gw->ip);
    contain_host_config(cfg, json_object_get(spec, "HostConfig"));
    int rc = docker_container_create(d, name, spec, &id);
    json_decref(spec);
    if (rc < 0) {
        snprintf(err, errlen, "creating the gateway: %s", docker_last_error(d));
        goto out;
    }
    if ((rc = put_hostkeys(d, id, hostkey_dir, err, errlen)) < 0)
        goto out;
    plant_trails(d, cfg, gw, id);
    if ((rc = docker_container_start(d, id)) < 0) {
        snprintf(err, errlen, "starting the gateway: %s", docker_last_error(d));
        goto out;
    }
    hide_tells(d, cfg, gw, id);
    snprintf(gw->container, sizeof(gw->container), "%s", id);
    gw->created = true;
out:
    free(id);
    free(image);
    free(name);
    return rc;
}

/* Finds the gateway container (started if it was stopped) or makes it. */
static int ensure_gateway(struct docker *d, const struct config *cfg, struct lan_gateway *gw,
                          const char *hostkey_dir, char *err, size_t errlen)
{
    json_t *f = label_filter(gw->honeynet, "gateway"), *list = NULL;
    int rc = docker_container_list(d, true, f, &list);
    json_decref(f);
    if (rc < 0) {
        snprintf(err, errlen, "listing containers: %s", docker_last_error(d));
        return rc;
    }
    json_t *c = json_array_get(list, 0);
    const char *id = json_string_value(json_object_get(c, "Id"));
    if (!id) {
        json_decref(list);
        return create_gateway(d, cfg, gw, hostkey_dir, err, errlen);
    }
    snprintf(gw->container, sizeof(gw->container), "%s", id);
    const char *state = json_string_value(json_object_get(c, "State"));
    if (!state || strcmp(state, "running") != 0) {
        if ((rc = docker_container_start(d, id)) < 0)
            snprintf(err, errlen, "starting the gateway: %s", docker_last_error(d));
        else
            hide_tells(d, cfg, gw, id); /* mounted again by the engine at each start */
    }
    json_decref(list);
    return rc;
}

/* Waits until something answers on ip:22 with an SSH banner. */
static int wait_for_ssh(const char *ip)
{
    long long deadline = util_mono_us() + SSH_WAIT_MS * 1000LL;
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(22)};
    inet_pton(AF_INET, ip, &sa.sin_addr);
    while (util_mono_us() < deadline) {
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        char b[4] = "";
        if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
            struct pollfd p = {.fd = fd, .events = POLLIN};
            if (poll(&p, 1, 2000) == 1 && recv(fd, b, sizeof(b), 0) == 4 &&
                memcmp(b, "SSH-", 4) == 0) {
                close(fd);
                return 0;
            }
        }
        if (fd >= 0)
            close(fd);
        struct timespec ts = {0, 50000000L};
        nanosleep(&ts, NULL);
    }
    return -ETIMEDOUT;
}

int lan_honeynet_ensure(struct docker *d, const struct config *cfg, const char *name,
                        const char *hostkey_dir, struct lan_gateway *gw, char *err, size_t errlen)
{
    struct lan_gateway g = {0};
    uint32_t base = 0, h = name_hash(name);
    char eb[128];
    int rc;

    snprintf(g.honeynet, sizeof(g.honeynet), "%s", name);
    snprintf(g.network, sizeof(g.network), "kk-%s", name);
    for (char *p = g.network; *p; p++)
        if (*p == ':')
            *p = '-';
    snprintf(g.hostname, sizeof(g.hostname), "%s", hostnames[h % 8]);
    if ((rc = ensure_network(d, cfg, &g, &base, err, errlen)) < 0)
        return rc;
    fmt_subnet(base, g.subnet, sizeof(g.subnet));
    /* .1 is the bridge; the gateway sits low in the range, as servers do. */
    util_ipv4_format(base + 2 + h % 30, g.ip);
    if ((rc = ensure_gateway(d, cfg, &g, hostkey_dir, err, errlen)) < 0)
        return rc;
    if (wait_for_ssh(g.ip) < 0) {
        snprintf(err, errlen, "the gateway's sshd did not answer on %s:22", g.ip);
        return -ETIMEDOUT;
    }
    json_t *info = NULL;
    if ((rc = docker_container_inspect(d, g.container, &info)) < 0) {
        snprintf(err, errlen, "inspecting the gateway: %s", docker_last_error(d));
        return rc;
    }
    g.pid = (pid_t)json_integer_value(json_object_get(json_object_get(info, "State"), "Pid"));
    json_decref(info);
    /* Docker gives an internal network's containers no default route; a
     * real server has one, and with it what the intruder sends off the LAN
     * reaches the firewall, which records it. */
    if ((rc = lan_netns_default_route(g.pid, base + 1)) < 0) {
        snprintf(err, errlen, "default route of the gateway: %s",
                 util_strerror(rc, eb, sizeof(eb)));
        return rc;
    }
    /* With egress, what leaves is capped in bytes and shaped in rate. */
    if (cfg->containment.negress &&
        ((rc = lan_netns_shape(g.pid, cfg->containment.egress_rate)) < 0 ||
         (rc = contain_fw_egress_allow(cfg, g.ip, err, errlen)) < 0)) {
        if (!*err)
            snprintf(err, errlen, "shaping the gateway: %s", util_strerror(rc, eb, sizeof(eb)));
        return rc;
    }
    *gw = g;
    return 0;
}

int lan_gateway_user(struct docker *d, const struct lan_gateway *gw, const char *user,
                     const char *password, bool *created, char *err, size_t errlen)
{
    struct docker_exec_result r;
    if (!*user || strpbrk(user, ":\n") || strchr(password, '\n')) {
        snprintf(err, errlen, "name or password the system cannot hold");
        return -EINVAL;
    }
    const char *const add[] = {"useradd", "-m", "-s", "/bin/bash", user, NULL};
    struct docker_exec_options o = {.argv = add};
    int rc = docker_exec(d, gw->container, &o, &r);
    if (rc < 0) {
        snprintf(err, errlen, "useradd: %s", docker_last_error(d));
        return rc;
    }
    /* 9: the user exists already (an earlier login). */
    int code = r.exit_code;
    bool is_new = code == 0;
    if (code != 0 && code != 9)
        snprintf(err, errlen, "useradd refused the name (exit %d): %.200s", code, r.err);
    docker_exec_result_free(&r);
    if (code != 0 && code != 9)
        return -EINVAL;
    char *line = xasprintf("%s:%s\n", user, password);
    const char *const chpw[] = {"chpasswd", NULL};
    struct docker_exec_options po = {.argv = chpw, .stdin_data = line, .stdin_len = strlen(line)};
    rc = docker_exec(d, gw->container, &po, &r);
    free(line);
    if (rc < 0) {
        snprintf(err, errlen, "chpasswd: %s", docker_last_error(d));
        return rc;
    }
    code = r.exit_code;
    if (code != 0)
        snprintf(err, errlen, "chpasswd failed (exit %d): %.200s", code, r.err);
    docker_exec_result_free(&r);
    if (code != 0)
        return -EINVAL;
    *created = is_new;
    return 0;
}
