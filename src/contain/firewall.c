/* contain firewall: karakuri's own chains (see firewall.h). */
#include "contain/firewall.h"

#include "common/buf.h"
#include "common/log.h"
#include "common/spawn.h"
#include "common/util.h"
#include "common/xalloc.h"
#include "config/config.h"
#include "contain/hostnet.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define COMMENT "-m comment --comment karakuri"
/* The headers are all the watcher reads of a packet. */
#define NFLOG "-j NFLOG --nflog-group %d --nflog-size 128 --nflog-prefix \"%s\""
#define OUTPUT_MAX 512

struct jump {
    int family;
    const char *table, *chain;
    const char *rule; /* after the chain name */
};

/* Every jump into karakuri's chains. */
static const struct jump JUMPS[] = {
    {AF_INET, "filter", "INPUT", "-i " CONTAIN_BRIDGE_PREFIX "+ " COMMENT " -j KARAKURI-INPUT"},
    {AF_INET, "filter", "DOCKER-USER",
     "-i " CONTAIN_BRIDGE_PREFIX "+ " COMMENT " -j KARAKURI-FORWARD"},
    {AF_INET, "filter", "DOCKER-USER",
     "-o " CONTAIN_BRIDGE_PREFIX "+ " COMMENT " -j KARAKURI-FORWARD"},
    {AF_INET, "nat", "POSTROUTING", "! -o " CONTAIN_BRIDGE_PREFIX "+ " COMMENT " -j KARAKURI-NAT"},
    {AF_INET, "mangle", "PREROUTING", "-i " CONTAIN_BRIDGE_PREFIX "+ " COMMENT " -j KARAKURI-TTL"},
    {AF_INET, "nat", "PREROUTING", "-i " CONTAIN_BRIDGE_PREFIX "+ " COMMENT " -j KARAKURI-FETCH"},
    /* The fetcher's and the resolver's ports from anywhere but a honeynet
     * (the internet, the host's own processes over loopback): not reachable. Written as
     * `iptables -S` prints them (find_missing looks for them so). */
    {AF_INET, "filter", "INPUT",
     "! -i " CONTAIN_BRIDGE_PREFIX "+ -p tcp -m tcp --dport " CONTAIN_FETCH_PORT_STR " " COMMENT
     " -j DROP"},
    {AF_INET, "filter", "INPUT",
     "! -i " CONTAIN_BRIDGE_PREFIX "+ -p udp -m udp --dport " CONTAIN_FETCH_PORT_STR " " COMMENT
     " -j DROP"},
    {AF_INET, "filter", "INPUT",
     "! -i " CONTAIN_BRIDGE_PREFIX "+ -p tcp -m tcp --dport " CONTAIN_DNS_PORT_STR " " COMMENT
     " -j DROP"},
    {AF_INET, "filter", "INPUT",
     "! -i " CONTAIN_BRIDGE_PREFIX "+ -p tcp -m tcp --dport " CONTAIN_HOP_PORT_STR " " COMMENT
     " -j DROP"},
    {AF_INET, "filter", "INPUT",
     "! -i " CONTAIN_BRIDGE_PREFIX "+ -p udp -m udp --dport " CONTAIN_DNS_PORT_STR " " COMMENT
     " -j DROP"},
    {AF_INET6, "filter", "INPUT", "-i " CONTAIN_BRIDGE_PREFIX "+ " COMMENT " -j KARAKURI-INPUT"},
    {AF_INET6, "filter", "FORWARD",
     "-i " CONTAIN_BRIDGE_PREFIX "+ " COMMENT " -j KARAKURI-FORWARD"},
    {AF_INET6, "filter", "FORWARD",
     "-o " CONTAIN_BRIDGE_PREFIX "+ " COMMENT " -j KARAKURI-FORWARD"},
};
#define NJUMPS (sizeof(JUMPS) / sizeof(JUMPS[0]))

struct chain {
    int family;
    const char *table, *name;
};

/* Chains are removed after every jump (and the egress chain after the one
 * that jumps to it). */
