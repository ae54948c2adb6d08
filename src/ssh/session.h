/* ssh session: the process that serves one SSH connection (see session.c). */
#ifndef KARAKURI_SSH_SESSION_H
#define KARAKURI_SSH_SESSION_H

#include <sys/types.h>

struct kssh_session_args {
    int client_fd;       /* the attacker's connection */
    int mon_fd;          /* the monitor socket (monitor.h) */
    const char *version; /* identification after "SSH-2.0-" */
    long long login_grace_s;
    const char *chroot_dir; /* empty, root-owned: where the process is shut in */
    uid_t uid;              /* who it runs as after the key files are read */
    gid_t gid;
    pid_t parent; /* the zygote: the session ends with it (SIGTERM) */
};

/* Runs in the session process the zygote forked (zygote.h); returns its
 * exit status. */
int kssh_session_main(const struct kssh_session_args *a);

#endif
