/* contain firewall: karakuri's own chains (see firewall.h). */
#include "contain/firewall.h"

#include "common/buf.h"
#include "common/util.h"

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
    const char *chain;
    const char *rule; /* after the chain name */
};

/* Every jump into karakuri's chains. */
static const struct jump JUMPS[] = {
    {AF_INET, "INPUT", "-i " CONTAIN_BRIDGE_PREFIX "+ " COMMENT " -j KARAKURI-INPUT"},
    {AF_INET, "DOCKER-USER", "-i " CONTAIN_BRIDGE_PREFIX "+ " COMMENT " -j KARAKURI-FORWARD"},
    {AF_INET, "DOCKER-USER", "-o " CONTAIN_BRIDGE_PREFIX "+ " COMMENT " -j KARAKURI-FORWARD"},
    {AF_INET6, "INPUT", "-i " CONTAIN_BRIDGE_PREFIX "+ " COMMENT " -j KARAKURI-INPUT"},
    {AF_INET6, "FORWARD", "-i " CONTAIN_BRIDGE_PREFIX "+ " COMMENT " -j KARAKURI-FORWARD"},
    {AF_INET6, "FORWARD", "-o " CONTAIN_BRIDGE_PREFIX "+ " COMMENT " -j KARAKURI-FORWARD"},
};
#define NJUMPS (sizeof(JUMPS) / sizeof(JUMPS[0]))

static const char *const CHAINS[] = {"KARAKURI-INPUT", "KARAKURI-FORWARD"};

void contain_bridge_name(uint32_t base, char out[IF_NAMESIZE])
{
    snprintf(out, IF_NAMESIZE, CONTAIN_BRIDGE_PREFIX "%u-%u-%u", (unsigned)(base >> 24),
             (unsigned)(base >> 16) & 0xff, (unsigned)(base >> 8) & 0xff);
}

