/* honeynet internals: the service's state, shared by service.c (threads,
 * queue, interface) and the work it runs (acquire.c, extract.c, sweep.c). */
#ifndef KARAKURI_HONEYNET_INT_H
#define KARAKURI_HONEYNET_INT_H

#include "honeynet/honeynet.h"
#include "honeynet/registry.h"

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>

struct docker;

/* Logins wait here for their gateway sshd's banner, several of one
 * honeynet at once (sshd throttled by its CPU limit): room for them. */
#define HONEYNET_WORKERS 6
/* Extractions and sweeps at once: the other workers stay free for logins. */
#define HONEYNET_SLOW_MAX 1
/* How long stop lets queued extractions run before it only counts. */
#define HONEYNET_DRAIN_MS 20000

enum job_kind { JOB_ACQUIRE, JOB_EXTRACT, JOB_SWEEP, JOB_HOP_REACH, JOB_HOP_AUTH };

struct job {
    struct job *next;
    enum job_kind kind;
    char key[64]; /* the honeynet (for a login: the one it asks for) */
    struct honeynet_who who;
    char *user, *password;     /* JOB_ACQUIRE, JOB_HOP_AUTH: owned */
    char *pubkey;              /* JOB_HOP_AUTH: owned, NULL for a password */
    char container[96];        /* JOB_EXTRACT, JOB_HOP_AUTH */
    char dst[16];              /* JOB_HOP_REACH */
    int pid;                   /* JOB_HOP_AUTH */
    char shared_key[64];       /* JOB_ACQUIRE: the honeynet it overflowed to, locked too */
    struct honeynet_done done; /* JOB_ACQUIRE: the answer */
    bool unlocked;             /* JOB_ACQUIRE: its honeynet let go before the job's end */
};

struct done_node {
    struct done_node *next;
    struct honeynet_done d;
};

struct honeynet_service {
    const struct config *cfg;
    struct event_pipeline *p;
    struct lan_responder *lan;
    struct monitor_exec *mon;
    struct honeynet_hooks hooks;
    pthread_mutex_t mu; /* guards everything below but the workers' handles */
    pthread_cond_t cv;
    pthread_mutex_t create_mu; /* held while a honeynet is made: one /24, one cap at a time */
    struct job *head, **tail;
    struct done_node *done_head, **done_tail;
    int efd;
    pthread_t th[HONEYNET_WORKERS];
    unsigned nth;
    bool stopping;
    _Atomic long long drain_deadline_us; /* monotonic; 0 until stop */
    unsigned slow_running;
    bool sweep_queued;
    long long next_sweep_us;
    struct honeynet_registry reg;
    json_t *files_seen; /* "container path" → sha256 of what was last recorded */
};

/* A worker's own Docker handle (docker.h: one thread per handle). */
struct worker {
    struct honeynet_service *h;
    struct docker *d; /* NULL until the engine answers */
};

/* Opens w->d if need be; 0 or -errno with err set. */
int honeynet_docker(struct worker *w, char *err, size_t errlen) __attribute__((warn_unused_result));
/* Queues an event with who's fields (who NULL: none). Takes ev. */
void honeynet_emit(struct honeynet_service *h, const struct honeynet_who *who, json_t *ev);
/* Hands d back to the caller's thread. */
void honeynet_post(struct honeynet_service *h, const struct honeynet_done *d);
/* Waits (lock held) until key is not locked, then locks it. */
void honeynet_key_lock(struct honeynet_service *h, const char *key);
/* Lets a running login's honeynets go (the rest of its work touches
 * nothing another login of them would), before the job ends. */
void honeynet_job_unlock(struct honeynet_service *h, struct job *j);

void honeynet_run_acquire(struct worker *w, struct job *j);
void honeynet_run_extract(struct worker *w, struct job *j);
void honeynet_run_sweep(struct worker *w);
void honeynet_run_hop_reach(struct worker *w, struct job *j);
void honeynet_run_hop_auth(struct worker *w, struct job *j);
/* A connection to ip:22 with sshd's banner on the way; -1 with why set if
 * none within 10 s (acquire.c). */
int honeynet_connect_sshd(const char *ip, char *why, size_t whylen);
/* The last files of a honeynet's gateway, before it is removed. */
void honeynet_extract_final(struct worker *w, const char *honeynet, const char *container);

#endif