static const struct chain CHAINS[] = {
    {AF_INET, "filter", "KARAKURI-INPUT"},    {AF_INET, "filter", "KARAKURI-FORWARD"},
    {AF_INET, "filter", "KARAKURI-EGRESS"},   {AF_INET, "nat", "KARAKURI-NAT"},
    {AF_INET, "nat", "KARAKURI-FETCH"},       {AF_INET, "nat", "KARAKURI-HOP"},
    {AF_INET, "mangle", "KARAKURI-TTL"},      {AF_INET6, "filter", "KARAKURI-INPUT"},
    {AF_INET6, "filter", "KARAKURI-FORWARD"},
};
#define NCHAINS (sizeof(CHAINS) / sizeof(CHAINS[0]))

void contain_bridge_name(uint32_t base, char out[IF_NAMESIZE])
{
    snprintf(out, IF_NAMESIZE, CONTAIN_BRIDGE_PREFIX "%u-%u-%u", (unsigned)(base >> 24),
             (unsigned)(base >> 16) & 0xff, (unsigned)(base >> 8) & 0xff);
}

static int nflog(struct buf *out, const char *chain, const char *match, const char *prefix)
{
    return buf_appendf(out, "-A %s %s" COMMENT " " NFLOG "\n", chain, match, CONTAIN_NFLOG_GROUP,
                       prefix);
}

/* Never a way out, whatever port egress lets out: the private, shared
 * (CGNAT), link-local, loopback, multicast and reserved ranges (the cloud's
 * metadata service, Docker's networks, the operator's LAN among them). */
static const char *const NEVER_OUT[] = {"0.0.0.0/8",      "10.0.0.0/8",     "100.64.0.0/10",
                                        "127.0.0.0/8",    "169.254.0.0/16", "172.16.0.0/12",
                                        "192.168.0.0/16", "224.0.0.0/4",    "240.0.0.0/4"};

static int refuse(struct buf *out, const char *match)
{
    char m[128];
    snprintf(m, sizeof(m), "-i " CONTAIN_BRIDGE_PREFIX "+ %s ", match);
    return nflog(out, "KARAKURI-FORWARD", m, CONTAIN_PREFIX_ROUTED) |
           buf_appendf(out, "-A KARAKURI-FORWARD %s" COMMENT " -j DROP\n", m);
}

/* The opt-in way out: replies come back in; what a container sends out to an
 * allowed port, or on a connection so opened, goes through KARAKURI-EGRESS,
 * where each container has a byte quota (contain_fw_egress_allow) and
 * whatever is past it is logged and dropped. Before any of it, what is not
 * "off the machine" is refused: the ranges above, the host's own addresses,
 * its networks (nets) and the ports containers publish (DNAT). */
static int egress_rules(const struct config *cfg, const char *pool,
                        const struct contain_prefix *nets, size_t nnets, struct buf *out)
{
    int rc =
        buf_appendf(out, "-A KARAKURI-FORWARD -o " CONTAIN_BRIDGE_PREFIX
                         "+ -m conntrack --ctstate ESTABLISHED,RELATED " COMMENT " -j ACCEPT\n");
    for (size_t i = 0; i < sizeof(NEVER_OUT) / sizeof(NEVER_OUT[0]); i++) {
        char m[64];
        snprintf(m, sizeof(m), "-d %s", NEVER_OUT[i]);
        rc |= refuse(out, m);
    }
    for (size_t i = 0; i < nnets; i++) {
        char a[UTIL_IPV4_LEN], m[64];
        util_ipv4_format(nets[i].net, a);
        snprintf(m, sizeof(m), "-d %s/%u", a, nets[i].len);
        rc |= refuse(out, m);
    }
    rc |= refuse(out, "-m addrtype --dst-type LOCAL");
    rc |= refuse(out, "-m conntrack --ctstate DNAT");
    rc |= buf_appendf(out,
                      "-A KARAKURI-FORWARD -i " CONTAIN_BRIDGE_PREFIX "+ ! -d %s -m conntrack "
                      "--ctstate ESTABLISHED,RELATED " COMMENT " -j KARAKURI-EGRESS\n",
                      pool);
    for (size_t i = 0; i < cfg->containment.negress; i++) {
        const struct config_egress *e = &cfg->containment.egress[i];
        char match[128];
        snprintf(match, sizeof(match), "-i " CONTAIN_BRIDGE_PREFIX "+ ! -d %s -p %s --dport %u ",
                 pool, e->udp ? "udp" : "tcp", (unsigned)e->port);
        rc |= nflog(out, "KARAKURI-FORWARD", match, CONTAIN_PREFIX_EGRESS);
        rc |= buf_appendf(out, "-A KARAKURI-FORWARD %s" COMMENT " -j KARAKURI-EGRESS\n", match);
    }
    rc |= nflog(out, "KARAKURI-EGRESS", "", CONTAIN_PREFIX_EGRESS_CAP);
    rc |= buf_appendf(out, "-A KARAKURI-EGRESS " COMMENT " -j DROP\n");
    return rc;
}

