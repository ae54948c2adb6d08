/* lan responder internals: the state shared by responder.c (start, stop,
 * attach, the look-ups), responder_capture.c (the capture thread: pcap per
 * LAN, the decisions carried out, echoes, rotation, housekeeping) and
 * responder_worker.c (the claimer and worker threads). One mutex guards it
 * all; "lock held" on a function means r->mu. */
#ifndef KARAKURI_LAN_RESPONDER_INT_H
#define KARAKURI_LAN_RESPONDER_INT_H

#include "common/util.h"
#include "event/event.h"
#include "lan/capture.h"
#include "lan/decide.h"
#include "lan/responder.h"

#include <jansson.h>
#include <net/if.h>
#include <pcap/pcap.h>
#include <pthread.h>

#define LAN_RSP_MAX_NETS 64
#define LAN_RSP_MAX_USERS 16
#define LAN_RSP_MAX_STOPPED 256 /* idle-stopped decoys kept */
#define LAN_RSP_MAX_ECHOES 512
#define LAN_RSP_HOUSEKEEP_US 1000000LL

struct lan_gateway;

struct net {
    struct lan_decide_net s; /* what the decisions see */
    char bridge[IF_NAMESIZE];
    pcap_t *pc;
    int fd;
    struct lan_capture cap;
    unsigned drops_reported; /* pcap_stats' count of frames the kernel dropped */
    struct lan_user users[LAN_RSP_MAX_USERS];
    size_t nusers;
};

struct echo {
    long long due;
    struct net *n;
    size_t len;
    uint8_t frame[LAN_PKT_MAX_ECHO];
};

enum job_kind { JOB_STOP, JOB_USER, JOB_REMOVE };

struct job {
    enum job_kind kind;
    char container[72];
    char honeynet[64];
    char ip[UTIL_IPV4_LEN];
    char reason[32];
    char user[33], password[128];
    struct job *next;
};

struct lan_responder {
    const struct config *cfg;
    struct event_pipeline *p;
    struct monitor_exec *mon; /* borrowed; NULL: no proc.exec */
    pthread_mutex_t mu;
    pthread_cond_t cv;       /* the worker's: jobs */
    pthread_cond_t claim_cv; /* the claimer's: pending hosts or pool decoys */
    pthread_cond_t live_cv;  /* a claim's outcome published (lan_responder_reach waits) */
    struct net *nets[LAN_RSP_MAX_NETS];
    size_t nnets;
    struct lan_decide_shared shared; /* caps, live decoys in all, jitter */
    struct lan_decide_out *out;      /* the capture thread's: one frame's actions */
    struct lan_pool *pool;
    struct job *jobs, **jobs_tail;
    struct echo *echoes[LAN_RSP_MAX_ECHOES];
    size_t nechoes;
    int wake; /* eventfd: the capture thread's */
    bool stopping;
    long long next_housekeep;
    pthread_t capture, worker, claimer;
    struct docker *d; /* the worker's */
    /* Idle-stopped decoys, kept for [honeynet] retention, then removed; the
     * worker's own (no lock). */
    struct stopped {
        char id[72];
        long long at_us;
    } stopped[LAN_RSP_MAX_STOPPED];
    size_t nstopped;
};

/* responder.c */
void lan_rsp_emit(struct lan_responder *r, json_t *ev); /* takes ev */
void lan_rsp_wake(struct lan_responder *r);             /* the capture thread */
json_t *lan_rsp_ip_json(uint32_t ip);
json_t *lan_rsp_net_event(struct net *n, enum event_type t);
void lan_rsp_queue_job(struct lan_responder *r, const struct job *j); /* lock held */
void lan_rsp_drop_held(struct lan_decide_host *h);
void lan_rsp_pool_demand(struct lan_responder *r); /* lock held */
void lan_rsp_raise_priority(void);

/* responder_capture.c */
void *lan_rsp_capture_main(void *arg);
/* One packet's decisions carried out, in their order (lock held); frame
 * NULL: nothing held for a replay. */
void lan_rsp_carry_out(struct lan_responder *r, struct net *n, const struct lan_decide_out *out,
                       const uint8_t *frame, size_t len);
/* n opened on gw's bridge, its plan made; NULL with err set. */
struct net *lan_rsp_net_open(struct lan_responder *r, struct docker *d,
                             const struct lan_gateway *gw, char *err, size_t errlen);
/* What n could not record told, its capture stored, n freed. */
void lan_rsp_net_close(struct lan_responder *r, struct net *n);
void lan_rsp_recover_captures(struct lan_responder *r);

/* responder_worker.c */
void *lan_rsp_claimer_main(void *arg);
void *lan_rsp_worker_main(void *arg);
void lan_rsp_pool_ready(void *ud); /* the pool's on_ready */
void lan_rsp_run_job(struct lan_responder *r, const struct job *j);
/* Files extracted, then the decoy stopped (idle: kept until cleanup) or
 * removed (shutdown). */
void lan_rsp_run_stop(struct lan_responder *r, const struct job *j, bool remove);
/* Removes the stopped decoys older than the retention (all with all). */
void lan_rsp_remove_stopped(struct lan_responder *r, bool all);

#endif
