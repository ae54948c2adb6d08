/* ssh server internals: the server's state, shared by server.c (the
 * supervisor: its thread, monitor messages, sessions' ends, start and
 * stop), accept.c (the listener: taking connections in, starting their
 * session processes) and ttylog.c (writing sessions' tty logs). Everything
 * here runs on the server's one thread. */
#ifndef KARAKURI_SSH_SERVER_INT_H
#define KARAKURI_SSH_SERVER_INT_H

#include "honeynet/honeynet.h"
#include "ssh/hostkeys.h"
#include "ssh/policy.h"
#include "ssh/server.h"

#include <jansson.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct kssh_keypool;

#define MAX_CONNS 4096
#define MAX_TTYS 10

struct tty_log {
    int fd; /* its file in the store's tty spool (ttylog.h), -1 when unused */
    int ch;
    long long bytes;
    bool truncated;
    const char *stopped_by; /* why it stopped growing, NULL while it grows */
    long long not_logged;   /* terminal bytes not recorded since */
};
/* A file the intruder is sending in (upload.h), kept in an unnamed file
 * of the store's directory until it is stored as an artifact. */
#define MAX_UPFILES 4
/* Upload files open in the whole daemon: each holds a descriptor. */
#define MAX_UPFILES_OPEN 256
struct up_file {
    int fd; /* -1 when unused (or not stored: stopped_by says why) */
    bool used;
    int ch, f;
    const char *proto; /* "sftp" or "scp" */
    char *path;        /* as sent, owned */
    size_t path_n;
    long long extent;       /* bytes from offset 0 to the end of the last write */
    const char *stopped_by; /* why bytes were not stored, NULL while all are */
    long long not_stored;
};
#define MAX_SOURCES 4096

struct conn {
    pid_t pid; /* 0 once reaped */
    int mon;   /* -1 once closed */
    char session[25];
    char ip[INET6_ADDRSTRLEN];
    unsigned port;
    long long start_us;
    bool authed;
    bool authing;                /* its login is being prepared (honeynet.h): answered later */
    char *auth_user, *auth_pass; /* while authing, for its login event */
    size_t auth_ul, auth_pl;
    bool auth_key;   /* a hop's key login: auth_pass holds the key */
    bool auth_probe; /* … only asked about (unsigned) */
    bool expired;    /* told to end at [containment] session_lifetime */
    char reason[128];
    struct tty_log tty[MAX_TTYS];
    struct up_file up[MAX_UPFILES];
    long long up_bytes; /* stored of its uploads, in all */
    char container[96]; /* the gateway logged into, "" before login */
    char honeynet[64];
    char host_ip[16];         /* the address of the host logged into, "" before login */
    char client_version[128]; /* as the session process reported them */
    char hassh[33];
    long long bytes_in, bytes_out; /* on the wire, both ways */
    struct kssh_keyset keys;       /* the host keys it was shown */
    /* An SSH hop (a LAN host to another, hop listener): the host it reached
     * (container, honeynet above), that host's init and a connection to
     * its sshd, kept until a login takes it. */
    bool hop;
    char hop_dst[16];
    int hop_pid;
    int hop_up;
};

/* A hop taken in, waiting for its host to be up (honeynet_hop_reach). */
#define MAX_HOP_WAITS 256
struct hop_wait {
    int fd;
    char session[25];
    char ip[INET6_ADDRSTRLEN];
    unsigned port;
    char dst[16];
    long long start_us;
};

struct source {
    char ip[INET6_ADDRSTRLEN];
    unsigned failures;
    long long last_us;
};