/* The downloads the fetcher takes: what a tool asks of a web (HTTPS too:
 * its ClientHello is read), FTP or TFTP server. */
static const struct config_egress FETCH_PORTS[] = {
    {false, 80}, {false, 8080}, {false, 443}, {false, 21}, {true, 69}};
#define NFETCH (sizeof(FETCH_PORTS) / sizeof(FETCH_PORTS[0]))

/* A fetch port that [containment] egress lets out goes out for real, not
 * to the fetcher. */
static bool fetch_redirected(const struct config *cfg, const struct config_egress *f)
{
    for (size_t i = 0; i < cfg->containment.negress; i++)
        if (cfg->containment.egress[i].udp == f->udp && cfg->containment.egress[i].port == f->port)
            return false;
    return true;
}

/* DNS: the resolver's port. */
static const struct config_egress DNS_PORTS[] = {{true, 53}, {false, 53}};
#define NDNS (sizeof(DNS_PORTS) / sizeof(DNS_PORTS[0]))

static int dns_redirect(struct buf *out, const char *match, const struct config_egress *p)
{
    const char *proto = p->udp ? "udp" : "tcp";
    return buf_appendf(out,
                       "-A KARAKURI-FETCH %s-p %s -m %s --dport %u " COMMENT
                       " -j REDIRECT --to-ports " CONTAIN_DNS_PORT_STR "\n",
                       match, proto, proto, (unsigned)p->port);
}

/* nat: DNS to the resolver, to the host's addresses always, off the machine
 * unless egress lets it out; downloads to the fetcher; what goes to a LAN
 * (bridged: a decoy's web server) or to the host itself (dropped and logged
 * in KARAKURI-INPUT) is left alone. */
static int fetch_nat_rules(const struct config *cfg, const char *pool, struct buf *out)
{
    int rc =
        buf_appendf(out, "-A KARAKURI-FETCH -d " CONTAIN_DNS_SINK "/32 " COMMENT " -j RETURN\n");
    for (size_t i = 0; i < NDNS; i++)
        rc |= dns_redirect(out, "-m addrtype --dst-type LOCAL ", &DNS_PORTS[i]);
    /* SSH within a LAN: KARAKURI-HOP has one honeynet's rules per LAN
     * (contain_fw_hop_steer), not written here, so that a restore keeps them. */
    if (cfg->honeynet.hops)
        rc |= buf_appendf(
            out, "-A KARAKURI-FETCH -d %s -p tcp -m tcp --dport 22 " COMMENT " -j KARAKURI-HOP\n",
            pool);
    rc |= buf_appendf(out, "-A KARAKURI-FETCH -d %s " COMMENT " -j RETURN\n", pool);
    rc |=
        buf_appendf(out, "-A KARAKURI-FETCH -m addrtype --dst-type LOCAL " COMMENT " -j RETURN\n");
    for (size_t i = 0; i < NDNS; i++)
        if (fetch_redirected(cfg, &DNS_PORTS[i]))
            rc |= dns_redirect(out, "", &DNS_PORTS[i]);
    for (size_t i = 0; i < NFETCH; i++) {
        const char *proto = FETCH_PORTS[i].udp ? "udp" : "tcp";
        if (fetch_redirected(cfg, &FETCH_PORTS[i]))
            rc |= buf_appendf(out,
                              "-A KARAKURI-FETCH -p %s -m %s --dport %u " COMMENT
                              " -j REDIRECT --to-ports " CONTAIN_FETCH_PORT_STR "\n",
                              proto, proto, (unsigned)FETCH_PORTS[i].port);
    }
    return rc;
}

