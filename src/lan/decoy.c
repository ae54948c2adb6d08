/* lan decoy: pool containers and their set-up at claim time (see decoy.h). */
#include "lan/decoy.h"

#include "common/buf.h"
#include "common/log.h"
#include "common/tar.h"
#include "common/util.h"
#include "common/xalloc.h"
#include "config/config.h"
#include "contain/limits.h"
#include "docker/docker.h"
#include "lan/honeynet.h"
#include "lan/netns.h"
#include "lan/plan.h"
#include "lan/tells.h"
#include "lan/trail.h"
#include "ssh/hostkeys.h"

#include <crypt.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define READY_WAIT_MS 20000
#define ETC_FILE_MAX (1 << 20)

#define MAX_SERVICES 32

/* A listening TCP socket in a container: its port and socket inode. */
struct listener {
    unsigned port;
    unsigned long inode;
};

/* Field i (0-based, blank-separated) of line: where it starts. */
static const char *field(const char *line, int i)
{
    const char *p = line;
    for (;;) {
        while (*p == ' ')
            p++;
        if (!*p || i-- == 0)
            return p;
        while (*p && *p != ' ')
            p++;
    }
}

bool lan_tcp_listener_parse(const char *line, unsigned *port, unsigned long *inode)
{
    /* local address:port, state, …, inode (fields 1, 3, 9) */
    const char *colon = strchr(field(line, 1), ':');
    if (!colon || strtoul(field(line, 3), NULL, 16) != 0x0A)
        return false;
    *port = (unsigned)strtoul(colon + 1, NULL, 16);
    *inode = strtoul(field(line, 9), NULL, 10);
    return true;
}

/* The listening sockets of the network namespace of the process whose
 * /proc directory is proc, from lines like
 * "  0: 00000000:0016 00000000:0000 0A … 0 12345 …" of its net/tcp.
 * Returns how many were written to out (at most max). */
static size_t listeners(int proc, struct listener *out, size_t max)
{
    char line[256];
    int fd = openat(proc, "net/tcp", O_RDONLY | O_CLOEXEC);
    FILE *f = fd >= 0 ? fdopen(fd, "re") : NULL;
    size_t n = 0;
    if (fd >= 0 && !f)
        close(fd);
    while (f && n < max && fgets(line, sizeof(line), f)) {
        struct listener l;
        if (lan_tcp_listener_parse(line, &l.port, &l.inode))
            out[n++] = l;
    }
    if (f)
        fclose(f);
    return n;
}

/* True once sshd and every service listen. */
static bool ready(int proc, const uint16_t *services, size_t nservices)
{
    struct listener l[MAX_SERVICES + 8];
    size_t n = listeners(proc, l, sizeof(l) / sizeof(l[0])), found = 0;
    for (size_t i = 0; i < nservices + 1; i++) {
        unsigned want = i < nservices ? services[i] : 22;
        for (size_t k = 0; k < n; k++)
            if (l[k].port == want) {
                found++;
                break;
            }
    }
    return found == nservices + 1;
}

static bool has_port(const uint16_t *ports, unsigned port)
{
    for (; *ports; ports++)
        if (*ports == port)
            return true;
    return false;
}

/* The port the process whose /proc directory is proc listens on, from its
 * open sockets (0: none of l). */
