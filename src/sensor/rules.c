/* sensor rules: written with iptables-restore --noflush (the chain) and
 * iptables -I / -D (the jumps), the same nft-backed iptables the
 * containment rules and Docker use (rules.h). */
#include "sensor/rules.h"

#include "common/buf.h"
#include "common/spawn.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define OUT_MAX 4096
#define COMMENT "karakuri-sensor"

int sensor_rules_ifaces(const char *list, char names[][16], size_t max)
{
    size_t n = 0;
    for (const char *at = list; *at;) {
        size_t l = strcspn(at, ",");
        if (l == 0 || l >= 16 || n >= max)
            return -EINVAL;
        for (size_t i = 0; i < l; i++)
            if (!isalnum((unsigned char)at[i]) && !strchr("._-@", at[i]))
                return -EINVAL;
        memcpy(names[n], at, l);
        names[n][l] = '\0';
        n++;
        at += l + (at[l] == ',');
    }
    return (int)n;
}

int sensor_rules_text(int family, char names[][16], size_t nnames, uint16_t queue,
                      const uint16_t *skip_tcp, size_t nskip, struct buf *out)
{
    const char *c = SENSOR_CHAIN;
    int rc = buf_appendf(out,
                         "*mangle\n:%s - [0:0]\n-A %s -m socket --nowildcard -j RETURN\n"
                         "-A %s -m addrtype ! --dst-type LOCAL -j RETURN\n",
                         c, c, c);
    for (size_t i = 0; rc == 0 && i < nskip; i++)
        rc = buf_appendf(out, "-A %s -p tcp --dport %u -j RETURN\n", c, (unsigned)skip_tcp[i]);
    if (rc == 0)
        rc = buf_appendf(out,
                         "-A %s -p tcp --syn -j NFQUEUE --queue-num %u --queue-bypass\n"
                         "-A %s -p udp -m conntrack --ctstate NEW -j NFQUEUE --queue-num %u "
                         "--queue-bypass\n",
                         c, (unsigned)queue, c, (unsigned)queue);
    for (size_t i = 0; rc == 0 && i < nnames; i++)
        rc = buf_appendf(out, "-A INPUT -i %s -m comment --comment %s -j %s\n", names[i], COMMENT,
                         c);
    if (rc == 0)
        rc = buf_appendf(out, "COMMIT\n");
    (void)family;
    return rc;
}

/* Runs argv with stdin from in (may be NULL); its exit status (or a
 * negative errno), what it printed in out (first line). */
static int run(char *const argv[], const char *in, char out[OUT_MAX])
{
    int ifd = memfd_create("karakuri-in", MFD_CLOEXEC);
    int ofd = memfd_create("karakuri-out", MFD_CLOEXEC);
    size_t inlen = in ? strlen(in) : 0;
    int rc = -EIO, status = 0;
    pid_t pid;

    out[0] = '\0';
    if (ifd < 0 || ofd < 0) {
        rc = -errno;
        goto out;
    }
    if ((inlen && write(ifd, in, inlen) != (ssize_t)inlen) || lseek(ifd, 0, SEEK_SET) != 0)
        goto out;
    rc = spawn_start(argv, ifd, ofd, ofd, &pid);
    if (rc < 0) {
        snprintf(out, OUT_MAX, "cannot run %s", argv[0]);
        goto out;
    }
    rc = spawn_wait(pid, &status);
    if (rc < 0)
        goto out;
    ssize_t n = pread(ofd, out, OUT_MAX - 1, 0);
    out[n > 0 ? n : 0] = '\0';
    rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
out:
    if (ifd >= 0)
        close(ifd);
    if (ofd >= 0)
        close(ofd);
    return rc;
}

static char *tool(int family, bool restore)
{
    if (restore)
        return family == AF_INET ? "iptables-restore" : "ip6tables-restore";
    return family == AF_INET ? "iptables" : "ip6tables";
}

/* Deletes every jump to the chain from mangle INPUT (as listed by -S). */
static void remove_jumps(int family)
{
    char out[OUT_MAX], line[512];
    char *argv[] = {tool(family, false), "-w", "10", "-t", "mangle", "-S", "INPUT", NULL};
    if (run(argv, NULL, out) != 0)
        return;
    char listing[OUT_MAX];
    snprintf(listing, sizeof(listing), "%s", out);
    for (char *save = NULL, *l = strtok_r(listing, "\n", &save); l;
         l = strtok_r(NULL, "\n", &save)) {
        if (strncmp(l, "-A INPUT ", 9) != 0 || !strstr(l, "-j " SENSOR_CHAIN))
            continue;
        char *dv[40];
        size_t n = 0;
        dv[n++] = tool(family, false);
        dv[n++] = "-w";
        dv[n++] = "10";
        dv[n++] = "-t";
        dv[n++] = "mangle";
        dv[n++] = "-D";
        snprintf(line, sizeof(line), "%s", l + 3);
        for (char *s2 = NULL, *t = strtok_r(line, " ", &s2); t && n < 39;
             t = strtok_r(NULL, " ", &s2))
            dv[n++] = t;
        dv[n] = NULL;
        (void)run(dv, NULL, out);
    }
}

int sensor_rules_remove(unsigned *removed, char *err, size_t errlen)
{
    static const int families[] = {AF_INET, AF_INET6};
    char out[OUT_MAX];
    *removed = 0;
    for (size_t i = 0; i < 2; i++) {
        int f = families[i];
        remove_jumps(f);
        char *sv[] = {tool(f, false), "-w", "10", "-t", "mangle", "-S", SENSOR_CHAIN, NULL};
        if (run(sv, NULL, out) != 0)
            continue;
        char *fv[] = {tool(f, false), "-w", "10", "-t", "mangle", "-F", SENSOR_CHAIN, NULL};
        char *xv[] = {tool(f, false), "-w", "10", "-t", "mangle", "-X", SENSOR_CHAIN, NULL};
        (void)run(fv, NULL, out);
        if (run(xv, NULL, out) != 0) {
            snprintf(err, errlen, "%s -t mangle -X %s: %s", tool(f, false), SENSOR_CHAIN, out);
            return -EIO;
        }
        (*removed)++;
    }
    return 0;
}

int sensor_rules_install(char names[][16], size_t nnames, uint16_t queue, const uint16_t *skip_tcp,
                         size_t nskip, char *err, size_t errlen)
{
    static const int families[] = {AF_INET, AF_INET6};
    char out[OUT_MAX];
    unsigned removed;
    int rc = sensor_rules_remove(&removed, err, errlen);
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < 2; i++) {
        struct buf text;
        buf_init(&text, 1 << 16);
        rc = sensor_rules_text(families[i], names, nnames, queue, skip_tcp, nskip, &text);
        char *argv[] = {tool(families[i], true), "-w", "10", "--noflush", NULL};
        if (rc == 0 && (rc = run(argv, text.data, out)) != 0) {
            snprintf(err, errlen, "%s: %s", argv[0], out);
            rc = rc < 0 ? rc : -EIO;
        }
        buf_free(&text);
        if (rc < 0) {
            /* Best effort: the error that matters is the install's. */
            if (sensor_rules_remove(&removed, out, sizeof(out)) < 0)
                removed = 0;
            return rc;
        }
    }
    return 0;
}