/* filter: into the resolver and the fetcher, only what was redirected to
 * them from port 53 and the download ports (a container's own connection to the bridge's
 * address and this port has no DNAT: dropped and logged after these). */
static int fetch_input_rules(const struct config *cfg, struct buf *out)
{
    int rc = 0;
    for (size_t i = 0; i < NDNS; i++) {
        const char *proto = DNS_PORTS[i].udp ? "udp" : "tcp";
        rc |= buf_appendf(out,
                          "-A KARAKURI-INPUT -p %s -m %s --dport " CONTAIN_DNS_PORT_STR
                          " -m conntrack --ctstate DNAT --ctorigdstport 53 " COMMENT " -j ACCEPT\n",
                          proto, proto);
    }
    if (cfg->honeynet.hops)
        rc |= buf_appendf(out, "-A KARAKURI-INPUT -p tcp -m tcp --dport " CONTAIN_HOP_PORT_STR
                               " -m conntrack --ctstate DNAT --ctorigdstport 22 " COMMENT
                               " -j ACCEPT\n");
    for (size_t i = 0; i < NFETCH; i++) {
        const char *proto = FETCH_PORTS[i].udp ? "udp" : "tcp";
        if (fetch_redirected(cfg, &FETCH_PORTS[i]))
            rc |= buf_appendf(out,
                              "-A KARAKURI-INPUT -p %s -m %s --dport " CONTAIN_FETCH_PORT_STR
                              " -m conntrack --ctstate DNAT --ctorigdstport %u " COMMENT
                              " -j ACCEPT\n",
                              proto, proto, (unsigned)FETCH_PORTS[i].port);
    }
    return rc;
}

int contain_fw_ruleset(const struct config *cfg, int family, const struct contain_prefix *nets,
                       size_t nnets, struct buf *out)
{
    char pool[32], a[UTIL_IPV4_LEN];
    util_ipv4_format(cfg->honeynet.lan_pool_net, a);
    snprintf(pool, sizeof(pool), "%s/%u", a, cfg->honeynet.lan_pool_prefix);
    int rc = buf_appendf(out, "*filter\n:KARAKURI-INPUT - [0:0]\n:KARAKURI-FORWARD - [0:0]\n");
    if (family == AF_INET) {
        rc |= buf_appendf(out, ":KARAKURI-EGRESS - [0:0]\n");
        /* Replies to the host's own connections, such as the SSH front
         * end's to a gateway's sshd. */
        rc |=
            buf_appendf(out, "-A KARAKURI-INPUT -m conntrack --ctstate ESTABLISHED,RELATED " COMMENT
                             " -j ACCEPT\n");
        /* Bridged within one LAN: Docker's rules let it through. */
        rc |= buf_appendf(out, "-A KARAKURI-FORWARD -m physdev --physdev-is-bridged " COMMENT
                               " -j RETURN\n");
        if (cfg->containment.negress)
            rc |= egress_rules(cfg, pool, nets, nnets, out);
        rc |= fetch_input_rules(cfg, out);
    } else {
        /* The LANs are IPv4 only: IPv6 between their hosts goes nowhere and
         * is not worth an event. */
        rc |= buf_appendf(out, "-A KARAKURI-FORWARD -m physdev --physdev-is-bridged " COMMENT
                               " -j DROP\n");
    }
    rc |= nflog(out, "KARAKURI-INPUT", "", CONTAIN_PREFIX_HOST);
    rc |= buf_appendf(out, "-A KARAKURI-INPUT " COMMENT " -j DROP\n");
    /* Only what leaves a honeynet is an event; what is sent to one from
     * elsewhere (another honeynet's is already logged leaving it) is just
     * dropped. */
    rc |= nflog(out, "KARAKURI-FORWARD", "-i " CONTAIN_BRIDGE_PREFIX "+ ", CONTAIN_PREFIX_ROUTED);
    rc |= buf_appendf(out, "-A KARAKURI-FORWARD " COMMENT " -j DROP\nCOMMIT\n");
    if (family == AF_INET) {
        rc |= buf_appendf(out, "*nat\n:KARAKURI-NAT - [0:0]\n:KARAKURI-FETCH - [0:0]\n");
        if (cfg->containment.negress)
            rc |= buf_appendf(out, "-A KARAKURI-NAT -s %s " COMMENT " -j MASQUERADE\n", pool);
        rc |= fetch_nat_rules(cfg, pool, out);
        rc |= buf_appendf(out, "COMMIT\n");
        /* A routed packet about to expire would make the host answer with
         * ICMP time-exceeded before FORWARD sees it (traceroute would show
         * the host, unrecorded). Given one more hop it reaches FORWARD,
         * which drops and records it (or, with egress, lets it out, where
         * the next router is the first hop). Within the LAN a host sees
         * TTL 2 where 1 was sent. */
        rc |= buf_appendf(
            out, "*mangle\n:KARAKURI-TTL - [0:0]\n-A KARAKURI-TTL -m ttl --ttl-lt 2 " COMMENT
                 " -j TTL --ttl-set 2\nCOMMIT\n");
    }
    return rc ? -ENOBUFS : 0;
}

