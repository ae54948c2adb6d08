/* lan tells: the engine's mounts of a container hidden from the host (see
 * tells.h). */
#include "lan/tells.h"

#include "common/util.h"
#include "common/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* The engine's files are a few lines; more is not what it writes. */
#define TELL_FILE_MAX 65536

struct tell_file {
    const char *path; /* in the container */
    char data[TELL_FILE_MAX];
    size_t len;
    bool mounted;  /* the engine made it (it has a host path) */
    bool in_layer; /* written into the init layer: the child only unmounts */
};

int lan_tells_init_layer(const char *lowerdir, char *out, size_t n)
{
    static const char suffix[] = "-init/diff";
    const char *colon = lowerdir ? strchr(lowerdir, ':') : NULL;
    size_t len = lowerdir ? (colon ? (size_t)(colon - lowerdir) : strlen(lowerdir)) : 0;
    size_t sl = sizeof(suffix) - 1;
    if (len <= sl || lowerdir[0] != '/' || memcmp(lowerdir + len - sl, suffix, sl) != 0 || len >= n)
        return -ENOENT;
    memcpy(out, lowerdir, len);
    out[len] = '\0';
    return 0;
}

int lan_tells_layer_of(const json_t *info, char *out, size_t n)
{
    json_t *gd = json_object_get(info, "GraphDriver");
    const char *driver = json_string_value(json_object_get(gd, "Name"));
    const char *lower = json_string_value(json_object_get(json_object_get(gd, "Data"), "LowerDir"));
    if (!driver || strcmp(driver, "overlay2") != 0)
        return -ENOENT;
    return lan_tells_init_layer(lower, out, n);
}

static const struct {
    const char *key, *path;
} engine_files[] = {
    {"HostsPath", "/etc/hosts"},
    {"HostnamePath", "/etc/hostname"},
    {"ResolvConfPath", "/etc/resolv.conf"},
};
#define NFILES (sizeof(engine_files) / sizeof(engine_files[0]))

static int read_host_file(const char *path, struct tell_file *f)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return -errno;
    f->len = 0;
    ssize_t r;
    while ((r = read(fd, f->data + f->len, sizeof(f->data) - f->len)) > 0)
        f->len += (size_t)r;
    int rc = r < 0 ? -errno : f->len == sizeof(f->data) ? -EFBIG : 0;
    close(fd);
    return rc;
}

/* Rewrites the regular file at path (no symlink followed at its end) with
 * data, in place: owner and mode stay. */
