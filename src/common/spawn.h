/* spawn: running a program as a child process: posix_spawnp (PATH looked
 * up, no shell, so no quoting and no injection), its standard streams
 * given as fds, the rest of ours closed in it by O_CLOEXEC.
 *
 * Lifecycle: spawn_start → (talk to it over the fds) → spawn_wait (reaps it;
 * every started child must be waited for). */
#ifndef KARAKURI_COMMON_SPAWN_H
#define KARAKURI_COMMON_SPAWN_H

#include <sys/types.h>

/* Starts argv[0] with argv (borrowed) and stdin, stdout, stderr from in,
 * out, err (borrowed; -1: the caller's own). On success *pid is the child.
 * Returns 0 or a negative errno (the program could not be run). */
int spawn_start(char *const argv[], int in, int out, int err, pid_t *pid)
    __attribute__((warn_unused_result));

/* Waits for pid to end (through EINTR). On success *status is waitpid's raw
 * status. Returns 0 or a negative errno. */
int spawn_wait(pid_t pid, int *status) __attribute__((warn_unused_result));

#endif