/* Runs argv with stdin from `in` (may be NULL); returns its exit status (or a
 * negative errno) and what it printed in out (its first line only with
 * first_line). */
static int run_full(char *const argv[], const char *in, char *out, size_t outlen, bool first_line)
{
    int ifd = memfd_create("karakuri-in", MFD_CLOEXEC);
    int ofd = memfd_create("karakuri-out", MFD_CLOEXEC);
    size_t inlen = in ? strlen(in) : 0;
    pid_t pid;
    int rc = -EIO, status = 0;

    out[0] = '\0';
    if (ifd < 0 || ofd < 0) {
        char eb[128];
        rc = -errno;
        snprintf(out, outlen, "cannot run %s: %s", argv[0], util_strerror(errno, eb, sizeof(eb)));
        goto out;
    }
    if ((inlen && write(ifd, in, inlen) != (ssize_t)inlen) || lseek(ifd, 0, SEEK_SET) != 0)
        goto out;
    int e = -spawn_start(argv, ifd, ofd, ofd, &pid);
    if (e != 0) {
        char eb[128];
        rc = -e;
        snprintf(out, outlen, "cannot run %s: %s", argv[0], util_strerror(e, eb, sizeof(eb)));
        goto out;
    }
    rc = spawn_wait(pid, &status);
    if (rc < 0)
        goto out;
    ssize_t n = pread(ofd, out, outlen - 1, 0);
    out[n > 0 ? n : 0] = '\0';
    if (first_line)
        out[strcspn(out, "\n")] = '\0';
    rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
out:
    if (ifd >= 0)
        close(ifd);
    if (ofd >= 0)
        close(ofd);
    return rc;
}

static int run(char *const argv[], const char *in, char out[OUTPUT_MAX])
{
    return run_full(argv, in, out, OUTPUT_MAX, true);
}

static const char *tool(int family)
{
    return family == AF_INET ? "iptables" : "ip6tables";
}

/* iptables -w -t filter OP CHAIN [RULE...]: the rule is split on spaces (our
 * own constant rules: no quoting needed). */
static int iptables(int family, const char *table, const char *op, const char *chain,
                    const char *rule, char out[OUTPUT_MAX])
{
    char copy[256], *argv[32];
    size_t n = 0;
    argv[n++] = (char *)tool(family);
    argv[n++] = "-w";
    argv[n++] = "10";
    argv[n++] = "-t";
    argv[n++] = (char *)table;
    argv[n++] = (char *)op;
    argv[n++] = (char *)chain;
    snprintf(copy, sizeof(copy), "%s", rule ? rule : "");
    for (char *save = NULL, *t = strtok_r(copy, " ", &save); t && n < 31;
         t = strtok_r(NULL, " ", &save))
        argv[n++] = t;
    argv[n] = NULL;
    return run(argv, NULL, out);
}

