/* spawn: the one way karakuri runs another program (spawn.h). */
#include "common/spawn.h"

#include <errno.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

int spawn_start(char *const argv[], int in, int out, int err, pid_t *pid)
{
    posix_spawn_file_actions_t fa;
    const int fds[3] = {in, out, err};
    pid_t child;

    if (!argv || !argv[0] || !pid)
        return -EINVAL;
    if (posix_spawn_file_actions_init(&fa) != 0)
        return -ENOMEM;
    for (int i = 0; i < 3; i++)
        if (fds[i] >= 0)
            posix_spawn_file_actions_adddup2(&fa, fds[i], i);
    int e = posix_spawnp(&child, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (e != 0)
        return -e;
    *pid = child;
    return 0;
}

int spawn_wait(pid_t pid, int *status)
{
    int st = 0;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return -errno;
    *status = st;
    return 0;
}
