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

/* The session from its arguments, with the client on fd 3 and the monitor
 * socket on fd 4: "__session VERSION GRACE_S HOSTKEY_DIR CHROOT_DIR UID GID
 * PARENT LOG_LEVEL". The forked child calls it; sanitizer builds exec
 * "karakuri __session …" instead, since their allocator is not fork-safe
 * with threads. */
#define KSSH_SESSION_COMMAND "__session"
int kssh_session_exec_main(int argc, char **argv);

#endif