static int restore(const struct config *cfg, int family, char *err, size_t errlen)
{
    struct buf rules;
    char out[OUTPUT_MAX];
    char *argv[] = {family == AF_INET ? "iptables-restore" : "ip6tables-restore", "-w", "10",
                    "--noflush", NULL};
    struct contain_prefix nets[64];
    size_t nnets = 0;
    int rc = family == AF_INET && cfg->containment.negress
                 ? contain_hostnet_networks(nets, sizeof(nets) / sizeof(nets[0]), &nnets)
                 : 0;
    if (rc < 0) {
        char eb[128];
        snprintf(err, errlen, "reading the host's networks: %s",
                 util_strerror(-rc, eb, sizeof(eb)));
        return rc;
    }
    buf_init(&rules, 1 << 16);
    rc = contain_fw_ruleset(cfg, family, nets, nnets, &rules);
    if (rc == 0 && (rc = run(argv, rules.data, out)) != 0) {
        snprintf(err, errlen, "%s: %s", argv[0], out);
        rc = rc < 0 ? rc : -EIO;
    }
    buf_free(&rules);
    return rc;
}

int contain_fw_install(const struct config *cfg, char *err, size_t errlen)
{
    char out[OUTPUT_MAX];
    int rc;

    /* Docker makes DOCKER-USER when it starts; karakuri may be first. */
    if (iptables(AF_INET, "filter", "-S", "DOCKER-USER", NULL, out) != 0 &&
        iptables(AF_INET, "filter", "-N", "DOCKER-USER", NULL, out) != 0) {
        snprintf(err, errlen, "iptables -N DOCKER-USER: %s", out);
        return -EIO;
    }
    /* Made here, not by the restore, which would flush it: its rules are
     * the LANs' (contain_fw_hop_steer). */
    if (iptables(AF_INET, "nat", "-S", "KARAKURI-HOP", NULL, out) != 0 &&
        iptables(AF_INET, "nat", "-N", "KARAKURI-HOP", NULL, out) != 0) {
        snprintf(err, errlen, "iptables -t nat -N KARAKURI-HOP: %s", out);
        return -EIO;
    }
    if ((rc = restore(cfg, AF_INET, err, errlen)) < 0 ||
        (rc = restore(cfg, AF_INET6, err, errlen)) < 0)
        return rc;
    /* Bridges made before (by an earlier run, adopted). */
    if (contain_hostnet_harden_all())
        LOG_WARN("firewall: a honeynet bridge could not be hardened (arp_ignore, fdb limit)");
    for (size_t i = 0; i < NJUMPS; i++) {
        const struct jump *j = &JUMPS[i];
        if (iptables(j->family, j->table, "-C", j->chain, j->rule, out) == 0)
            continue;
        if (iptables(j->family, j->table, "-I", j->chain, j->rule, out) != 0) {
            snprintf(err, errlen, "%s -t %s -I %s %s: %s", tool(j->family), j->table, j->chain,
                     j->rule, out);
            return -EIO;
        }
    }
    return 0;
}

int contain_fw_remove(unsigned *removed, char *err, size_t errlen)
{
    char out[OUTPUT_MAX];

    *removed = 0;
    for (size_t i = 0; i < NJUMPS; i++)
        for (int k = 0; k < 16 && iptables(JUMPS[i].family, JUMPS[i].table, "-D", JUMPS[i].chain,
                                           JUMPS[i].rule, out) == 0;
             k++)
            ;
    /* Flushed first, all of them: one may jump to another. */
    for (size_t i = 0; i < NCHAINS; i++)
        (void)iptables(CHAINS[i].family, CHAINS[i].table, "-F", CHAINS[i].name, NULL, out);
    for (size_t i = 0; i < NCHAINS; i++) {
        const struct chain *c = &CHAINS[i];
        if (iptables(c->family, c->table, "-S", c->name, NULL, out) != 0)
            continue;
        if (iptables(c->family, c->table, "-X", c->name, NULL, out) != 0) {
            snprintf(err, errlen, "%s -t %s -X %s: %s", tool(c->family), c->table, c->name, out);
            return -EIO;
        }
        (*removed)++;
    }
    return 0;
}

