/* contain firewall: karakuri's own chains (see firewall.h). */
#include "contain/firewall.h"

#include "common/buf.h"
#include "common/util.h"
#include "config/config.h"

#include <errno.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

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
    {AF_INET, "filter", "KARAKURI-INPUT"},  {AF_INET, "filter", "KARAKURI-FORWARD"},
    {AF_INET, "filter", "KARAKURI-EGRESS"}, {AF_INET, "nat", "KARAKURI-NAT"},
    {AF_INET6, "filter", "KARAKURI-INPUT"}, {AF_INET6, "filter", "KARAKURI-FORWARD"},
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

/* The opt-in way out: replies come back in; what a container sends out to an
 * allowed port, or on a connection so opened, goes through KARAKURI-EGRESS,
 * where each container has a byte quota (contain_fw_egress_allow) and
 * whatever is past it is logged and dropped. */
static int egress_rules(const struct config *cfg, const char *pool, struct buf *out)
{
    int rc = buf_appendf(out,
                         "-A KARAKURI-FORWARD -o " CONTAIN_BRIDGE_PREFIX
                         "+ -m conntrack --ctstate ESTABLISHED,RELATED " COMMENT " -j ACCEPT\n"
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

int contain_fw_ruleset(const struct config *cfg, int family, struct buf *out)
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
            rc |= egress_rules(cfg, pool, out);
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
        rc |= buf_appendf(out, "*nat\n:KARAKURI-NAT - [0:0]\n");
        if (cfg->containment.negress)
            rc |= buf_appendf(out, "-A KARAKURI-NAT -s %s " COMMENT " -j MASQUERADE\n", pool);
        rc |= buf_appendf(out, "COMMIT\n");
    }
    return rc ? -ENOBUFS : 0;
}

/* Runs argv with stdin from `in` (may be NULL); returns its exit status (or a
 * negative errno) and the start of what it printed in out. */
static int run(char *const argv[], const char *in, char out[OUTPUT_MAX])
{
    int ifd = memfd_create("karakuri-in", MFD_CLOEXEC);
    int ofd = memfd_create("karakuri-out", MFD_CLOEXEC);
    size_t inlen = in ? strlen(in) : 0;
    posix_spawn_file_actions_t fa;
    pid_t pid;
    int rc = -EIO, status = 0;

    out[0] = '\0';
    if (ifd < 0 || ofd < 0 || (inlen && write(ifd, in, inlen) != (ssize_t)inlen) ||
        lseek(ifd, 0, SEEK_SET) != 0)
        goto out;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, ifd, 0);
    posix_spawn_file_actions_adddup2(&fa, ofd, 1);
    posix_spawn_file_actions_adddup2(&fa, ofd, 2);
    int e = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (e != 0) {
        char eb[128];
        rc = -e;
        snprintf(out, OUTPUT_MAX, "cannot run %s: %s", argv[0], util_strerror(e, eb, sizeof(eb)));
        goto out;
    }
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    ssize_t n = pread(ofd, out, OUTPUT_MAX - 1, 0);
    out[n > 0 ? n : 0] = '\0';
    out[strcspn(out, "\n")] = '\0';
    rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
out:
    if (ifd >= 0)
        close(ifd);
    if (ofd >= 0)
        close(ofd);
    return rc;
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
    buf_init(&rules, 1 << 16);
    int rc = contain_fw_ruleset(cfg, family, &rules);
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
    if ((rc = restore(cfg, AF_INET, err, errlen)) < 0 ||
        (rc = restore(cfg, AF_INET6, err, errlen)) < 0)
        return rc;
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

/* "-s IP -m quota --quota N …": one container's allowance. */
static void egress_rule(const struct config *cfg, const char *ip, char *out, size_t len)
{
    snprintf(out, len, "-s %s -m quota --quota %lld " COMMENT " -j ACCEPT", ip,
             cfg->containment.egress_bytes);
}

int contain_fw_egress_allow(const struct config *cfg, const char *ip, char *err, size_t errlen)
{
    char rule[192], out[OUTPUT_MAX];
    if (!cfg->containment.negress)
        return 0;
    egress_rule(cfg, ip, rule, sizeof(rule));
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
    char rule[192], out[OUTPUT_MAX];
    if (!cfg->containment.negress)
        return;
    egress_rule(cfg, ip, rule, sizeof(rule));
    for (int k = 0; k < 16 && iptables(AF_INET, "filter", "-D", "KARAKURI-EGRESS", rule, out) == 0;
         k++)
        ;
}
