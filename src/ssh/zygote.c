/* ssh zygote: forks the session processes (see zygote.h).
 *
 * Daemon → zygote, on a SOCK_SEQPACKET pair (fdpass.h):
 *   {"spawn": {}} + [client, monitor end]
 *       answered by {"pid": N} or {"error": ERRNO}
 * Zygote → daemon, whenever a session process ends:
 *   {"exit": PID, "status": STATUS}          (waitpid's status) */
#include "ssh/zygote.h"

#include "common/util.h"
#include "common/xalloc.h"
#include "config/config.h"
#include "ssh/fdpass.h"
#include "ssh/session.h"

#include <errno.h>
#include <fcntl.h>
#include <libssh/libssh.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_CHILDREN 4096

struct exit_report {
    pid_t pid;
    int status;
};

struct kssh_zygote {
    int ctl;
    pid_t pid;
    struct exit_report *pending; /* reports read while waiting for a spawn's answer */
    size_t npending;
    bool gone;
};

/* ---- in the zygote ---- */

struct child {
    pid_t pid;
    unsigned slot;
};

struct zygote {
    int ctl, sig;
    pid_t self, daemon;
    const char *version, *empty_dir;
    long long grace_s;
    struct child kids[MAX_CHILDREN];
    size_t nkids;
    unsigned next_slot;
};

static bool slot_used(const struct zygote *z, unsigned slot)
{
    for (size_t i = 0; i < z->nkids; i++)
        if (z->kids[i].slot == slot)
            return true;
    return false;
}

/* In the new session process: nothing but the connection (fd 3) and its
 * monitor socket (fd 4). */
static _Noreturn void session_child(struct zygote *z, int client, int mon, unsigned slot)
{
    if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0 || getppid() != z->self)
        _exit(1);
    if (setsid() < 0 || dup2(client, 3) < 0 || dup2(mon, 4) < 0)
        _exit(1);
    close_range(5, ~0U, 0);
    signal(SIGCHLD, SIG_DFL);
    signal(SIGPIPE, SIG_IGN);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    struct kssh_session_args a = {.client_fd = 3,
                                  .mon_fd = 4,
                                  .version = z->version,
                                  .login_grace_s = z->grace_s,
                                  .chroot_dir = z->empty_dir,
                                  .uid = (uid_t)(KSSH_SESSION_UID_BASE + slot),
                                  .gid = (gid_t)(KSSH_SESSION_UID_BASE + slot),
                                  .parent = z->self};
    _exit(kssh_session_main(&a));
}

static void spawn(struct zygote *z, const int *fds, size_t nfds)
{
    int err = 0;
    pid_t pid = -1;
    unsigned slot = z->next_slot;

    if (nfds != 2 || z->nkids >= MAX_CHILDREN) {
        err = nfds != 2 ? EINVAL : EAGAIN;
        goto out;
    }
    while (slot_used(z, slot))
        slot = (slot + 1) % KSSH_SESSION_UID_SLOTS;
    z->next_slot = (slot + 1) % KSSH_SESSION_UID_SLOTS;
    pid = fork();
    if (pid == 0) {
        close(z->ctl);
        close(z->sig);
        session_child(z, fds[0], fds[1], slot);
    }
    if (pid < 0)
        err = errno;
    else
        z->kids[z->nkids++] = (struct child){pid, slot};
out:
    if (kssh_fds_send(z->ctl,
                      err ? json_pack("{s:i}", "error", err) : json_pack("{s:i}", "pid", pid), NULL,
                      0) < 0)
        _exit(0); /* the daemon is gone */
}

/* Reaps every ended child; reports the session processes. What a session
 * left in its process group goes with it. */
static void reap(struct zygote *z)
{
    int status;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        for (size_t i = 0; i < z->nkids; i++) {
            if (z->kids[i].pid != pid)
                continue;
            kill(-pid, SIGKILL);
            z->kids[i] = z->kids[--z->nkids];
            if (kssh_fds_send(z->ctl, json_pack("{s:i, s:i}", "exit", pid, "status", status), NULL,
                              0) < 0)
                _exit(0);
            break;
        }
    }
}