int contain_fw_check(char *err, size_t errlen)
{
    char out[OUTPUT_MAX];
    for (size_t i = 0; i < NCHAINS; i++)
        if (iptables(CHAINS[i].family, CHAINS[i].table, "-S", CHAINS[i].name, NULL, out) != 0) {
            snprintf(err, errlen, "%s chain %s missing", tool(CHAINS[i].family), CHAINS[i].name);
            return -ENOENT;
        }
    for (size_t i = 0; i < NJUMPS; i++)
        if (iptables(JUMPS[i].family, JUMPS[i].table, "-C", JUMPS[i].chain, JUMPS[i].rule, out) !=
            0) {
            snprintf(err, errlen, "%s: no jump in %s (%s)", tool(JUMPS[i].family), JUMPS[i].chain,
                     JUMPS[i].rule);
            return -ENOENT;
        }
    return 0;
}

/* "-m physdev --physdev-in PORT -s IP -m quota --quota N …": one container's
 * allowance, on its own link (a forged source address from another link
 * spends nothing). */
static int egress_rule(const struct config *cfg, const char *ip, char *out, size_t len, char *err,
                       size_t errlen)
{
    uint32_t a;
    char port[IF_NAMESIZE];
    int rc = util_ipv4_parse(ip, &a);
    if (rc == 0 && (rc = contain_hostnet_port(a, port)) < 0)
        snprintf(err, errlen,
                 rc == -EEXIST ? "more than one link claims %s" : "no honeynet link holds %s", ip);
    if (rc == 0)
        snprintf(out, len,
                 "-m physdev --physdev-in %s -s %s -m quota --quota %lld " COMMENT " -j ACCEPT",
                 port, ip, cfg->containment.egress_bytes);
    return rc;
}

int contain_fw_egress_allow(const struct config *cfg, const char *ip, char *err, size_t errlen)
{
    char rule[192], out[OUTPUT_MAX];
    int rc;
    if (!cfg->containment.negress)
        return 0;
    if ((rc = egress_rule(cfg, ip, rule, sizeof(rule), err, errlen)) < 0)
        return rc;
    /* Already there: its quota keeps counting (a new login, a replug). */
    if (iptables(AF_INET, "filter", "-C", "KARAKURI-EGRESS", rule, out) == 0)
        return 0;
    if (iptables(AF_INET, "filter", "-I", "KARAKURI-EGRESS", rule, out) != 0) {
        snprintf(err, errlen, "iptables -I KARAKURI-EGRESS: %s", out);
        return -EIO;
    }
    return 0;
}

void contain_fw_egress_revoke(const struct config *cfg, const char *ip)
{
    char rule[192], out[OUTPUT_MAX], err[128];
    /* The link gone already, its rule matches nothing (chains are rewritten
     * at the next start). */
    if (!cfg->containment.negress || egress_rule(cfg, ip, rule, sizeof(rule), err, sizeof(err)) < 0)
        return;
    for (int k = 0; k < 16 && iptables(AF_INET, "filter", "-D", "KARAKURI-EGRESS", rule, out) == 0;
         k++)
        ;
}

/* One LAN's SSH steering: from its bridge, tcp/22 to its hosts but the
 * gateway (and the bridge's .1) goes to the front end's hop listener. */
static int hop_rules(uint32_t base, uint32_t gw_ip, const char *op, struct buf *out)
{
    char br[IF_NAMESIZE], net[UTIL_IPV4_LEN], gw[UTIL_IPV4_LEN], host[UTIL_IPV4_LEN];
    contain_bridge_name(base, br);
    util_ipv4_format(base, net);
    util_ipv4_format(base + 1, host); /* the bridge's own: the host, not a LAN host */
    util_ipv4_format(gw_ip, gw);
    return buf_appendf(out,
                       "*nat\n%s KARAKURI-HOP -i %s -d %s/32 " COMMENT " -j RETURN\n"
                       "%s KARAKURI-HOP -i %s -d %s/32 " COMMENT " -j RETURN\n"
                       "%s KARAKURI-HOP -i %s -d %s/24 -p tcp -m tcp --dport 22 " COMMENT
                       " -j REDIRECT --to-ports " CONTAIN_HOP_PORT_STR "\nCOMMIT\n",
                       op, br, gw, op, br, host, op, br, net) < 0
               ? -ENOBUFS
               : 0;
}