int contain_fw_ruleset(int family, struct buf *out)
{
    int rc = buf_appendf(out, "*filter\n:KARAKURI-INPUT - [0:0]\n:KARAKURI-FORWARD - [0:0]\n");
    if (family == AF_INET) {
        /* Replies to the host's own connections, such as the SSH front
         * end's to a gateway's sshd. */
        rc |=
            buf_appendf(out, "-A KARAKURI-INPUT -m conntrack --ctstate ESTABLISHED,RELATED " COMMENT
                             " -j ACCEPT\n");
        /* Bridged within one LAN: Docker's rules let it through. */
        rc |= buf_appendf(out, "-A KARAKURI-FORWARD -m physdev --physdev-is-bridged " COMMENT
                               " -j RETURN\n");
    } else {
        /* The LANs are IPv4 only: IPv6 between their hosts goes nowhere and
         * is not worth an event. */
        rc |= buf_appendf(out, "-A KARAKURI-FORWARD -m physdev --physdev-is-bridged " COMMENT
                               " -j DROP\n");
    }
    rc |= buf_appendf(out, "-A KARAKURI-INPUT " COMMENT " ");
    rc |= buf_appendf(out, NFLOG, CONTAIN_NFLOG_GROUP, CONTAIN_PREFIX_HOST);
    rc |= buf_appendf(out, "\n-A KARAKURI-INPUT " COMMENT " -j DROP\n");
    /* Only what leaves a honeynet is an event; what is sent to one from
     * elsewhere (another honeynet's is already logged leaving it) is just
     * dropped. */
    rc |= buf_appendf(out, "-A KARAKURI-FORWARD -i " CONTAIN_BRIDGE_PREFIX "+ " COMMENT " ");
    rc |= buf_appendf(out, NFLOG, CONTAIN_NFLOG_GROUP, CONTAIN_PREFIX_ROUTED);
    rc |= buf_appendf(out, "\n-A KARAKURI-FORWARD " COMMENT " -j DROP\nCOMMIT\n");
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
static int iptables(int family, const char *op, const char *chain, const char *rule,
                    char out[OUTPUT_MAX])
{
    char copy[256], *argv[32];
    size_t n = 0;
    argv[n++] = (char *)tool(family);
    argv[n++] = "-w";
    argv[n++] = "10";
    argv[n++] = "-t";
    argv[n++] = "filter";
    argv[n++] = (char *)op;
    argv[n++] = (char *)chain;
    snprintf(copy, sizeof(copy), "%s", rule ? rule : "");
    for (char *save = NULL, *t = strtok_r(copy, " ", &save); t && n < 31;
         t = strtok_r(NULL, " ", &save))
        argv[n++] = t;
    argv[n] = NULL;
    return run(argv, NULL, out);
}

static int restore(int family, char *err, size_t errlen)
{
    struct buf rules;
    char out[OUTPUT_MAX];
    char *argv[] = {family == AF_INET ? "iptables-restore" : "ip6tables-restore", "-w", "10",
                    "--noflush", NULL};
    buf_init(&rules, 1 << 16);
    int rc = contain_fw_ruleset(family, &rules);
    if (rc == 0 && (rc = run(argv, rules.data, out)) != 0) {
        snprintf(err, errlen, "%s: %s", argv[0], out);
        rc = rc < 0 ? rc : -EIO;
    }
    buf_free(&rules);
    return rc;
}

int contain_fw_install(char *err, size_t errlen)
{
    char out[OUTPUT_MAX];
    int rc;

    /* Docker makes DOCKER-USER when it starts; karakuri may be first. */
    if (iptables(AF_INET, "-S", "DOCKER-USER", NULL, out) != 0 &&
        iptables(AF_INET, "-N", "DOCKER-USER", NULL, out) != 0) {
        snprintf(err, errlen, "iptables -N DOCKER-USER: %s", out);
        return -EIO;
    }
    if ((rc = restore(AF_INET, err, errlen)) < 0 || (rc = restore(AF_INET6, err, errlen)) < 0)
        return rc;
    for (size_t i = 0; i < NJUMPS; i++) {
        const struct jump *j = &JUMPS[i];
        if (iptables(j->family, "-C", j->chain, j->rule, out) == 0)
            continue;
        if (iptables(j->family, "-I", j->chain, j->rule, out) != 0) {
            snprintf(err, errlen, "%s -I %s %s: %s", tool(j->family), j->chain, j->rule, out);
            return -EIO;
        }
    }
    return 0;
}

int contain_fw_remove(unsigned *removed, char *err, size_t errlen)
{
    char out[OUTPUT_MAX];
    int rc = 0;

    *removed = 0;
    for (size_t i = 0; i < NJUMPS; i++)
        for (int k = 0;
             k < 16 && iptables(JUMPS[i].family, "-D", JUMPS[i].chain, JUMPS[i].rule, out) == 0;
             k++)
            ;
    for (int family = AF_INET; rc == 0; family = AF_INET6) {
        for (size_t i = 0; i < sizeof(CHAINS) / sizeof(CHAINS[0]); i++) {
            if (iptables(family, "-S", CHAINS[i], NULL, out) != 0)
                continue;
            if (iptables(family, "-F", CHAINS[i], NULL, out) != 0 ||
                iptables(family, "-X", CHAINS[i], NULL, out) != 0) {
                snprintf(err, errlen, "%s -X %s: %s", tool(family), CHAINS[i], out);
                rc = -EIO;
                break;
            }
            (*removed)++;
        }
        if (family == AF_INET6)
            break;
    }
    return rc;
}

int contain_fw_check(char *err, size_t errlen)
{
    char out[OUTPUT_MAX];
    for (int family = AF_INET;; family = AF_INET6) {
        for (size_t i = 0; i < sizeof(CHAINS) / sizeof(CHAINS[0]); i++)
            if (iptables(family, "-S", CHAINS[i], NULL, out) != 0) {
                snprintf(err, errlen, "%s chain %s missing", tool(family), CHAINS[i]);
                return -ENOENT;
            }
        if (family == AF_INET6)
            break;
    }
    for (size_t i = 0; i < NJUMPS; i++)
        if (iptables(JUMPS[i].family, "-C", JUMPS[i].chain, JUMPS[i].rule, out) != 0) {
            snprintf(err, errlen, "%s: no jump in %s (%s)", tool(JUMPS[i].family), JUMPS[i].chain,
                     JUMPS[i].rule);
            return -ENOENT;
        }
    return 0;
}
