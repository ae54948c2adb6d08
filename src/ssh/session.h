/* ssh session: the process that serves one SSH connection (see session.c). */
#ifndef KARAKURI_SSH_SESSION_H
#define KARAKURI_SSH_SESSION_H

#include <sys/types.h>

struct kssh_session_args {
    int client_fd;       /* the attacker's connection */
    int mon_fd;          /* the monitor socket (monitor.h) */
    const char *version; /* identification after "SSH-2.0-" */
    long long login_grace_s;
    const char *hostkey_dir; /* the honeynet's host keys (hostkeys.h) */
    const char *chroot_dir;  /* empty, root-owned: where the process is shut in */
    uid_t uid;               /* who it runs as after the key files are read */
    gid_t gid;
    pid_t parent; /* the daemon: the session ends with it (SIGTERM) */
};

/* Runs in the forked child; returns its exit status. */
int kssh_session_main(const struct kssh_session_args *a);

/* The session as a program of its own: the daemon forks, puts the client on
 * fd 3 and the monitor socket on fd 4 and execs "karakuri __session
 * VERSION GRACE_S HOSTKEY_DIR CHROOT_DIR UID GID PARENT LOG_LEVEL" (argv
 * from "__session" on). A fresh image: nothing of the daemon's threads
 * (their locks, held at fork time, would hang the child) and its own
 * address-space layout. */
#define KSSH_SESSION_COMMAND "__session"
int kssh_session_exec_main(int argc, char **argv);

#endif
