/* proc: processes by pidfd and /proc directory (see proc.h). */
#include "common/proc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <unistd.h>

/* Whether the cgroup file under dirfd names container (at least 12 hex
 * digits; Docker's paths carry the full id). */
static bool in_cgroup(int dirfd, const char *container)
{
    char buf[4096];
    if (strlen(container) < 12)
        return false;
    int fd = openat(dirfd, "cgroup", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
        return false;
    buf[n] = '\0';
    return strstr(buf, container) != NULL;
}

static bool ended(int pidfd)
{
    struct pollfd p = {.fd = pidfd, .events = POLLIN};
    return poll(&p, 1, 0) != 0;
}

int proc_ref_open(pid_t pid, const char *container, struct proc_ref *out)
{
    char path[32];
    struct stat self, st;
    struct proc_ref p = {.pid = pid, .pidfd = -1, .dirfd = -1};
    int rc = -ESRCH;
    if (pid <= 1)
        return -ESRCH;
    snprintf(path, sizeof(path), "/proc/%d", (int)pid);
    if ((p.pidfd = pidfd_open(pid, 0)) < 0 ||
        (p.dirfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
        goto out;
    /* Not ours (the host's pid namespace), and the container's. */
    if (stat("/proc/self/ns/pid", &self) < 0 || fstatat(p.dirfd, "ns/pid", &st, 0) < 0 ||
        (st.st_ino == self.st_ino && st.st_dev == self.st_dev) || !in_cgroup(p.dirfd, container))
        goto out;
    /* Alive after the directory was opened: the number was this process's
     * from pidfd_open to now, so the directory is its own. */
    if (ended(p.pidfd))
        goto out;
    *out = p;
    return 0;
out:
    proc_ref_close(&p);
    return rc;
}

bool proc_ref_alive(const struct proc_ref *p, const char *container)
{
    return p->pidfd >= 0 && p->dirfd >= 0 && !ended(p->pidfd) && in_cgroup(p->dirfd, container);
}

void proc_ref_close(struct proc_ref *p)
{
    if (p->pidfd >= 0)
        close(p->pidfd);
    if (p->dirfd >= 0)
        close(p->dirfd);
    p->pidfd = p->dirfd = -1;
}