static _Noreturn void zygote_main(struct zygote *z)
{
    for (;;) {
        struct pollfd p[2] = {{.fd = z->ctl, .events = POLLIN}, {.fd = z->sig, .events = POLLIN}};
        if (poll(p, 2, -1) < 0 && errno != EINTR)
            break;
        if (p[1].revents) {
            struct signalfd_siginfo si;
            while (read(z->sig, &si, sizeof(si)) == (ssize_t)sizeof(si))
                ;
            reap(z);
        }
        if (!p[0].revents)
            continue;
        json_t *m = NULL, *req;
        int fds[KSSH_FDS_MAX];
        size_t nfds = 0;
        if (kssh_fds_recv(z->ctl, &m, fds, KSSH_FDS_MAX, &nfds) < 0)
            continue;
        if (!m)
            break; /* the daemon is gone or stopping */
        if ((req = json_object_get(m, "spawn")) && json_is_object(req))
            spawn(z, fds, nfds);
        for (size_t i = 0; i < nfds; i++)
            close(fds[i]);
        json_decref(m);
    }
    for (size_t i = 0; i < z->nkids; i++)
        kill(-z->kids[i].pid, SIGKILL);
    _exit(0);
}

/* The zygote's first steps; a failure is told to the daemon. */
static _Noreturn void zygote_init(const struct config *cfg, int ctl, pid_t daemon)
{
    static struct zygote z;
    const char *step = NULL;
    int e = 0;

    if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != daemon)
        _exit(1);
    z.self = getpid();
    z.daemon = daemon;
    z.version = xstrdup(cfg->ssh.version);
    z.grace_s = cfg->ssh.login_grace_s;
    z.empty_dir = xasprintf("%s/.empty", cfg->store.dir);
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0)
        step = "/dev/null";
    else if (dup2(ctl, 3) < 0)
        step = "dup2";
    z.ctl = 3;
    close_range(4, ~0U, 0);
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_SETMASK, &chld, NULL);
    signal(SIGINT, SIG_IGN);
    signal(SIGPIPE, SIG_IGN);
    if (!step && setsid() < 0)
        step = "setsid";
    else if (!step && unshare(CLONE_NEWNET) < 0)
        step = "a network namespace of its own";
    else if (!step && prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
        step = "subreaper";
    else if (!step && (z.sig = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK)) < 0)
        step = "signalfd";
    if (step)
        e = errno;
    /* libssh and OpenSSL set up once here, not in every session. */
    if (!step && ssh_init() < 0) {
        step = "libssh";
        e = EIO;
    }
    json_t *hello =
        step ? json_pack("{s:s, s:i}", "failed", step, "errno", e) : json_pack("{s:b}", "ready", 1);
    if (kssh_fds_send(z.ctl, hello, NULL, 0) < 0 || step)
        _exit(1);
    zygote_main(&z);
}

/* ---- in the daemon ---- */

int kssh_zygote_start(const struct config *cfg, struct kssh_zygote **out, char *err, size_t errlen)
{
    int sv[2];
    char ebuf[128];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
        int e = errno;
        snprintf(err, errlen, "socketpair: %s", util_strerror(e, ebuf, sizeof(ebuf)));
        return -e;
    }
    pid_t daemon = getpid();
    pid_t pid = fork();
    if (pid == 0) {
        close(sv[0]);
        zygote_init(cfg, sv[1], daemon);
    }
    close(sv[1]);
    if (pid < 0) {
        int e = errno;
        close(sv[0]);
        snprintf(err, errlen, "fork: %s", util_strerror(e, ebuf, sizeof(ebuf)));
        return -e;
    }
    json_t *hello = NULL;
    int fds[KSSH_FDS_MAX];
    size_t nfds = 0;
    int rc = kssh_fds_recv(sv[0], &hello, fds, 0, &nfds);
    if (rc < 0 || !hello || !json_is_true(json_object_get(hello, "ready"))) {
        const char *step = json_string_value(json_object_get(hello, "failed"));
        int e = (int)json_integer_value(json_object_get(hello, "errno"));
        snprintf(err, errlen, "the session zygote failed: %s%s%s", step ? step : "it died",
                 e ? ": " : "", e ? util_strerror(e, ebuf, sizeof(ebuf)) : "");
        json_decref(hello);
        close(sv[0]);
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        return -ECHILD;
    }
    json_decref(hello);
    struct kssh_zygote *z = xcalloc(1, sizeof(*z));
    z->ctl = sv[0];
    z->pid = pid;
    *out = z;
    return 0;
}