static int write_in_place(const char *path, const char *data, size_t len)
{
    struct stat st;
    int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (fd < 0)
        return -errno;
    int rc = fstat(fd, &st) < 0 ? -errno : S_ISREG(st.st_mode) ? 0 : -EINVAL;
    for (size_t off = 0; rc == 0 && off < len;) {
        ssize_t w = write(fd, data + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            rc = w < 0 ? -errno : -EIO;
        else
            off += (size_t)w;
    }
    close(fd);
    return rc;
}

/* Whether path is on another file system than its directory /etc: an
 * engine mount (its files live on the host's disk, the root is an overlay). */
static bool mounted_over(const char *path)
{
    struct stat f, dir;
    return stat(path, &f) == 0 && stat("/etc", &dir) == 0 && f.st_dev != dir.st_dev;
}

/* The child: in the container's mount namespace and at its init's root
 * (root: an O_PATH descriptor of /proc/<pid>/root, taken before; the
 * namespace's own root need not be the container's), each engine mount taken
 * away, until the path is on the root's file system again, and, unless the
 * init layer holds it, the file underneath written. Only system calls: it is
 * a fork of a threaded process. Its exit status: 0, or 1 + the index of the
 * file that failed (10: setns, 11: chroot, 12: making the mounts private). */
static int child(int pidfd, int root, const struct tell_file *files, size_t n)
{
    if (setns(pidfd, CLONE_NEWNS) < 0)
        return 10;
    if (fchdir(root) < 0 || chroot(".") < 0 || chdir("/") < 0)
        return 11;
    /* The container's mounts are the host's slaves: the engine mounts a
     * running container's mount points into its root for archive requests
     * (file extraction), and they would come back by propagation. Private
     * first: one propagated while the files are unmounted would stay. */
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
        return 12;
    for (size_t i = 0; i < n; i++) {
        const struct tell_file *f = &files[i];
        if (!f->mounted)
            continue;
        for (int tries = 0; mounted_over(f->path); tries++)
            if (tries == 4 || umount2(f->path, MNT_DETACH | UMOUNT_NOFOLLOW) < 0)
                return 1 + (int)i;
        if (!f->in_layer && write_in_place(f->path, f->data, f->len) < 0)
            return 1 + (int)i;
    }
    return 0;
}

static int run_child(const struct proc_ref *init, const struct tell_file *files, size_t n,
                     char *err, size_t errlen)
{
    char eb[128];
    int root = openat(init->dirfd, "root", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (root < 0) {
        int rc = -errno;
        snprintf(err, errlen, "the init's root: %s", util_strerror(rc, eb, sizeof(eb)));
        return rc;
    }
    pid_t pid = fork();
    if (pid < 0) {
        int rc = -errno;
        close(root);
        snprintf(err, errlen, "fork: %s", util_strerror(rc, eb, sizeof(eb)));
        return rc;
    }
    if (pid == 0)
        _exit(child(init->pidfd, root, files, n));
    close(root);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) {
            snprintf(err, errlen, "waiting for the unmount: %s",
                     util_strerror(-errno, eb, sizeof(eb)));
            return -ECHILD;
        }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    if (code == 10 || code == 11)
        snprintf(err, errlen, "cannot enter the container's mount namespace%s",
                 code == 11 ? " at its root" : "");
    else if (code == 12)
        snprintf(err, errlen, "cannot make the container's mounts private");
    else if (code >= 1 && (size_t)code <= n)
        snprintf(err, errlen, "cannot replace the engine's %s", files[code - 1].path);
    else
        snprintf(err, errlen, "the unmount ended with status %d", status);
    return -EIO;
}

void lan_tells_resolv_conf(uint32_t ip, char *out, size_t n)
{
    char a[UTIL_IPV4_LEN];
    util_ipv4_format((ip & 0xffffff00u) + 1, a);
    snprintf(out, n, "nameserver %s\n", a);
}

int lan_tells_hide(const json_t *info, const struct proc_ref *init, const char *hosts_extra,
                   const char *resolv, char *err, size_t errlen)
{
    char layer[4096], path[4200], eb[128];
    bool have_layer = lan_tells_layer_of(info, layer, sizeof(layer)) == 0;
    struct tell_file *files = xcalloc(NFILES, sizeof(*files));
    int rc = 0;

    for (size_t i = 0; i < NFILES && rc == 0; i++) {
        struct tell_file *f = &files[i];
        f->path = engine_files[i].path;
        const char *host = json_string_value(json_object_get(info, engine_files[i].key));
        if (!host || !*host)
            continue; /* not made by the engine (a namespace shared with another container) */
        if ((rc = read_host_file(host, f)) < 0) {
            snprintf(err, errlen, "reading the engine's %s: %s", host,
                     util_strerror(rc, eb, sizeof(eb)));
            break;
        }
        f->mounted = true;
        size_t extra = hosts_extra && i == 0 ? strlen(hosts_extra) : 0;
        if (extra && f->len + extra < sizeof(f->data)) {
            memcpy(f->data + f->len, hosts_extra, extra);
            f->len += extra;
        }
        if (resolv && strcmp(f->path, "/etc/resolv.conf") == 0) {
            f->len = strlen(resolv) < sizeof(f->data) ? strlen(resolv) : sizeof(f->data) - 1;
            memcpy(f->data, resolv, f->len);
        }
        snprintf(path, sizeof(path), "%s%s", layer, f->path);
        f->in_layer = have_layer && write_in_place(path, f->data, f->len) == 0;
    }
    if (rc == 0)
        rc = run_child(init, files, NFILES, err, errlen);
    free(files);
    return rc;
}