static int hop_apply(uint32_t base, uint32_t gw_ip, const char *op, char *err, size_t errlen)
{
    char out[OUTPUT_MAX];
    char *argv[] = {"iptables-restore", "-w", "10", "--noflush", NULL};
    struct buf rules;
    buf_init(&rules, 1024);
    int rc = hop_rules(base, gw_ip, op, &rules);
    if (rc == 0 && (rc = run(argv, rules.data, out)) != 0) {
        snprintf(err, errlen, "iptables-restore (%s KARAKURI-HOP): %s", op, out);
        rc = rc < 0 ? rc : -EIO;
    }
    buf_free(&rules);
    return rc;
}

int contain_fw_hop_steer(uint32_t base, uint32_t gw_ip, char *err, size_t errlen)
{
    /* A LAN attached again (a restart) has them already. */
    contain_fw_hop_unsteer(base, gw_ip);
    return hop_apply(base, gw_ip, "-A", err, errlen);
}

void contain_fw_hop_unsteer(uint32_t base, uint32_t gw_ip)
{
    char err[OUTPUT_MAX];
    for (int k = 0; k < 8 && hop_apply(base, gw_ip, "-D", err, sizeof(err)) == 0; k++)
        ;
}

/* Rules of chain in what `iptables -S` printed for its table. */
static unsigned count_rules(const char *listing, const char *chain)
{
    char needle[64];
    unsigned n = 0;
    snprintf(needle, sizeof(needle), "\n-A %s ", chain);
    for (const char *p = listing; (p = strstr(p, needle)); p++)
        n++;
    return n;
}

/* What is missing of karakuri's rules: a chain, a jump, or rules of a
 * chain (fewer there than written: a flush, a deletion). */
static int find_missing(const struct config *cfg, char *what, size_t len)
{
    static const char *const TABLES[] = {"filter", "nat", "mangle"};
    char *listing = xmalloc(1 << 20);
    int rc = 0;
    what[0] = '\0';
    for (int family = AF_INET; rc == 0 && family <= AF_INET6; family += AF_INET6 - AF_INET) {
        struct buf want;
        buf_init(&want, 1 << 16);
        rc = contain_fw_ruleset(cfg, family, NULL, 0, &want);
        for (size_t t = 0; rc == 0 && t < 3; t++) {
            char *argv[] = {(char *)tool(family), "-w", "10", "-t", (char *)TABLES[t], "-S", NULL};
            if (family == AF_INET6 && t)
                break;
            listing[0] = '\n';
            int run_rc = run_full(argv, NULL, listing + 1, (1 << 20) - 1, false);
            if (run_rc != 0) {
                snprintf(what, len, "%s -t %s -S failed: %.200s", argv[0], TABLES[t], listing + 1);
                rc = run_rc < 0 ? run_rc : -EIO; /* < 0: not run at all */
                break;
            }
            for (size_t i = 0; !what[0] && i < NCHAINS; i++) {
                const struct chain *c = &CHAINS[i];
                char line[96];
                if (c->family != family || strcmp(c->table, TABLES[t]) != 0)
                    continue;
                snprintf(line, sizeof(line), "\n-N %s\n", c->name);
                /* The host's networks are not counted: no fewer than the
                 * rest. */
                if (!strstr(listing, line))
                    snprintf(what, len, "%s chain %s", tool(family), c->name);
                else if (count_rules(listing, c->name) < count_rules(want.data, c->name))
                    snprintf(what, len, "%s rules of %s", tool(family), c->name);
            }
            for (size_t i = 0; !what[0] && i < NJUMPS; i++) {
                const struct jump *j = &JUMPS[i];
                char line[192];
                if (j->family != family || strcmp(j->table, TABLES[t]) != 0)
                    continue;
                snprintf(line, sizeof(line), "\n-A %s %s\n", j->chain, j->rule);
                if (!strstr(listing, line))
                    snprintf(what, len, "%s jump from %s", tool(family), j->chain);
            }
        }
        buf_free(&want);
        if (what[0])
            break;
    }
    free(listing);
    return rc;
}

int contain_fw_verify(const struct config *cfg, char *what, size_t len, char *err, size_t errlen)
{
    int rc = find_missing(cfg, what, len);
    if (rc < 0 || !what[0]) {
        if (rc < 0)
            snprintf(err, errlen, "%s", what);
        return rc < 0 ? rc : 0;
    }
    if ((rc = contain_fw_install(cfg, err, errlen)) < 0)
        return rc;
    return 1;
}