int kssh_zygote_fd(const struct kssh_zygote *z)
{
    return z->gone ? -1 : z->ctl;
}

/* One message from the zygote within timeout_ms: 1 (*m set), 0 (none),
 * -EPIPE (gone). */
static int next_msg(struct kssh_zygote *z, int timeout_ms, json_t **m)
{
    if (z->gone)
        return -EPIPE;
    struct pollfd p = {.fd = z->ctl, .events = POLLIN};
    int rc = poll(&p, 1, timeout_ms);
    if (rc < 0)
        return errno == EINTR ? 0 : -errno;
    if (rc == 0)
        return 0;
    int fds[KSSH_FDS_MAX];
    size_t nfds = 0;
    json_t *v = NULL;
    if (kssh_fds_recv(z->ctl, &v, fds, 0, &nfds) < 0 || !v) {
        z->gone = true;
        waitpid(z->pid, NULL, WNOHANG);
        return -EPIPE;
    }
    *m = v;
    return 1;
}

static void queue_exit(struct kssh_zygote *z, json_t *m)
{
    z->pending = xrealloc(z->pending, (z->npending + 1) * sizeof(*z->pending));
    z->pending[z->npending++] =
        (struct exit_report){(pid_t)json_integer_value(json_object_get(m, "exit")),
                             (int)json_integer_value(json_object_get(m, "status"))};
}

int kssh_zygote_spawn(struct kssh_zygote *z, int client, int mon, pid_t *pid)
{
    int fds[2] = {client, mon}, rc;
    json_t *req = json_pack("{s:{}}", "spawn"), *m = NULL;
    if (z->gone)
        return -EPIPE;
    if ((rc = kssh_fds_send(z->ctl, req, fds, 2)) < 0)
        return rc;
    /* The answer comes within a fork's time; exit reports may come first. */
    for (int waited = 0; waited < 50; waited++) {
        if ((rc = next_msg(z, 100, &m)) < 0)
            return rc;
        if (rc == 0)
            continue;
        json_t *v;
        if (json_object_get(m, "exit")) {
            queue_exit(z, m);
        } else if ((v = json_object_get(m, "pid"))) {
            *pid = (pid_t)json_integer_value(v);
            json_decref(m);
            return 0;
        } else if ((v = json_object_get(m, "error"))) {
            rc = -(int)json_integer_value(v);
            json_decref(m);
            return rc < 0 ? rc : -EIO;
        }
        json_decref(m);
    }
    return -ETIMEDOUT;
}

int kssh_zygote_exited(struct kssh_zygote *z, int timeout_ms, pid_t *pid, int *status)
{
    for (;;) {
        if (z->npending) {
            *pid = z->pending[0].pid;
            *status = z->pending[0].status;
            memmove(z->pending, z->pending + 1, --z->npending * sizeof(*z->pending));
            return 1;
        }
        json_t *m = NULL;
        int rc = next_msg(z, timeout_ms, &m);
        if (rc <= 0)
            return rc;
        if (json_object_get(m, "exit"))
            queue_exit(z, m);
        json_decref(m);
    }
}

void kssh_zygote_stop(struct kssh_zygote *z)
{
    if (!z)
        return;
    close(z->ctl); /* the zygote ends what is left and exits */
    waitpid(z->pid, NULL, 0);
    free(z->pending);
    free(z);
}