struct kssh_server {
    const struct config *cfg;
    struct event_pipeline *p;
    struct honeynet_service *hn; /* honeynets: every Docker call is made there */
    struct kssh_policy policy;
    int lfd, wake[2];
    int hop_lfd; /* the hop listener (CONTAIN_HOP_PORT), -1 without [honeynet] hops */
    struct hop_wait *hop_waits; /* MAX_HOP_WAITS */
    size_t nhop_waits;
    int reserve;            /* a spare descriptor, given up to turn a connection away at EMFILE */
    int fd_ceiling;         /* connections on descriptors from here up are turned away */
    long long paused_until; /* accepts paused after running out of descriptors */
    unsigned long long fd_refused; /* connections turned away for want of descriptors */
    uint16_t port;
    pthread_t th;
    struct kssh_zygote *z;          /* forks the session processes */
    struct kssh_keypool *keypool;   /* keys for sources with none of their own */
    struct kssh_keyset shared_keys; /* the shared honeynet's, in shared mode */
    bool zygote_gone;               /* said once */
    char *empty_dir;
    struct conn *conns; /* MAX_CONNS */
    size_t nconns;
    struct source *sources; /* MAX_SOURCES */
    size_t nsources;
    unsigned upfiles_open; /* up_file descriptors of all connections */
};

/* ---- server.c ---- */

/* Records ev (taken) with the fields the daemon vouches for: c's session,
 * source address and port. */
void kssh_srv_emit(struct kssh_server *s, const struct conn *c, json_t *ev);
/* Connections of source ip (all sources: NULL) that have logged in (or
 * whose login is being prepared), or not logged in. */
unsigned kssh_srv_conn_count(const struct kssh_server *s, const char *ip, bool authed);
/* Records the session processes the zygote says have ended; block: until
 * every one has (or 15 s have passed). */
void kssh_srv_reap(struct kssh_server *s, bool block);

/* ---- accept.c ---- */

/* Binds and listens on [ssh] listen; sets s->lfd and s->port. */
int kssh_srv_listen(struct kssh_server *s, char *err, size_t errlen)
    __attribute__((warn_unused_result));
/* Takes one connection off the listening socket: refused (and recorded)
 * past a cap, else given a session process and added to s->conns. */
void kssh_srv_accept(struct kssh_server *s);
/* The hop listener, with [honeynet] hops (a failure is logged: hops then
 * reach nothing). */
void kssh_srv_hop_listen(struct kssh_server *s);
/* Takes one hop off the hop listener; its host is made ready on a worker. */
void kssh_srv_hop_accept(struct kssh_server *s);
/* The hop's host is up (or not): the hop gets its session process, which
 * answers as that host. d's socket is taken. */
void kssh_srv_hop_ready(struct kssh_server *s, struct honeynet_done *d);
/* Whom a hop comes from: the newest logged-in session on the host at ip
 * (of honeynet hn), "" if none. */
const char *kssh_srv_session_on(const struct kssh_server *s, const char *hn, const char *ip);

/* ---- ttylog.c ---- */

/* The session process's tty messages (intake.h): a channel's recording
 * opens (m: ch, term_b64, width, height), grows (m: ch, t, k, data_b64)
 * and closes (m: ch). m is borrowed. */
void kssh_tty_open(struct kssh_server *s, struct conn *c, json_t *m);
void kssh_tty_append(struct kssh_server *s, struct conn *c, json_t *m);
void kssh_tty_close(struct kssh_server *s, struct conn *c, json_t *m);
/* Stores and records every recording c still has open (its session ended). */
void kssh_tty_finish_all(struct kssh_server *s, struct conn *c);

/* ---- upfile.c ---- */

/* The session process's up_* messages (intake.h): a file sent in opens
 * (m: ch, f, proto, path_b64), is written (m: ch, f, off, data_b64) and
 * closes (m: ch, f), when it is stored and recorded as file.upload. m is
 * borrowed. */
void kssh_upfile_open(struct kssh_server *s, struct conn *c, json_t *m);
void kssh_upfile_write(struct kssh_server *s, struct conn *c, json_t *m);
void kssh_upfile_close(struct kssh_server *s, struct conn *c, json_t *m);
/* Stores and records every file c still has open (its session ended). */
void kssh_upfile_finish_all(struct kssh_server *s, struct conn *c);

#endif