static unsigned port_of(int proc, const struct listener *l, size_t n)
{
    char link[64];
    int fds = openat(proc, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *dir = fds >= 0 ? fdopendir(fds) : NULL;
    struct dirent *e;
    unsigned port = 0;
    if (fds >= 0 && !dir)
        close(fds);
    while (dir && !port && (e = readdir(dir))) {
        ssize_t len = readlinkat(dirfd(dir), e->d_name, link, sizeof(link) - 1);
        if (len <= 0)
            continue;
        link[len] = '\0';
        char *end;
        if (strncmp(link, "socket:[", 8) != 0)
            continue;
        unsigned long inode = strtoul(link + 8, &end, 10);
        if (*end != ']')
            continue;
        for (size_t i = 0; i < n && !port; i++)
            if (l[i].inode == inode)
                port = l[i].port;
    }
    if (dir)
        closedir(dir);
    return port;
}

/* The parent of the process whose /proc directory is proc (0: unknown). */
static pid_t parent_of(int proc)
{
    char buf[2048];
    int fd = openat(proc, "status", O_RDONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
    if (fd >= 0)
        close(fd);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    const char *pp = strstr(buf, "\nPPid:");
    return pp ? (pid_t)strtol(pp + 7, NULL, 10) : 0;
}

/* Takes child of init into dc's services when it listens elsewhere than on
 * 22: held by pidfd, checked to be init's child while init lives (so that
 * neither number was reused meanwhile). */
static void take_child(struct lan_decoy *dc, pid_t child, const struct listener *l, size_t n)
{
    char path[32];
    snprintf(path, sizeof(path), "/proc/%d", (int)child);
    int pidfd = pidfd_open(child, 0);
    int proc = pidfd >= 0 ? open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
    struct pollfd alive[2] = {{.fd = dc->init.pidfd, .events = POLLIN},
                              {.fd = pidfd, .events = POLLIN}};
    if (proc >= 0 && parent_of(proc) == dc->init.pid && poll(alive, 2, 0) == 0 &&
        dc->nservices < LAN_DECOY_SERVICES) {
        unsigned port = port_of(proc, l, n);
        if (port && port != 22) {
            dc->service_pidfd[dc->nservices] = pidfd;
            dc->service_port[dc->nservices++] = (uint16_t)port;
            pidfd = -1;
        }
    }
    if (proc >= 0)
        close(proc);
    if (pidfd >= 0)
        close(pidfd);
}

/* Finds the decoy's services, once, when it is ready: its init's children
 * listening elsewhere than on 22 (sshd is the init itself). At claim time
 * stopping those of other roles is then a signal each: looking them up in
 * /proc took a claim 5-40 ms on a busy host. */
static void find_services(struct lan_decoy *dc)
{
    struct listener l[MAX_SERVICES + 8];
    size_t n = listeners(dc->init.dirfd, l, sizeof(l) / sizeof(l[0]));
    char path[64];
    snprintf(path, sizeof(path), "task/%d/children", (int)dc->init.pid);
    int fd = openat(dc->init.dirfd, path, O_RDONLY | O_CLOEXEC);
    char list[4096] = "";
    ssize_t len = fd >= 0 ? read(fd, list, sizeof(list) - 1) : -1;
    if (fd >= 0)
        close(fd);
    if (len <= 0)
        return;
    list[len] = '\0';
    char *p = list, *end;
    for (long child; (child = strtol(p, &end, 10)) > 0; p = end)
        take_child(dc, (pid_t)child, l, n);
}

/* Ends the decoy's services that are not among keep, from the host: nothing
 * in the container is asked. */
static void stop_services(const struct lan_decoy *dc, const uint16_t *keep)
{
    for (size_t i = 0; i < dc->nservices; i++)
        if (!has_port(keep, dc->service_port[i]) &&
            pidfd_send_signal(dc->service_pidfd[i], SIGKILL, NULL, 0) < 0) {
            /* Ended by itself meanwhile. */
        }
}

/* The files a claim writes, opened for writing once now, unchanged: the
 * overlay file system copies a lower file up (and, on this kernel, syncs it
 * to disk) at its first open for writing, which took a claim 8-20 ms. Done
 * here, the claim only writes. /home is copied up the same way, by a
 * directory made and removed. */
static void warm_files(int proc)
{
    static const char *const files[] = {"root/etc/passwd", "root/etc/group",
                                        "root/etc/shadow", "root/etc/hostname",
                                        "root/etc/hosts",  "root/etc/resolv.conf"};
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        int fd = openat(proc, files[i], O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW);
        if (fd >= 0)
            close(fd);
    }
    if (mkdirat(proc, "root/home/.kk-warm", 0700) == 0 &&
        unlinkat(proc, "root/home/.kk-warm", AT_REMOVEDIR) < 0) {
        /* Left behind: an empty hidden directory, removed at the next try. */
    }
}

/* The key set as files of /etc/ssh, put into the created container. */
static int put_keys(struct docker *d, const char *id, const struct kssh_keyset *ks)
{
    struct buf tarball;
    int rc = 0, fd = -1;
    buf_init(&tarball, 1 << 20);
    for (int i = 0; i < KSSH_HOSTKEYS && rc == 0; i++)
        rc = ks->pem[i] ? tar_append(&tarball, kssh_hostkey_types[i].file, ks->pem[i],
                                     strlen(ks->pem[i]), 0600)
                        : -EINVAL;
    if (rc == 0)
        rc = tar_finish(&tarball);
    if (rc == 0) {
        fd = memfd_create("karakuri-decoy-keys", MFD_CLOEXEC);
        if (fd < 0 || write(fd, tarball.data, tarball.len) != (ssize_t)tarball.len ||
            lseek(fd, 0, SEEK_SET) != 0)
            rc = -EIO;
    }
    if (rc == 0)
        rc = docker_container_archive_put(d, id, "/etc/ssh", fd);
    if (fd >= 0)
        close(fd);
    buf_free(&tarball);
    return rc;
}

/* The trails' directories (trail.h) in the created decoy's init layer, into
 * layer (n bytes; "" without one). Before the start: an overlay looks a
 * directory up in its lower layers once, so files planted at claim time go
 * only into directories that were there when it was mounted. */
static void trail_dirs(struct docker *d, const char *id, char *layer, size_t n)
{
    json_t *info = NULL;
    if (docker_container_inspect(d, id, &info) < 0 || lan_tells_layer_of(info, layer, n) < 0 ||
        lan_trail_dirs(layer) < 0)
        layer[0] = '\0';
    json_decref(info);
}

int lan_decoy_make(struct docker *d, const struct config *cfg, const struct kssh_keyset *keys,
                   struct lan_decoy *out, char *err, size_t errlen)
{
    char *image = xasprintf("%s:latest", cfg->images.decoy_image);
    char *id = NULL;
    json_t *info = NULL;
    uint16_t services[MAX_SERVICES];
    size_t nservices = lan_role_services(services, MAX_SERVICES);
    char cmd[MAX_SERVICES * 32 + 64];
    size_t len = 0;
    /* Every role's services, then the image's init (which runs sshd, cron
     * and rsyslogd): the services are the init's children, as sshd is. */
    for (size_t i = 0; i < nservices; i++)
        len += (size_t)snprintf(cmd + len, sizeof(cmd) - len, "/usr/local/lib/netsvc %u & ",
                                (unsigned)services[i]);
    snprintf(cmd + len, sizeof(cmd) - len, "exec /sbin/init");
    /* No network until claimed; IPv6 off so that its link says nothing the
     * gateway's would not; a cgroup namespace of its own (/proc/<pid>/cgroup
     * shows "/", not /docker/<id>). */
    json_t *spec =
        json_pack("{s:s, s:[s, s, s], s:s, s:{s:s, s:s, s:s}, s:{s:s, s:s, s:{s:s, s:s}}}", "Image",
                  image, "Cmd", "/bin/sh", "-c", cmd, "Hostname", "localhost", "Labels",
                  DOCKER_LABEL_MANAGED, "1", LAN_LABEL_ROLE, "decoy", LAN_LABEL_POOL, "1",
                  "HostConfig", "NetworkMode", "none", "CgroupnsMode", "private", "Sysctls",
                  "net.ipv6.conf.all.disable_ipv6", "1", "net.ipv6.conf.default.disable_ipv6", "1");
    contain_host_config(cfg, json_object_get(spec, "HostConfig"));
    int rc = docker_container_create(d, NULL, spec, &id);
    json_decref(spec);
    free(image);
    if (rc < 0) {
        snprintf(err, errlen, "creating a decoy: %s", docker_last_error(d));
        return rc;
    }
    if (keys && (rc = put_keys(d, id, keys)) < 0) {
        snprintf(err, errlen, "putting a decoy's host keys in place: %s", docker_last_error(d));
        goto fail;
    }
    char layer[sizeof(out->layer)] = "";
    trail_dirs(d, id, layer, sizeof(layer));
    if ((rc = docker_container_start(d, id)) < 0 ||
        (rc = docker_container_inspect(d, id, &info)) < 0) {
        snprintf(err, errlen, "starting a decoy: %s", docker_last_error(d));
        goto fail;
    }
    json_int_t pid = json_integer_value(json_object_get(json_object_get(info, "State"), "Pid"));
    struct proc_ref init;
    if (pid <= 0 || pid > INT_MAX || proc_ref_open((pid_t)pid, id, &init) < 0) {
        json_decref(info);
        snprintf(err, errlen, "a decoy stopped at once");
        rc = -ECHILD;
        goto fail;
    }
    /* The engine's mounts of /etc/hosts and the like, taken away (tells.h);
     * a decoy that keeps them still serves. */
    char why[256];
    if (lan_tells_hide(info, &init, NULL, NULL, why, sizeof(why)) < 0)
        LOG_RATELIMITED(LOG_LEVEL_WARN, "lan: decoy %.12s keeps the engine's mounts: %s", id, why);
    json_decref(info);
    long long deadline = util_mono_us() + READY_WAIT_MS * 1000LL;
    while (!ready(init.dirfd, services, nservices)) {
        if (util_mono_us() > deadline) {
            snprintf(err, errlen, "a decoy's sshd or services did not start");
            proc_ref_close(&init);
            rc = -ETIMEDOUT;
            goto fail;
        }
        struct timespec ts = {0, 20000000L};
        nanosleep(&ts, NULL);
    }
    warm_files(init.dirfd);
    memset(out, 0, sizeof(*out));
    snprintf(out->id, sizeof(out->id), "%s", id);
    memcpy(out->layer, layer, sizeof(out->layer));
    out->init = init;
    find_services(out);
    free(id);
    return 0;
fail:
    if (docker_container_remove(d, id, true, true) < 0) {
        /* Labelled: cleanup finds it. */
    }
    free(id);
    return rc;
}

/* What useradd accepts with Debian's defaults, a little stricter. */
static bool name_ok(const char *n)
{
    size_t len = strlen(n);
    if (len == 0 || len > 32 || n[0] == '-' || n[0] == '.' || strcmp(n, "root") == 0)
        return false;
    for (const char *p = n; *p; p++)
        if (!(*p >= 'a' && *p <= 'z') && !(*p >= 'A' && *p <= 'Z') && !(*p >= '0' && *p <= '9') &&
            !strchr("._-", *p))
            return false;
    return true;
}

int lan_user_make(const char *name, const char *password, struct lan_user *out)
{
    char salt[CRYPT_GENSALT_OUTPUT_SIZE];
    struct crypt_data cd;
    if (!name_ok(name) || strchr(password, '\n') || strchr(password, ':'))
        return -EINVAL;
    if (!crypt_gensalt_rn("$6$", 0, NULL, 0, salt, sizeof(salt)))
        return -EIO;
    memset(&cd, 0, sizeof(cd));
    const char *h = crypt_r(password, salt, &cd);
    if (!h || h[0] == '*' || strlen(h) >= sizeof(out->hash))
        return -EIO;
    snprintf(out->name, sizeof(out->name), "%s", name);
    snprintf(out->hash, sizeof(out->hash), "%s", h);
    return 0;
}

/* ---- files in the container, reached through its init's /proc directory
 * (proc): "root/etc/passwd" relative to it ---- */

static char *root_path(const char *path)
{
    return xasprintf("root%s", path);
}

static int read_all(int proc, const char *path, struct buf *b)
{
    char *p = root_path(path);
    int fd = openat(proc, p, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    free(p);
    if (fd < 0)
        return -errno;
    char chunk[8192];
    ssize_t n;
    int rc = 0;
    while ((n = read(fd, chunk, sizeof(chunk))) > 0)
        if (buf_append(b, chunk, (size_t)n) < 0) {
            rc = -EFBIG;
            break;
        }
    if (n < 0)
        rc = -errno;
    close(fd);
    return rc;
}

/* Rewrites path in place, so its owner and mode stay. */
static int write_all(int proc, const char *path, const char *data, size_t len, bool append)
{
    char *p = root_path(path);
    int fd = openat(proc, p, O_WRONLY | O_CLOEXEC | O_NOFOLLOW | (append ? O_APPEND : O_TRUNC));
    free(p);
    if (fd < 0)
        return -errno;
    int rc = write(fd, data, len) == (ssize_t)len ? 0 : -EIO;
    close(fd);
    return rc;
}

/* Rewrites path in place without cutting it to nothing first: ext4 flushes
 * a file truncated to 0 and rewritten at its close (auto_da_alloc), which
 * cost a claim tens of ms. */
static int write_over(int proc, const char *path, const char *data, size_t len)
{
    char *p = root_path(path);
    int fd = openat(proc, p, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
    free(p);
    if (fd < 0)
        return -errno;
    int rc = pwrite(fd, data, len, 0) == (ssize_t)len && ftruncate(fd, (off_t)len) == 0 ? 0 : -EIO;
    close(fd);
    return rc;
}

/* The line of an /etc file whose first field is name, or NULL. */
static const char *find_entry(const struct buf *b, const char *name)
{
    size_t n = strlen(name);
    for (const char *l = b->data; l && l < b->data + b->len;) {
        if (strncmp(l, name, n) == 0 && l[n] == ':')
            return l;
        const char *nl = memchr(l, '\n', (size_t)(b->data + b->len - l));
        l = nl ? nl + 1 : NULL;
    }
    return NULL;
}

/* The lowest id ≥ 1000 that no line of b (passwd or group) uses. */
static unsigned free_id(const struct buf *b, const struct buf *b2)
{
    unsigned id = 1000;
    for (bool again = true; again;) {
        again = false;
        const struct buf *files[] = {b, b2};
        for (int f = 0; f < 2; f++) {
            char needle[24];
            int k = snprintf(needle, sizeof(needle), ":x:%u:", id);
            for (const char *l = files[f]->data; l && !again;) {
                const char *hit =
                    memmem(l, (size_t)(files[f]->data + files[f]->len - l), needle, (size_t)k);
                if (!hit)
                    break;
                again = true;
            }
        }
        if (again)
            id++;
    }
    return id;
}

static int copy_skel(int proc, const char *home, unsigned id)
{
    static const char *const files[] = {".bashrc", ".profile", ".bash_logout"};
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        struct buf b;
        buf_init(&b, 65536);
        char *src = xasprintf("/etc/skel/%s", files[i]);
        char *dst = xasprintf("%s/%s", home, files[i]);
        char *dp = root_path(dst);
        if (read_all(proc, src, &b) == 0) {
            int fd = openat(proc, dp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
            if (fd >= 0) {
                if (write(fd, b.data ? b.data : "", b.len) != (ssize_t)b.len ||
                    fchown(fd, id, id) < 0) {
                    /* A short skeleton file is no reason to refuse the login. */
                }
                close(fd);
            }
        }
        free(dp);
        free(dst);
        free(src);
        buf_free(&b);
    }
    return 0;
}

static int add_user(int proc, const struct lan_user *u, struct buf *passwd, struct buf *group,
                    struct buf *shadow)
{
    const char *sh = find_entry(shadow, u->name);
    long days = (long)(time(NULL) / 86400);
    if (find_entry(passwd, u->name) && sh) {
        /* Exists (an earlier login): new password. */
        const char *f2 = strchr(sh, ':') + 1, *rest = strchr(f2, ':');
        if (!rest)
            return -EPROTO;
        struct buf nb;
        buf_init(&nb, ETC_FILE_MAX);
        if (buf_append(&nb, shadow->data, (size_t)(f2 - shadow->data)) < 0 ||
            buf_append(&nb, u->hash, strlen(u->hash)) < 0 ||
            buf_append(&nb, rest, (size_t)(shadow->data + shadow->len - rest)) < 0) {
            buf_free(&nb);
            return -EFBIG;
        }
        buf_free(shadow);
        *shadow = nb;
        return 0;
    }
    unsigned id = free_id(passwd, group);
    char line[512];
    int n =
        snprintf(line, sizeof(line), "%s:x:%u:%u::/home/%s:/bin/bash\n", u->name, id, id, u->name);
    if (buf_append(passwd, line, (size_t)n) < 0)
        return -EFBIG;
    n = snprintf(line, sizeof(line), "%s:x:%u:\n", u->name, id);
    if (buf_append(group, line, (size_t)n) < 0)
        return -EFBIG;
    n = snprintf(line, sizeof(line), "%s:%s:%ld:0:99999:7:::\n", u->name, u->hash, days);
    if (buf_append(shadow, line, (size_t)n) < 0)
        return -EFBIG;
    char *home = xasprintf("/home/%s", u->name);
    char *hp = root_path(home);
    if (mkdirat(proc, hp, 0755) == 0) {
        if (fchownat(proc, hp, id, id, AT_SYMLINK_NOFOLLOW) < 0) {
            /* Owned by root: odd, but the login still works. */
        }
        copy_skel(proc, home, id);
    }
    free(hp);
    free(home);
    return 0;
}

static int set_users(int proc, const struct lan_user *users, size_t n, char *err, size_t errlen)
{
    struct buf passwd, group, shadow;
    char eb[128];
    int rc;
    buf_init(&passwd, ETC_FILE_MAX);
    buf_init(&group, ETC_FILE_MAX);
    buf_init(&shadow, ETC_FILE_MAX);
    if ((rc = read_all(proc, "/etc/passwd", &passwd)) < 0 ||
        (rc = read_all(proc, "/etc/group", &group)) < 0 ||
        (rc = read_all(proc, "/etc/shadow", &shadow)) < 0) {
        snprintf(err, errlen, "reading the decoy's users: %s", util_strerror(rc, eb, sizeof(eb)));
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        if ((rc = add_user(proc, &users[i], &passwd, &group, &shadow)) < 0) {
            snprintf(err, errlen, "adding user %s: %s", users[i].name,
                     util_strerror(rc, eb, sizeof(eb)));
            goto out;
        }
    if ((rc = write_all(proc, "/etc/passwd", passwd.data, passwd.len, false)) < 0 ||
        (rc = write_all(proc, "/etc/group", group.data, group.len, false)) < 0 ||
        (rc = write_all(proc, "/etc/shadow", shadow.data, shadow.len, false)) < 0)
        snprintf(err, errlen, "writing the decoy's users: %s", util_strerror(rc, eb, sizeof(eb)));
out:
    buf_free(&passwd);
    buf_free(&group);
    buf_free(&shadow);
    return rc;
}

/* The trails (decoy.h): the host key in place of the one it was made with
 * (sshd reads its host keys at each connection), then the files. */
static int plant_trails(const struct lan_decoy *dc, const struct lan_decoy_trails *t, char *err,
                        size_t errlen)
{
    char eb[128];
    int rc = 0;
    if (t->hostkey && (rc = write_over(dc->init.dirfd, "/etc/ssh/ssh_host_ed25519_key", t->hostkey,
                                       strlen(t->hostkey))) < 0) {
        snprintf(err, errlen, "writing the host key: %s", util_strerror(rc, eb, sizeof(eb)));
        return rc;
    }
    if (!t->files)
        return 0;
    /* Without an init layer, through the init's root: changed files then. */
    char root[64];
    snprintf(root, sizeof(root), "/proc/%d/root", (int)dc->init.pid);
    if ((rc = lan_trail_write(dc->layer[0] ? dc->layer : root, t->files)) < 0)
        snprintf(err, errlen, "writing the trails: %s", util_strerror(rc, eb, sizeof(eb)));
    return rc;
}

int lan_decoy_setup(const struct lan_decoy *dc, const char *hostname, const char *ip,
                    const uint16_t *ports, const struct lan_user *users, size_t nusers,
                    const struct lan_decoy_trails *trails, char *err, size_t errlen)
{
    if (!lan_decoy_alive(dc)) {
        snprintf(err, errlen, "the decoy's init is gone");
        return -ESRCH;
    }
    stop_services(dc, ports);
    char eb[128];
    int rc = lan_netns_hostname(dc->init.dirfd, hostname);
    if (rc < 0) {
        snprintf(err, errlen, "setting the host name: %s", util_strerror(rc, eb, sizeof(eb)));
        return rc;
    }
    char *line = xasprintf("%s\n", hostname);
    rc = write_all(dc->init.dirfd, "/etc/hostname", line, strlen(line), false);
    free(line);
    line = xasprintf("%s\t%s\n%s", ip, hostname, trails && trails->hosts ? trails->hosts : "");
    if (rc == 0)
        rc = write_all(dc->init.dirfd, "/etc/hosts", line, strlen(line), true);
    free(line);
    /* Its LAN is known only now: the resolver is that LAN's .1. */
    uint32_t addr = 0;
    char resolv[64];
    if (rc == 0 && util_ipv4_parse(ip, &addr) == 0) {
        lan_tells_resolv_conf(addr, resolv, sizeof(resolv));
        rc = write_all(dc->init.dirfd, "/etc/resolv.conf", resolv, strlen(resolv), false);
    }
    if (rc < 0) {
        snprintf(err, errlen, "writing the host name: %s", util_strerror(rc, eb, sizeof(eb)));
        return rc;
    }
    if (trails && (rc = plant_trails(dc, trails, err, errlen)) < 0)
        return rc;
    return set_users(dc->init.dirfd, users, nusers, err, errlen);
}

bool lan_decoy_alive(const struct lan_decoy *dc)
{
    return proc_ref_alive(&dc->init, dc->id);
}

void lan_decoy_close(struct lan_decoy *dc)
{
    proc_ref_close(&dc->init);
    for (size_t i = 0; i < dc->nservices; i++)
        close(dc->service_pidfd[i]);
    dc->nservices = 0;
}
