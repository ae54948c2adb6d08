/* honeynet: the one owner of honeynets' lifetimes, behind a small interface
 * for the SSH front end.
 *
 * Everything that talks to Docker for a login or a session's end runs on a
 * few worker threads, never on the thread that accepts connections and reads
 * the session processes' messages: getting a honeynet for a login (found or
 * made: network, gateway, its sshd up), adding the user, attaching the LAN
 * responder and the exec monitor; extracting the files a session left; and
 * the sweep that removes honeynets past [honeynet] retention or
 * [containment] honeynet_lifetime (their last files extracted first).
 *
 * Work on one honeynet is serialized (two logins from one source make one
 * honeynet); creations are serialized among themselves (the free /24 and
 * [honeynet] max are decided one at a time). Extractions and sweeps take at
 * most one worker, so logins always have one. What finishes comes back as a
 * struct honeynet_done through honeynet_take(), signalled on honeynet_fd():
 * the caller polls that fd with its own.
 *
 * Lifecycle: honeynet_start → requests → honeynet_stop, which runs what is
 * queued (extractions past a drain deadline are only counted, recorded as
 * file.truncated), then frees. The caller's thread is the only one calling
 * acquire/release/take (each takes the service's lock briefly). */
#ifndef KARAKURI_HONEYNET_HONEYNET_H
#define KARAKURI_HONEYNET_HONEYNET_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>

struct config;
struct event_pipeline;
struct honeynet_service;
struct lan_responder;
struct monitor_exec;

/* What a worker needs from the SSH side that is not ours: host key files.
 * Both are called on a worker. */
struct honeynet_hooks {
    /* Makes the host keys in dir unless they are there (0 / -errno). */
    int (*keys_make)(const char *dir, char *err, size_t errlen);
    /* Removes dir and the keys in it (0 / -errno). */
    int (*keys_remove)(const char *dir);
};

/* Who a request is for: the fields the daemon vouches for in its events. */
struct honeynet_who {
    char session[25];
    char ip[INET6_ADDRSTRLEN];
    unsigned port;
};

/* A login to make ready: credentials accepted by policy. */
struct honeynet_login {
    struct honeynet_who who;
    char *user, *password; /* taken (NUL-terminated, checked by the caller) */
};

enum honeynet_done_kind {
    HONEYNET_ACQUIRED,     /* a login's answer */
    HONEYNET_END_SESSIONS, /* end the sessions on honeynet (its lifetime is up) */
    HONEYNET_HOP_READY,    /* an SSH hop's host is up (honeynet_hop_reach) */
    HONEYNET_HOP_AUTHED,   /* a hop's credentials judged (honeynet_hop_auth) */
};

#define HONEYNET_KEY_PEM_MAX 4096

struct honeynet_done {
    enum honeynet_done_kind kind;
    struct honeynet_who who; /* ACQUIRED */
    bool ok;
    char why[600];       /* !ok: why the login is refused (any bytes: quote as data) */
    bool wrong_password; /* !ok: the gateway's account has another password (a wrong guess) */
    char honeynet[64];   /* ok, END_SESSIONS */
    char container[96];  /* ok: the gateway */
    char gateway_ip[16];
    int up; /* ok: a connected socket to the gateway's sshd (taken by the caller), else -1 */
    /* HOP_READY (ok): the host reached (gateway_ip, container, honeynet),
     * its init, its depth, its sshd's identification (after "SSH-2.0-")
     * and the host key it is known by (OpenSSH private key file text);
     * up is connected to that sshd. HOP_AUTHED (ok, publickey): the key to
     * log in with upstream. */
    char hostname[32];
    int pid;
    unsigned depth;
    char version[256];
    char key_pem[HONEYNET_KEY_PEM_MAX];
};

/* cfg, p, lan (NULL: LANs are not answered) and mon (NULL: no proc.exec)
 * are borrowed and must outlive the service. */
int honeynet_start(const struct config *cfg, struct event_pipeline *p, struct lan_responder *lan,
                   struct monitor_exec *mon, struct honeynet_service **out, char *err,
                   size_t errlen) __attribute__((warn_unused_result));
/* Set before the first request. */
void honeynet_set_hooks(struct honeynet_service *h, const struct honeynet_hooks *hooks);
/* Readable when honeynet_take has something. */
int honeynet_fd(const struct honeynet_service *h);
/* Queues a login (takes l's strings). Its answer comes back as ACQUIRED
 * with l->who. */
void honeynet_acquire(struct honeynet_service *h, struct honeynet_login *l);
/* An SSH connection from who.ip (a LAN host) to dst (dotted) on its LAN,
 * taken by the front end: dst's decoy claimed and waited for, its sshd
 * connected to. Answered by HOP_READY with who. */
void honeynet_hop_reach(struct honeynet_service *h, const struct honeynet_who *who,
                        const char *dst);
/* Credentials for a hop to container (its init pid) on honeynet: a
 * password (taken), checked against that host's own account, or a public
 * key (pubkey: its authorized_keys line, taken), accepted when that host
 * accepts it. Answered by HOP_AUTHED with who; ok counts the honeynet used
 * (honeynet_release at the session's end). */
void honeynet_hop_auth(struct honeynet_service *h, const struct honeynet_who *who,
                       const char *honeynet, const char *container, int pid, char *user,
                       char *password, char *pubkey);
/* A logged-in session on honeynet ended (or its answer came too late): the
 * honeynet counts as used now, and the files it left in container are
 * extracted (extract: false for a session that never got to use it). */
void honeynet_release(struct honeynet_service *h, const struct honeynet_who *who,
                      const char *honeynet, const char *container, bool extract);
/* The next finished piece of work: true and *out set, or false. */
bool honeynet_take(struct honeynet_service *h, struct honeynet_done *out)
    __attribute__((warn_unused_result));
/* Where the host keys of a source's honeynet (who = its address, or
 * "shared") live; the caller frees. */
char *honeynet_hostkey_dir(const struct config *cfg, const char *who)
    __attribute__((returns_nonnull));
/* Runs or records what is queued (see above), stops the workers, frees h.
 * Answers nobody takes are closed. h may be NULL. */
void honeynet_stop(struct honeynet_service *h);

#endif
