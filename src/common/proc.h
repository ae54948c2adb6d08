/* proc: a container's process held by handle, not by number. A pid kept
 * for later is reused by another process once its own ends (a killed
 * container, a restarted engine); acting on it then would act on whatever
 * holds it now, the host's own processes among them. A proc_ref is a pidfd
 * and an open /proc/<pid> directory, both tied to the process itself (not
 * its number), taken once the process is seen in the container's cgroup;
 * everything done to it goes through them. */
#ifndef KARAKURI_COMMON_PROC_H
#define KARAKURI_COMMON_PROC_H

#include <stdbool.h>
#include <sys/types.h>

struct proc_ref {
    pid_t pid;
    int pidfd; /* pidfd_open(2): polls readable once the process has ended */
    int dirfd; /* /proc/<pid>: openat() relative to it never reaches another process */
};

/* Opens pid, checked to be in the cgroup of container (its full id appears
 * in /proc/<pid>/cgroup) and not in the caller's pid namespace. -ESRCH when
 * it is gone or is another process. */
int proc_ref_open(pid_t pid, const char *container, struct proc_ref *out)
    __attribute__((warn_unused_result));

/* Whether the process is still alive and still in container's cgroup. */
bool proc_ref_alive(const struct proc_ref *p, const char *container);

/* Closes both handles and makes p PROC_REF_NONE (which it may already be). */
void proc_ref_close(struct proc_ref *p);

/* A ref that holds nothing (fds -1). */
#define PROC_REF_NONE ((struct proc_ref){.pid = 0, .pidfd = -1, .dirfd = -1})

#endif
